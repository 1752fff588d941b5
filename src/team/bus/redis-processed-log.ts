/**
 * @module The processed-id record of the Redis bus: one sorted set per deduplication identity
 * (`<prefix>:processed:<agent>` or `...:role:<role>`), message ids scored by the time they were
 * handled, trimmed to the newest `capacity`. Shared by every process on the bus, so a message
 * redelivered to another consumer of the same agent or role after a crash is not handled again.
 */
import type { Redis } from 'ioredis';
import type { ProcessedLog } from './processed-log.js';
import { RedisBusKeys } from './redis-keys.js';

/** Options of {@link RedisProcessedLog}. */
export interface RedisProcessedLogOptions {
  /** The command connection; the Redis bus passes its own (see `add`). */
  readonly redis: Redis;
  readonly keys?: RedisBusKeys;
  /** Ids remembered per identity; default 100,000. */
  readonly capacity?: number;
}

/**
 * A {@link ProcessedLog} in Redis.
 *
 * `add` returns at once: the ZADD is written at the latest in the next microtask, batched with
 * every other id recorded in the same turn, on the command connection the Redis bus also
 * acknowledges on; the bus calls {@link RedisProcessedLog.flush} before it writes its XACKs.
 * Redis runs one connection's commands in order, so a record always lands before the
 * acknowledgement of its message: a crash in between means a redelivery that is then
 * recognised as a duplicate.
 *
 * @example
 * const processed = new RedisProcessedLog({ redis });
 * await processed.hasMany('code', ids);
 */
export class RedisProcessedLog implements ProcessedLog {
  readonly #redis: Redis;
  readonly #keys: RedisBusKeys;
  readonly #capacity: number;
  #pending = new Map<string, string[]>();
  #scheduled = false;
  /** Record writes that failed (the ids stay unrecorded: a duplicate would be handled again). */
  writeErrors = 0;

  constructor(options: RedisProcessedLogOptions) {
    this.#redis = options.redis;
    this.#keys = options.keys ?? new RedisBusKeys();
    this.#capacity = options.capacity ?? 100_000;
  }

  async has(consumer: string, id: string): Promise<boolean> {
    return (await this.#redis.zscore(this.#keys.processed(consumer), id)) !== null;
  }

  /** For each id, whether `consumer` handled it: one round trip for a whole fetched batch. */
  async hasMany(consumer: string, ids: readonly string[]): Promise<boolean[]> {
    if (ids.length === 0) return [];
    const scores = (await this.#redis.call('ZMSCORE', this.#keys.processed(consumer), ...ids)) as (
      | string
      | null
    )[];
    return scores.map((s) => s !== null);
  }

  add(consumer: string, id: string): void {
    let ids = this.#pending.get(consumer);
    if (ids === undefined) {
      ids = [];
      this.#pending.set(consumer, ids);
    }
    ids.push(id);
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.flush);
    }
  }

  /** Writes the ids recorded so far now (the bus calls it before acknowledging). */
  readonly flush = (): void => {
    this.#scheduled = false;
    if (this.#pending.size === 0) return;
    const pending = this.#pending;
    this.#pending = new Map();
    const now = Date.now();
    for (const [consumer, ids] of pending) {
      const key = this.#keys.processed(consumer);
      const args: (string | number)[] = [];
      for (const id of ids) args.push(now, id);
      this.#redis.zadd(key, ...args).catch(() => {
        this.writeErrors += ids.length;
      });
      // Rank 0 is the oldest; keep the newest `capacity`.
      this.#redis.zremrangebyrank(key, 0, -(this.#capacity + 1)).catch(() => {});
    }
  };
}

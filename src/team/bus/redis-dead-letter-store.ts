/**
 * @module The Redis bus's DLQ storage: one hash (`<prefix>:dlq`) of entry id → entry JSON,
 * shared by every process on the bus. Entry ids are UUIDv7, so sorting ids sorts by time.
 */
import type { Redis } from 'ioredis';
import { DEFAULT_DLQ_MAX_ENTRIES, type DeadLetter, type DeadLetterStore } from './dead-letter.js';
import type { RedisBusKeys } from './redis-keys.js';

/**
 * A {@link DeadLetterStore} in a Redis hash.
 *
 * @example
 * const store = new RedisDeadLetterStore(redis, new RedisBusKeys('t1'));
 */
export class RedisDeadLetterStore implements DeadLetterStore {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #max: number;

  constructor(redis: Redis, keys: RedisBusKeys, maxEntries = DEFAULT_DLQ_MAX_ENTRIES) {
    this.#redis = redis;
    this.#key = keys.dlq;
    this.#max = maxEntries;
  }

  async add(entry: DeadLetter): Promise<number> {
    await this.#redis.hset(this.#key, entry.id, JSON.stringify(entry));
    let size = await this.#redis.hlen(this.#key);
    if (size > this.#max) {
      const ids = (await this.#redis.hkeys(this.#key)).sort();
      const excess = ids.slice(0, size - this.#max);
      if (excess.length > 0) await this.#redis.hdel(this.#key, ...excess);
      size -= excess.length;
    }
    return size;
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    const text = await this.#redis.hget(this.#key, id);
    return text === null ? undefined : (JSON.parse(text) as DeadLetter);
  }

  async list(limit: number): Promise<DeadLetter[]> {
    const all = await this.#redis.hgetall(this.#key);
    return Object.keys(all)
      .sort()
      .slice(0, limit)
      .map((id) => JSON.parse(all[id]!) as DeadLetter);
  }

  async remove(id: string): Promise<boolean> {
    return (await this.#redis.hdel(this.#key, id)) > 0;
  }

  count(): Promise<number> {
    return this.#redis.hlen(this.#key);
  }
}

/**
 * @module The scale-out bus on Redis Streams with consumer groups: any number of processes
 * share agents, roles, the processed-id record and the DLQ through one Redis and one key
 * prefix. One stream per agent and per role, read in the group `bus`, and one broadcast stream
 * with a group per agent. Sends are appended under the target stream's capacity (see
 * `redis-stream-writer.ts`); consumers read with XREADGROUP, acknowledge with XACK and delete
 * what they acknowledged, so an agent or role stream's length is exactly its backlog, which is
 * what back-pressure measures. See `redis-subscription.ts` for reading, claiming from dead
 * consumers, and the ordering limits.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { AgentvisorError } from '../../core/index.js';
import type {
  BusKind,
  BusOptions,
  ConsumerSpec,
  ConsumerStats,
  MessageHandler,
  SubscribeOptions,
  Subscription,
} from './bus.js';
import {
  BusCore,
  checkConsumer,
  closedError,
  positiveOption,
  resolveBusOptions,
  unknownTargetError,
} from './bus-core.js';
import type { BusMessage } from './bus-message.js';
import type { DeliveryOutcome } from './delivery.js';
import { DeliveryRunner } from './delivery.js';
import { decodeMessage, encodeMessage } from './message-codec.js';
import type { ProcessedLog } from './processed-log.js';
import { RedisDeadLetterStore } from './redis-dead-letter-store.js';
import { readReplyEntries } from './redis-entries.js';
import { DEFAULT_KEY_PREFIX, RedisBusKeys, TARGET_GROUP } from './redis-keys.js';
import { RedisProcessedLog } from './redis-processed-log.js';
import { RedisStreamWriter } from './redis-stream-writer.js';
import { type RedisDelivery, RedisSubscription, type StreamRead } from './redis-subscription.js';

/** Options of {@link RedisStreamsBus}. */
export interface RedisStreamsBusOptions extends BusOptions {
  /** Redis URL; default `redis://127.0.0.1:6379`. Ignored when `redis` is given. */
  readonly url?: string;
  /** A connection whose settings the bus copies (it opens its own; it never closes this one). */
  readonly redis?: Redis;
  /** Prefix of every key; default `agentvisor:bus`. */
  readonly keyPrefix?: string;
  /** Idle time after which a pending entry is taken from its (presumed dead) consumer; 30 s. */
  readonly claimIdleMs?: number;
  /** How often subscriptions look for such entries; default `claimIdleMs / 2`, at most 5 s. */
  readonly claimIntervalMs?: number;
  /** XREADGROUP BLOCK time; bounds nothing but idle round trips; default 5 s. */
  readonly blockMs?: number;
  /** Entries fetched per read at most; default 256. */
  readonly readCount?: number;
  /** Deliveries of one entry (crashes included) before it is dead-lettered; default 5. */
  readonly maxDeliveries?: number;
  /** Ids remembered per agent or role by the default processed log; default 100,000. */
  readonly processedCapacity?: number;
  /** Approximate cap of the broadcast stream (a safety valve, see `redis-stream-writer.ts`); 100,000. */
  readonly broadcastMaxLen?: number;
}

/** Retention of a reply stream nobody reads any more (its requester died). */
const REPLY_TTL_MS = 3_600_000;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The Redis Streams {@link Bus}. Open it with {@link RedisStreamsBus.open}, which checks the
 * server answers.
 *
 * @example
 * const bus = await RedisStreamsBus.open({ url: 'redis://127.0.0.1:6379', keyPrefix: 'team1' });
 * await bus.subscribe({ name: 'qa', roles: ['tester'] }, async (msg) => review(msg));
 * await bus.send({ source: 'lead', target: 'role:tester', type: 'task', payload: { action: 'test' } });
 */
export class RedisStreamsBus extends BusCore<RedisDelivery> {
  readonly kind: BusKind = 'redis';
  readonly keys: RedisBusKeys;
  readonly #cmd: Redis;
  readonly #connect: () => Redis;
  readonly #processed: ProcessedLog;
  readonly #settings: Required<
    Pick<
      RedisStreamsBusOptions,
      | 'claimIdleMs'
      | 'claimIntervalMs'
      | 'blockMs'
      | 'readCount'
      | 'maxDeliveries'
      | 'broadcastMaxLen'
    >
  >;
  /** Targets found in the registry (a target never leaves it). */
  readonly #known = new Set<string>();
  readonly #subscriptions = new Set<RedisSubscription>();
  readonly #writer: RedisStreamWriter;
  #replyReader: { conn: Redis; loop: Promise<void> } | undefined;
  #subscriptionSeq = 0;

  /** Prefer {@link RedisStreamsBus.open}. */
  constructor(options: RedisStreamsBusOptions = {}) {
    const resolved = resolveBusOptions(options);
    const keys = new RedisBusKeys(options.keyPrefix ?? DEFAULT_KEY_PREFIX);
    const connect = (extra: RedisOptions = {}): Redis => {
      const conn =
        options.redis !== undefined
          ? options.redis.duplicate(extra)
          : new Redis(options.url ?? 'redis://127.0.0.1:6379', extra);
      // Errors surface on the commands that fail; without a listener ioredis prints them.
      conn.on('error', () => {});
      return conn;
    };
    const cmd = connect({ enableAutoPipelining: true });
    const processed =
      options.processedLog ??
      new RedisProcessedLog({
        redis: cmd,
        keys,
        capacity: options.processedCapacity ?? 100_000,
      });
    super(resolved, new RedisDeadLetterStore(cmd, keys, resolved.dlqMaxEntries), processed);
    this.keys = keys;
    this.#cmd = cmd;
    this.#connect = () => connect();
    this.#processed = processed;
    const claimIdleMs = options.claimIdleMs ?? 30_000;
    this.#settings = {
      claimIdleMs,
      claimIntervalMs: options.claimIntervalMs ?? Math.max(10, Math.min(5_000, claimIdleMs / 2)),
      blockMs: options.blockMs ?? 5_000,
      readCount: options.readCount ?? 256,
      maxDeliveries: options.maxDeliveries ?? 5,
      broadcastMaxLen: options.broadcastMaxLen ?? 100_000,
    };
    this.#writer = new RedisStreamWriter({
      cmd,
      capacity: resolved.queueCapacity,
      sendTimeoutMs: resolved.sendTimeoutMs,
      broadcastKey: keys.broadcast,
      broadcastMaxLen: this.#settings.broadcastMaxLen,
      counters: this.counters,
      isClosed: () => this.closed,
      ...(processed instanceof RedisProcessedLog ? { beforeAcks: processed.flush } : {}),
    });
  }

  /**
   * Opens a bus and checks that Redis answers (UNAVAILABLE when it does not).
   *
   * @example
   * const bus = await RedisStreamsBus.open({ keyPrefix: 'agentvisor:bus' });
   */
  static async open(options: RedisStreamsBusOptions = {}): Promise<RedisStreamsBus> {
    const bus = new RedisStreamsBus(options);
    try {
      await bus.#cmd.ping();
    } catch (error) {
      // Disconnect first: a polite QUIT would wait in the offline queue for a server that is not there.
      bus.#cmd.disconnect();
      await bus.close().catch(() => {});
      throw new AgentvisorError('UNAVAILABLE', `Redis unreachable: ${errorText(error)}`, {
        cause: error,
      });
    }
    return bus;
  }

  async subscribe(
    consumer: ConsumerSpec,
    handler: MessageHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    if (this.closed) throw closedError();
    const { name, roles } = checkConsumer(consumer);
    const concurrency = positiveOption(options.concurrency, 'concurrency', 1);
    const capacity = positiveOption(options.maxInFlight, 'maxInFlight', this.options.queueCapacity);
    if (typeof handler !== 'function') {
      throw new AgentvisorError('INPUT_INVALID', 'subscribe: handler must be a function');
    }
    const targeted: StreamRead[] = [
      {
        key: this.keys.stream(`agent:${name}`),
        group: TARGET_GROUP,
        dedupeKey: name,
        dropOnAck: true,
        broadcast: false,
      },
      ...roles.map((role) => ({
        key: this.keys.stream(`role:${role}`),
        group: TARGET_GROUP,
        dedupeKey: `role:${role}`,
        dropOnAck: true,
        broadcast: false,
      })),
    ];
    const broadcast: StreamRead = {
      key: this.keys.broadcast,
      group: name,
      dedupeKey: name,
      dropOnAck: false,
      broadcast: true,
    };
    const ensureGroups = () => this.#ensureGroups(targeted, broadcast);
    await ensureGroups();
    const registry: Record<string, string> = { [`agent:${name}`]: JSON.stringify(roles) };
    for (const role of roles) registry[`role:${role}`] = '1';
    await this.#cmd.hset(this.keys.registry, registry);
    for (const target of Object.keys(registry)) this.#known.add(target);
    const subscription = new RedisSubscription({
      cmd: this.#cmd,
      connect: this.#connect,
      runner: new DeliveryRunner(this.host, name, handler),
      processed: this.#processed,
      counters: this.counters,
      consumer: { name, roles },
      consumerId: `${name}/${this.instanceId}/${++this.#subscriptionSeq}`,
      targeted,
      broadcast,
      capacity,
      concurrency,
      clock: this.options.clock,
      ...this.#settings,
      ack: (stream, group, id, drop) => this.#writer.ack(stream, group, id, drop),
      deadLetter: async (delivery, reason, error) => {
        await this.dlq.add({
          message: delivery.message,
          consumer: delivery.dedupeKey,
          reason,
          error,
          attempts: delivery.attempt,
        });
        this.counters.deadLettered++;
      },
      invalid: (stream, entryId, error) =>
        this.alerts.emit({
          kind: 'invalid_entry',
          stream,
          entryId,
          error,
          at: new Date(this.options.clock.now()).toISOString(),
        }),
      ensureGroups,
      onClosed: (s) => this.#subscriptions.delete(s),
    });
    this.#subscriptions.add(subscription);
    subscription.start();
    return subscription;
  }

  protected dispatch(
    message: BusMessage,
    _expiresAt: number,
    _fresh: boolean,
  ): Promise<BusMessage> {
    const target = message.target;
    const json = encodeMessage(message);
    if (target === '*') return this.#writer.broadcast(json).then(() => message);
    const key = this.keys.stream(target);
    if (this.#known.has(target)) return this.#writer.append(key, target, json, message);
    return this.#lookUp(target).then(() => this.#writer.append(key, target, json, message));
  }

  protected override settleDelivery(delivery: RedisDelivery, _outcome: DeliveryOutcome): void {
    delivery.owner.release(delivery);
    this.#writer.ack(delivery.stream, delivery.group, delivery.entryId, delivery.dropOnAck);
  }

  protected override prepareRequest(): void {
    if (this.#replyReader !== undefined) return;
    const conn = this.#connect();
    this.#replyReader = { conn, loop: this.#readReplies(conn) };
  }

  protected async transmitReply(replyTo: string, reply: BusMessage): Promise<void> {
    const key = this.keys.replies(replyTo);
    await Promise.all([
      this.#cmd.call('XADD', key, 'MAXLEN', '~', 1000, '*', 'm', encodeMessage(reply)),
      this.#cmd.pexpire(key, REPLY_TTL_MS),
    ]);
  }

  protected consumerStats(): ConsumerStats[] {
    return [...this.#subscriptions].map((s) => ({
      name: s.consumer.name,
      roles: s.consumer.roles ?? [],
      online: true,
      queued: s.queue.queued,
      running: s.queue.running,
    }));
  }

  protected async closeTransport(): Promise<void> {
    await Promise.all([...this.#subscriptions].map((s) => s.close()));
    if (this.#replyReader !== undefined) {
      this.#replyReader.conn.disconnect();
      await this.#replyReader.loop;
      await this.#cmd.del(this.keys.replies(this.instanceId)).catch(() => {});
    }
    this.#writer.flushAcks();
    await this.#cmd.quit().catch(() => this.#cmd.disconnect());
  }

  async #lookUp(target: string): Promise<void> {
    if ((await this.#cmd.hexists(this.keys.registry, target)) === 1) {
      this.#known.add(target);
      return;
    }
    const known = await this.#cmd.hkeys(this.keys.registry);
    throw unknownTargetError(target, known.sort());
  }

  async #ensureGroups(targeted: readonly StreamRead[], broadcast: StreamRead): Promise<void> {
    const create = async (key: string, group: string, from: string) => {
      try {
        await this.#cmd.call('XGROUP', 'CREATE', key, group, from, 'MKSTREAM');
      } catch (error) {
        if (!errorText(error).includes('BUSYGROUP')) throw error;
      }
    };
    // Agent and role groups start at the beginning: messages queued for a known target
    // before its first reader are kept. A broadcast group starts now, as in-process.
    await Promise.all([
      ...targeted.map((s) => create(s.key, s.group, '0')),
      create(broadcast.key, broadcast.group, '$'),
    ]);
  }

  async #readReplies(conn: Redis): Promise<void> {
    const key = this.keys.replies(this.instanceId);
    let last = '0-0';
    while (!this.closed) {
      let reply: unknown;
      try {
        reply = await conn.call('XREAD', 'BLOCK', this.#settings.blockMs, 'STREAMS', key, last);
      } catch {
        if (this.closed) return;
        await delay(100);
        continue;
      }
      for (const entry of readReplyEntries(reply)) {
        last = entry.id;
        try {
          this.pending.settle(decodeMessage(entry.text ?? ''));
        } catch (error) {
          this.alerts.emit({
            kind: 'invalid_entry',
            stream: key,
            entryId: entry.id,
            error: errorText(error),
            at: new Date(this.options.clock.now()).toISOString(),
          });
        }
      }
    }
  }
}

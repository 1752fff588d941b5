/**
 * @module One subscription of the Redis Streams bus: the readers that fetch entries from the
 * consumer's streams into a local {@link DeliveryQueue}, and the periodic work that keeps
 * delivery at-least-once when processes die.
 *
 * - Two blocking connections, because one XREADGROUP names one group: one reads the agent's
 *   stream and its roles' streams in group `bus` (competing with other instances of the agent
 *   and other members of the roles), the other reads the broadcast stream in the agent's own
 *   group. Each fetches only as many entries as the local queue has room for.
 * - A fetched batch is checked against the processed log in one round trip per identity
 *   (ZMSCORE); duplicates and the agent's own broadcasts are acknowledged without a handler.
 * - Every `claimIntervalMs`: entries this subscription still holds get their idle time reset
 *   (XCLAIM JUSTID to itself), so live consumers keep what they fetched; then XAUTOCLAIM takes
 *   entries idle longer than `claimIdleMs` (their consumer died) from the other consumers of
 *   each group. A claimed entry delivered more than `maxDeliveries` times is dead-lettered as
 *   `undeliverable` rather than crash consumer after consumer.
 * - Closing hands back the entries fetched but not started (XCLAIM with an idle time past
 *   `claimIdleMs`), so another consumer, or this agent's next subscription, takes them at once.
 *
 * Ordering: entries are queued locally in stream order, and the local queue runs one message
 * per conversation at a time, so a conversation is handled in send order by one subscription.
 * Across competing consumers of one stream (several instances of an agent, several members of
 * a role) Redis hands entries to whichever reads first, so two messages of one conversation can
 * run on two consumers at once, and a reclaimed entry runs after newer ones. Priorities apply
 * among entries already fetched (up to `maxInFlight`); beyond that, stream order rules.
 */
import type { Redis } from 'ioredis';
import type { ConsumerSpec, Subscription } from './bus.js';
import type { BusMessage } from './bus-message.js';
import type { DeadLetterReason } from './dead-letter.js';
import type { Delivery, DeliveryRunner } from './delivery.js';
import { DeliveryQueue } from './delivery-queue.js';
import { decodeMessage } from './message-codec.js';
import type { ProcessedLog } from './processed-log.js';
import { autoclaimEntries, readReplyEntries, type StreamEntry } from './redis-entries.js';
import { TARGET_GROUP } from './redis-keys.js';
import { RedisProcessedLog } from './redis-processed-log.js';

/** A delivery read from a stream. */
export interface RedisDelivery extends Delivery {
  readonly stream: string;
  readonly entryId: string;
  readonly group: string;
  /** Delete the entry on acknowledgement (agent and role streams have a single group). */
  readonly dropOnAck: boolean;
  readonly owner: RedisSubscription;
  /** When this subscription last fetched or refreshed it (real time, ms: Redis idles in it). */
  heldSince: number;
}

/** How one stream is read by a subscription. */
export interface StreamRead {
  readonly key: string;
  readonly group: string;
  /** Processed-log identity: the agent's name, or `role:NAME`. */
  readonly dedupeKey: string;
  readonly dropOnAck: boolean;
  readonly broadcast: boolean;
}

/** What a {@link RedisSubscription} needs from its bus. */
export interface RedisSubscriptionContext {
  readonly cmd: Redis;
  /** Opens a new connection (for blocking reads). */
  readonly connect: () => Redis;
  readonly runner: DeliveryRunner<RedisDelivery>;
  readonly processed: ProcessedLog;
  readonly counters: { duplicates: number };
  readonly consumer: ConsumerSpec & { readonly roles: readonly string[] };
  readonly consumerId: string;
  readonly targeted: readonly StreamRead[];
  readonly broadcast: StreamRead;
  readonly capacity: number;
  readonly concurrency: number;
  readonly clock: { now(): number };
  readonly claimIdleMs: number;
  readonly claimIntervalMs: number;
  readonly blockMs: number;
  readonly readCount: number;
  readonly maxDeliveries: number;
  /** Acknowledges an entry (batched by the bus). */
  readonly ack: (stream: string, group: string, entryId: string, drop: boolean) => void;
  readonly deadLetter: (
    delivery: RedisDelivery,
    reason: DeadLetterReason,
    error: string,
  ) => Promise<unknown>;
  readonly invalid: (stream: string, entryId: string, error: string) => void;
  /** Recreates missing consumer groups (after someone deleted the streams). */
  readonly ensureGroups: () => Promise<void>;
  readonly onClosed: (subscription: RedisSubscription) => void;
}

function heldKey(stream: string, entryId: string): string {
  return `${stream}\n${entryId}`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A live subscription on the Redis bus; created by {@link RedisStreamsBus.subscribe}.
 */
export class RedisSubscription implements Subscription {
  readonly consumer: ConsumerSpec;
  readonly #c: RedisSubscriptionContext;
  readonly queue: DeliveryQueue<RedisDelivery>;
  /** Deliveries fetched and not yet acknowledged, by `stream \n entry id`. */
  readonly #held = new Map<string, RedisDelivery>();
  readonly #streams: Map<string, StreamRead>;
  readonly #readers: Redis[] = [];
  readonly #loops: Promise<void>[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  #claiming: Promise<void> | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  /** Entries fetched and still on their way into the queue. */
  #ingesting = 0;
  #ingestTail: Promise<void> = Promise.resolve();

  constructor(context: RedisSubscriptionContext) {
    this.#c = context;
    this.consumer = { name: context.consumer.name, roles: [...context.consumer.roles] };
    this.queue = new DeliveryQueue<RedisDelivery>({
      capacity: context.capacity,
      clock: context.clock,
    });
    this.#streams = new Map(
      [...context.targeted, context.broadcast].map((s) => [s.key, s] as const),
    );
  }

  /** Starts the readers and the claim timer; takes over what dead consumers left at once. */
  start(): void {
    this.queue.start(this.#c.runner.run, this.#c.concurrency);
    this.#loops.push(this.#readLoop(this.#c.targeted, TARGET_GROUP));
    this.#loops.push(this.#readLoop([this.#c.broadcast], this.#c.broadcast.group));
    this.#claiming = this.#claimTick();
    this.#timer = setInterval(() => {
      this.#claiming ??= this.#claimTick();
    }, this.#c.claimIntervalMs);
    this.#timer.unref();
  }

  /** Forgets a delivery once the bus has acknowledged it. */
  release(delivery: RedisDelivery): void {
    this.#held.delete(heldKey(delivery.stream, delivery.entryId));
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    for (const reader of this.#readers) reader.disconnect();
    // Readers waiting for room wake up and see the subscription closed.
    this.queue.rejectWaiters(new Error('subscription closed'));
    await Promise.allSettled(this.#loops);
    await this.#ingestTail;
    await this.#claiming;
    const unstarted = this.queue.takeQueued();
    await this.#handBack(unstarted).catch(() => {});
    await this.queue.stop();
    this.#c.onClosed(this);
  }

  async #readLoop(streams: readonly StreamRead[], group: string): Promise<void> {
    if (streams.length === 0) return;
    const reader = this.#c.connect();
    this.#readers.push(reader);
    const keys = streams.map((s) => s.key);
    const ids = streams.map(() => '>');
    while (!this.#closed) {
      try {
        await this.queue.whenSpace();
      } catch {
        break;
      }
      if (this.#closed) break;
      const free = this.queue.capacity - this.queue.size - this.#ingesting;
      if (free <= 0) {
        // Room is taken by batches still being ingested; let them land first.
        await this.#ingestTail;
        continue;
      }
      const count = Math.min(this.#c.readCount, free);
      let reply: unknown;
      try {
        reply = await reader.call(
          'XREADGROUP',
          'GROUP',
          group,
          this.#c.consumerId,
          'COUNT',
          count,
          'BLOCK',
          this.#c.blockMs,
          'STREAMS',
          ...keys,
          ...ids,
        );
      } catch (error) {
        if (this.#closed) break;
        if (errorText(error).includes('NOGROUP')) await this.#c.ensureGroups().catch(() => {});
        await delay(100);
        continue;
      }
      const entries = readReplyEntries(reply);
      if (entries.length > 0) this.#ingestInOrder(entries);
    }
  }

  /**
   * Ingests a fetched batch after the batches before it, without holding up the next read:
   * the next XREADGROUP goes out while this batch's processed-log lookup is on its way, which
   * saves one round trip per batch. Batches waiting here count against the queue's room.
   */
  #ingestInOrder(entries: readonly StreamEntry[]): void {
    this.#ingesting += entries.length;
    this.#ingestTail = this.#ingestTail
      .then(() => this.#ingest(entries))
      .catch(() => {
        // Redis failed mid-batch: the entries stay pending and are claimed after idling.
      })
      .finally(() => {
        this.#ingesting -= entries.length;
      });
  }

  /** Turns entries into deliveries: decode, drop own broadcasts and duplicates, queue the rest. */
  async #ingest(entries: readonly StreamEntry[]): Promise<void> {
    const fresh: RedisDelivery[] = [];
    const now = Date.now();
    for (const entry of entries) {
      const read = this.#streams.get(entry.stream);
      // Already held here: a claim round handed back an entry this subscription still runs.
      if (read === undefined || this.#held.has(heldKey(entry.stream, entry.id))) continue;
      let message: BusMessage;
      try {
        message = decodeMessage(entry.text ?? '');
      } catch (error) {
        this.#c.invalid(entry.stream, entry.id, errorText(error));
        this.#c.ack(entry.stream, read.group, entry.id, read.dropOnAck);
        continue;
      }
      if (read.broadcast && message.source === this.consumer.name) {
        this.#c.ack(entry.stream, read.group, entry.id, false);
        continue;
      }
      fresh.push({
        message,
        dedupeKey: read.dedupeKey,
        expiresAt: Date.parse(message.timestamp) + message.ttlMs,
        conversation: message.conversationId,
        priority: message.priority,
        attempt: 1,
        unseen: true,
        next: undefined,
        tail: undefined,
        running: false,
        stream: entry.stream,
        entryId: entry.id,
        group: read.group,
        dropOnAck: read.dropOnAck,
        owner: this,
        heldSince: now,
      });
    }
    const seen = await this.#seen(fresh);
    for (let i = 0; i < fresh.length; i++) {
      const delivery = fresh[i]!;
      if (seen[i] === true) {
        this.#c.counters.duplicates++;
        this.#c.ack(delivery.stream, delivery.group, delivery.entryId, delivery.dropOnAck);
        continue;
      }
      this.#held.set(heldKey(delivery.stream, delivery.entryId), delivery);
      if (!this.queue.tryPush(delivery)) {
        // Claimed entries can overshoot the room the readers left; they wait their turn.
        this.queue
          .pushWhenSpace(delivery, 0, () => new Error('unreachable'))
          // Closed before it got room: still pending in Redis, so it is claimed after idling.
          .catch(() => this.#held.delete(heldKey(delivery.stream, delivery.entryId)));
      }
    }
  }

  /** Whether each delivery's consumer handled its message already: one round trip per identity. */
  async #seen(deliveries: readonly RedisDelivery[]): Promise<boolean[]> {
    const out = new Array<boolean>(deliveries.length).fill(false);
    const byKey = new Map<string, number[]>();
    deliveries.forEach((d, i) => {
      const list = byKey.get(d.dedupeKey);
      if (list === undefined) byKey.set(d.dedupeKey, [i]);
      else list.push(i);
    });
    const log = this.#c.processed;
    await Promise.all(
      [...byKey].map(async ([key, indexes]) => {
        const ids = indexes.map((i) => deliveries[i]!.message.id);
        const seen =
          log instanceof RedisProcessedLog
            ? await log.hasMany(key, ids)
            : await Promise.all(ids.map((id) => log.has(key, id)));
        indexes.forEach((i, j) => {
          out[i] = seen[j] === true;
        });
      }),
    );
    return out;
  }

  async #claimTick(): Promise<void> {
    try {
      if (this.#closed) return;
      await this.#refreshHeld();
      for (const read of this.#streams.values()) {
        if (this.#closed) return;
        const free = this.queue.capacity - this.queue.size;
        if (free <= 0) return;
        await this.#claimFrom(read, free);
      }
    } catch {
      // Redis unreachable for a moment: the next tick tries again.
    } finally {
      this.#claiming = undefined;
    }
  }

  /** Resets the idle time of entries this subscription holds, so nobody claims them from it. */
  async #refreshHeld(): Promise<void> {
    const now = Date.now();
    const stale = new Map<string, RedisDelivery[]>();
    for (const d of this.#held.values()) {
      if (now - d.heldSince < this.#c.claimIdleMs / 3) continue;
      const key = `${d.stream}\n${d.group}`;
      const list = stale.get(key);
      if (list === undefined) stale.set(key, [d]);
      else list.push(d);
    }
    for (const list of stale.values()) {
      const first = list[0]!;
      await this.#c.cmd.call(
        'XCLAIM',
        first.stream,
        first.group,
        this.#c.consumerId,
        0,
        ...list.map((d) => d.entryId),
        'JUSTID',
      );
      for (const d of list) d.heldSince = now;
    }
  }

  async #claimFrom(read: StreamRead, free: number): Promise<void> {
    const reply = await this.#c.cmd.call(
      'XAUTOCLAIM',
      read.key,
      read.group,
      this.#c.consumerId,
      this.#c.claimIdleMs,
      '0-0',
      'COUNT',
      free,
    );
    const entries = autoclaimEntries(read.key, reply);
    if (entries.length === 0) return;
    const counts = await Promise.all(
      entries.map((e) => this.#c.cmd.call('XPENDING', read.key, read.group, e.id, e.id, 1)),
    );
    const keep: StreamEntry[] = [];
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      const row = (counts[i] as unknown[][] | undefined)?.[0];
      const deliveries = Number(row?.[3] ?? 1);
      if (deliveries <= this.#c.maxDeliveries) {
        keep.push(entry);
        continue;
      }
      await this.#undeliverable(read, entry, deliveries);
    }
    if (keep.length > 0) await this.#ingest(keep);
  }

  async #undeliverable(read: StreamRead, entry: StreamEntry, deliveries: number): Promise<void> {
    let message: BusMessage;
    try {
      message = decodeMessage(entry.text ?? '');
    } catch (error) {
      this.#c.invalid(entry.stream, entry.id, errorText(error));
      this.#c.ack(entry.stream, read.group, entry.id, read.dropOnAck);
      return;
    }
    const delivery: RedisDelivery = {
      message,
      dedupeKey: read.dedupeKey,
      expiresAt: Number.POSITIVE_INFINITY,
      conversation: message.conversationId,
      priority: message.priority,
      attempt: deliveries,
      next: undefined,
      tail: undefined,
      running: false,
      stream: entry.stream,
      entryId: entry.id,
      group: read.group,
      dropOnAck: read.dropOnAck,
      owner: this,
      heldSince: Date.now(),
    };
    await this.#c.deadLetter(
      delivery,
      'undeliverable',
      `delivered ${deliveries} times without an acknowledgement (consumers died holding it); limit ${this.#c.maxDeliveries}`,
    );
    this.#c.ack(entry.stream, read.group, entry.id, read.dropOnAck);
  }

  /** Makes fetched-but-unstarted entries claimable by others at once. */
  async #handBack(deliveries: readonly RedisDelivery[]): Promise<void> {
    const byStream = new Map<string, RedisDelivery[]>();
    for (const d of deliveries) {
      this.#held.delete(heldKey(d.stream, d.entryId));
      const key = `${d.stream}\n${d.group}`;
      const list = byStream.get(key);
      if (list === undefined) byStream.set(key, [d]);
      else list.push(d);
    }
    for (const list of byStream.values()) {
      const first = list[0]!;
      await this.#c.cmd.call(
        'XCLAIM',
        first.stream,
        first.group,
        this.#c.consumerId,
        0,
        ...list.map((d) => d.entryId),
        'IDLE',
        this.#c.claimIdleMs + 1,
        'JUSTID',
      );
    }
  }
}

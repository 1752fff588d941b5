/**
 * @module The dead-letter queue (seed 002 "Dead Letter Queue"): messages a consumer could not
 * handle after every retry, or that expired before delivery, kept with the error, the attempts
 * and the time, for an operator to list, show, replay or drop. Storage is a small seam
 * ({@link DeadLetterStore}: memory or Redis); the operations and the threshold alert sit on top
 * in {@link DeadLetters}, the same for both buses.
 */
import { AgentvisorError, type Clock, isoTime, newId } from '../../core/index.js';
import type { BusMessage, BusTarget } from './bus-message.js';
import { BROADCAST } from './bus-target.js';

/** Why a message is in the DLQ. */
export type DeadLetterReason =
  /** The handler threw on every attempt. */
  | 'failed'
  /** Its TTL ran out before a consumer got to it. */
  | 'expired'
  /** Consumers died while holding it too many times (Redis: delivery count over the limit). */
  | 'undeliverable';

/** One DLQ entry. */
export interface DeadLetter {
  /** UUIDv7 of the entry (not of the message). */
  readonly id: string;
  /** The original message, as sent. */
  readonly message: BusMessage;
  /** Who failed it: an agent name, or `role:NAME` for a message to a role. */
  readonly consumer: string;
  readonly reason: DeadLetterReason;
  /** The last error's message. */
  readonly error: string;
  /** Attempts made in the delivery that failed. */
  readonly attempts: number;
  /** ISO-8601 time it was dead-lettered. */
  readonly failedAt: string;
}

/** Default DLQ size past which an alert fires (seed 002). */
export const DEFAULT_DLQ_ALERT_THRESHOLD = 100;
/** Default cap on DLQ entries; the oldest go first (seed 002: `maxlen=10000`). */
export const DEFAULT_DLQ_MAX_ENTRIES = 10_000;

/** Where entries live. Implementations: memory (in-process bus) and a Redis hash. */
export interface DeadLetterStore {
  /** Adds `entry`, dropping the oldest entries beyond the cap; resolves to the new size. */
  add(entry: DeadLetter): Promise<number>;
  get(id: string): Promise<DeadLetter | undefined>;
  /** Entries oldest first, at most `limit`. */
  list(limit: number): Promise<DeadLetter[]>;
  /** Removes an entry; false when there was none. */
  remove(id: string): Promise<boolean>;
  count(): Promise<number>;
}

/** The operator's view of a bus's DLQ (`agentvisor dlq list|show|replay|drop`). */
export interface DeadLetterQueue {
  /** Entries oldest first (default at most 100). */
  list(options?: { readonly limit?: number }): Promise<DeadLetter[]>;
  /** One entry; NOT_FOUND when there is none. */
  show(id: string): Promise<DeadLetter>;
  /**
   * Sends the entry's message again, with the same id (so consumers that did handle it skip
   * it), a fresh timestamp and its attempts carried over, and removes the entry. A message that
   * failed as a broadcast is replayed to the one agent that failed it.
   */
  replay(id: string): Promise<BusMessage>;
  /** Deletes an entry; NOT_FOUND when there is none. */
  drop(id: string): Promise<void>;
  /** Entries held. */
  count(): Promise<number>;
}

/** An alert the bus raises: the DLQ grew past its threshold, or a wire entry was unreadable. */
export type BusAlert =
  | {
      readonly kind: 'dlq_threshold';
      readonly size: number;
      readonly threshold: number;
      readonly at: string;
    }
  | {
      readonly kind: 'invalid_entry';
      readonly stream: string;
      readonly entryId: string;
      readonly error: string;
      readonly at: string;
    };

/** Receives bus alerts; see {@link Bus.onAlert}. */
export type AlertListener = (alert: BusAlert) => void;

/** Listeners of a bus's alerts; a throwing listener never breaks delivery. */
export class AlertChannel {
  readonly #listeners = new Set<AlertListener>();

  /** Adds a listener; returns the function that removes it. */
  on(listener: AlertListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Tells every listener. */
  emit(alert: BusAlert): void {
    for (const listener of this.#listeners) {
      try {
        listener(alert);
      } catch {
        // An alert sink failing must not fail the delivery that raised the alert.
      }
    }
  }
}

/** A {@link DeadLetterStore} in memory. */
export class InMemoryDeadLetterStore implements DeadLetterStore {
  readonly #entries = new Map<string, DeadLetter>();
  readonly #max: number;

  constructor(maxEntries = DEFAULT_DLQ_MAX_ENTRIES) {
    this.#max = maxEntries;
  }

  async add(entry: DeadLetter): Promise<number> {
    this.#entries.set(entry.id, entry);
    // Map iteration is insertion order, so the first key is the oldest entry.
    while (this.#entries.size > this.#max) {
      this.#entries.delete(this.#entries.keys().next().value as string);
    }
    return this.#entries.size;
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    return this.#entries.get(id);
  }

  async list(limit: number): Promise<DeadLetter[]> {
    const out: DeadLetter[] = [];
    for (const entry of this.#entries.values()) {
      if (out.length >= limit) break;
      out.push(entry);
    }
    return out;
  }

  async remove(id: string): Promise<boolean> {
    return this.#entries.delete(id);
  }

  async count(): Promise<number> {
    return this.#entries.size;
  }
}

/** What {@link DeadLetters} needs from its bus. */
export interface DeadLettersOptions {
  readonly store: DeadLetterStore;
  readonly clock: Clock;
  readonly alerts: AlertChannel;
  /** Size past which `dlq_threshold` fires, once until the DLQ shrinks back to it. */
  readonly threshold: number;
  /** Re-sends a message past the rate limiter (an operator action, not agent traffic). */
  readonly resend: (message: BusMessage) => Promise<BusMessage>;
}

/**
 * The DLQ operations and the threshold alert over a {@link DeadLetterStore}.
 *
 * @example
 * const dlq = new DeadLetters({ store, clock, alerts, threshold: 100, resend });
 * await dlq.replay((await dlq.list())[0]!.id);
 */
export class DeadLetters implements DeadLetterQueue {
  readonly #o: DeadLettersOptions;
  #alerted = false;

  constructor(options: DeadLettersOptions) {
    this.#o = options;
  }

  /** Files a message that could not be handled; raises the alert when the DLQ passes its threshold. */
  async add(fields: Omit<DeadLetter, 'id' | 'failedAt'>): Promise<DeadLetter> {
    const entry: DeadLetter = {
      id: newId(this.#o.clock),
      ...fields,
      failedAt: isoTime(this.#o.clock),
    };
    const size = await this.#o.store.add(entry);
    this.#checkThreshold(size);
    return entry;
  }

  async list(options: { readonly limit?: number } = {}): Promise<DeadLetter[]> {
    return this.#o.store.list(options.limit ?? 100);
  }

  async show(id: string): Promise<DeadLetter> {
    const entry = await this.#o.store.get(id);
    if (entry === undefined) throw notFound(id);
    return entry;
  }

  async replay(id: string): Promise<BusMessage> {
    const entry = await this.show(id);
    const original = entry.message;
    const target: BusTarget =
      original.target === BROADCAST ? `agent:${entry.consumer}` : original.target;
    const sent = await this.#o.resend({
      ...original,
      target,
      timestamp: isoTime(this.#o.clock),
      attempts: original.attempts + entry.attempts,
    });
    await this.#o.store.remove(id);
    this.#checkThreshold(await this.#o.store.count());
    return sent;
  }

  async drop(id: string): Promise<void> {
    if (!(await this.#o.store.remove(id))) throw notFound(id);
    this.#checkThreshold(await this.#o.store.count());
  }

  count(): Promise<number> {
    return this.#o.store.count();
  }

  #checkThreshold(size: number): void {
    if (size <= this.#o.threshold) {
      this.#alerted = false;
      return;
    }
    if (this.#alerted) return;
    this.#alerted = true;
    this.#o.alerts.emit({
      kind: 'dlq_threshold',
      size,
      threshold: this.#o.threshold,
      at: isoTime(this.#o.clock),
    });
  }
}

function notFound(id: string): AgentvisorError {
  return new AgentvisorError('NOT_FOUND', `no dead letter ${id}; list them with dlq list`, {
    details: { id },
  });
}

/**
 * @module The stream's event journal: every live event the server publishes gets the next
 * integer id of this process, and the last N events stay in a ring so a client that reconnects
 * with the last id it saw gets exactly what it missed. When that id has already left the ring
 * (or belongs to another process run), {@link StreamJournal.since} says so instead of returning
 * a partial backlog: a gap is always reported, never silent.
 */
import { randomUUID } from 'node:crypto';
import { type Clock, isoTime, systemClock } from '../../core/index.js';

/** The event types of the stream (seed 002's, plus thoughts, tools, ledger, faults, approvals, budgets, runs). */
export const STREAM_EVENT_TYPES = [
  'message',
  'message_chunk',
  'message_complete',
  'agent_status',
  'task_update',
  'thought',
  'tool_call',
  'ledger_append',
  'fault',
  'approval',
  'budget_alert',
  'run_event',
  'alert',
  'log',
] as const;

/** An event's type. */
export type StreamEventType = (typeof STREAM_EVENT_TYPES)[number];

/** One published event. Frozen; `data` belongs to the journal once published. */
export interface StreamEvent {
  /** Monotonic per process, from 1. */
  readonly id: number;
  readonly channel: string;
  readonly type: StreamEventType;
  /** ISO-8601 UTC time of publication. */
  readonly at: string;
  /** JSON-serialisable payload (`null` when none). */
  readonly data: unknown;
}

/** The answer of {@link StreamJournal.since}. */
export type JournalRead =
  | {
      readonly kind: 'events';
      /** Events after the asked id on the asked channels, oldest first. */
      readonly events: readonly StreamEvent[];
      /** The id up to which the journal was scanned: resume the next read from here. */
      readonly scannedTo: number;
      /** True when `limit` stopped the read before the newest event. */
      readonly more: boolean;
    }
  | {
      readonly kind: 'gap';
      /** The oldest id the journal still holds (or the next id, when it holds none). */
      readonly oldestId: number;
      /** The newest id published. */
      readonly lastId: number;
      /**
       * `evicted`: the events after the asked id have left the ring. `unknown`: the asked id is
       * newer than anything published, so it came from another run of the process.
       */
      readonly reason: 'evicted' | 'unknown';
    };

/** Options for {@link StreamJournal}. */
export interface StreamJournalOptions {
  /** Events kept for resumption (default 10,000). */
  readonly capacity?: number;
  readonly clock?: Clock;
  /** Told about a listener that threw; the other listeners are still called. */
  readonly onListenerError?: (error: unknown, event: StreamEvent) => void;
}

/** Default ring size: at 1,000 events/s, ten seconds of history for a reconnecting client. */
export const DEFAULT_JOURNAL_CAPACITY = 10_000;

/**
 * See the module comment. Single-threaded by design: `publish` and `since` run on the event
 * loop, so a reader never sees a half-written slot.
 *
 * @example
 * const journal = new StreamJournal({ capacity: 1000 });
 * const stop = journal.onEvent((e) => console.log(e.id, e.type));
 * journal.publish('tasks', 'task_update', { id: 't1', status: 'completed' });
 * const read = journal.since(0, ['tasks']);
 * stop();
 */
export class StreamJournal {
  /** Changes on every process start, so a client can tell a restart from a gap-free resume. */
  readonly epoch: string = randomUUID();
  readonly capacity: number;
  readonly #ring: (StreamEvent | undefined)[];
  readonly #clock: Clock;
  readonly #onListenerError: ((error: unknown, event: StreamEvent) => void) | undefined;
  // Copy-on-write: publish iterates the array it started with, allocation-free, even when a
  // listener (un)subscribes during delivery.
  #listeners: readonly ((event: StreamEvent) => void)[] = [];
  #lastId = 0;

  constructor(options: StreamJournalOptions = {}) {
    const capacity = options.capacity ?? DEFAULT_JOURNAL_CAPACITY;
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity: expected a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.#ring = new Array<StreamEvent | undefined>(capacity);
    this.#clock = options.clock ?? systemClock;
    this.#onListenerError = options.onListenerError;
  }

  /** The newest id published (0 before the first event). */
  get lastId(): number {
    return this.#lastId;
  }

  /** The oldest id still held, or `lastId + 1` when nothing is held yet. */
  get oldestId(): number {
    return Math.max(1, this.#lastId - this.capacity + 1);
  }

  /**
   * Publishes an event: O(1), never throws. Listeners run synchronously, in subscription order;
   * one that throws is reported to `onListenerError` and the others still run.
   */
  publish(channel: string, type: StreamEventType, data: unknown): StreamEvent {
    let at: string;
    try {
      at = isoTime(this.#clock);
    } catch {
      at = new Date().toISOString();
    }
    const event: StreamEvent = Object.freeze({
      id: this.#lastId + 1,
      channel,
      type,
      at,
      data: data === undefined ? null : data,
    });
    this.#lastId = event.id;
    this.#ring[(event.id - 1) % this.capacity] = event;
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        try {
          this.#onListenerError?.(error, event);
        } catch {
          // The error reporter's own failure must not reach the publisher either.
        }
      }
    }
    return event;
  }

  /**
   * The events after `lastId` on `channels` (all channels when omitted), at most `limit` of them,
   * or a gap when the journal no longer holds every event after `lastId`.
   */
  since(
    lastId: number,
    channels?: ReadonlySet<string> | readonly string[],
    options: { limit?: number } = {},
  ): JournalRead {
    const oldestId = this.oldestId;
    if (!Number.isInteger(lastId) || lastId > this.#lastId) {
      return { kind: 'gap', oldestId, lastId: this.#lastId, reason: 'unknown' };
    }
    if (lastId < oldestId - 1) {
      return { kind: 'gap', oldestId, lastId: this.#lastId, reason: 'evicted' };
    }
    const wanted =
      channels === undefined ? undefined : channels instanceof Set ? channels : new Set(channels);
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const events: StreamEvent[] = [];
    let id = Math.max(lastId, 0);
    while (id < this.#lastId && events.length < limit) {
      id += 1;
      const event = this.#ring[(id - 1) % this.capacity]!;
      if (wanted === undefined || wanted.has(event.channel)) events.push(event);
    }
    return { kind: 'events', events, scannedTo: id, more: id < this.#lastId };
  }

  /** Calls `listener` with every event published from now on; returns the unsubscribe function. */
  onEvent(listener: (event: StreamEvent) => void): () => void {
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }
}

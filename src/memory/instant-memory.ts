/**
 * @module Instant memory: one beat's working set (seed 003, `instant_memory`). It lives in the
 * process, never in the store, holds a bounded list of what the agent noticed or noted during
 * the beat, and is cleared when the next beat starts; what must outlast the beat goes to
 * {@link AgentMemory}.
 */
import { AgentvisorError, type Clock, isoTime, systemClock } from '../core/index.js';
import { checkContent } from './memory-validation.js';

/** One entry of the working set. */
export interface InstantEntry {
  kind: 'observation' | 'note';
  content: string;
  at: string;
}

/** Options of {@link InstantMemory}. */
export interface InstantMemoryOptions {
  /** Entries kept; the oldest are dropped past it. 64 when omitted. */
  capacity?: number;
  clock?: Clock;
}

/**
 * A bounded, per-beat working set. Adding past capacity drops the oldest entry (the beat's most
 * recent context matters most to deliberation); {@link InstantMemory.dropped} says how many.
 *
 * @example
 * const instant = new InstantMemory({ capacity: 32 });
 * instant.observe('inbox: 2 new messages');
 * instant.note('reply to alice first');
 * const context = instant.entries();
 * instant.clear(); // next beat
 */
export class InstantMemory {
  readonly capacity: number;
  readonly #clock: Clock;
  #entries: InstantEntry[] = [];
  #dropped = 0;

  constructor(options: InstantMemoryOptions = {}) {
    const capacity = options.capacity ?? 64;
    if (!Number.isInteger(capacity) || capacity <= 0)
      throw new AgentvisorError(
        'INPUT_INVALID',
        `capacity: expected a positive whole number of entries, got ${String(capacity)}`,
        { details: { field: 'capacity' } },
      );
    this.capacity = capacity;
    this.#clock = options.clock ?? systemClock;
  }

  /** Adds something perceived this beat. */
  observe(content: string): InstantEntry {
    return this.#add('observation', content);
  }

  /** Adds a thought of the agent's own this beat. */
  note(content: string): InstantEntry {
    return this.#add('note', content);
  }

  /** The working set, oldest first (a copy). */
  entries(): InstantEntry[] {
    return [...this.#entries];
  }

  /** Entries currently held. */
  get size(): number {
    return this.#entries.length;
  }

  /** Entries dropped for capacity since the last {@link clear}. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Empties the working set for the next beat; returns what it held. */
  clear(): InstantEntry[] {
    const held = this.#entries;
    this.#entries = [];
    this.#dropped = 0;
    return held;
  }

  #add(kind: InstantEntry['kind'], content: string): InstantEntry {
    const entry: InstantEntry = { kind, content: checkContent(content), at: isoTime(this.#clock) };
    this.#entries.push(entry);
    if (this.#entries.length > this.capacity) {
      this.#entries.shift();
      this.#dropped += 1;
    }
    return entry;
  }
}

/**
 * @module Time as a dependency. Code that needs "now" takes a {@link Clock} so tests can pin or
 * advance time; production uses {@link systemClock}.
 */

/** A source of wall-clock time in milliseconds since the Unix epoch. */
export interface Clock {
  now(): number;
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that only moves when told: for tests of timeouts, windows and checkpoint intervals.
 *
 * @example
 * const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
 * clock.advance(1_000);
 */
export class ManualClock implements Clock {
  #now: number;
  constructor(start = 0) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  /** Moves time forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.#now += ms;
  }
  /** Sets time to `ms`. */
  set(ms: number): void {
    this.#now = ms;
  }
}

/** ISO-8601 UTC with millisecond precision, the one timestamp format stored and hashed. */
export function isoTime(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}

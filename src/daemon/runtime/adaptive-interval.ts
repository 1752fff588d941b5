/**
 * @module The adaptive heartbeat (seed 003): an idle beat doubles the interval up to `max`, so
 * thousands of idle agents cost almost nothing; a backlog halves it down to `base`, so work is
 * picked up quickly once it arrives.
 */

/** The interval between beats, adapted to load. */
export class AdaptiveInterval {
  readonly baseMs: number;
  readonly maxMs: number;
  #currentMs: number;

  constructor(baseMs: number, maxMs: number, currentMs = baseMs) {
    this.baseMs = baseMs;
    this.maxMs = maxMs;
    this.#currentMs = Math.min(Math.max(currentMs, baseMs), maxMs);
  }

  get currentMs(): number {
    return this.#currentMs;
  }

  /** Adapts after a beat: `backlog` when work is waiting, `idle` when the beat did nothing. */
  after(beat: { idle: boolean; backlog: boolean }): number {
    if (beat.backlog) this.#currentMs = Math.max(this.baseMs, Math.floor(this.#currentMs / 2));
    else if (beat.idle) this.#currentMs = Math.min(this.maxMs, this.#currentMs * 2);
    return this.#currentMs;
  }

  /** Something arrived (a message, a task): the next beat should come at the base pace. */
  wake(): void {
    this.#currentMs = this.baseMs;
  }
}

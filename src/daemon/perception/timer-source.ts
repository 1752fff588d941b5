/**
 * @module Timer perception: an observation every `everyMs`, for agents with periodic duties.
 */
import { type Clock, isoTime, newId, systemClock } from '../../core/index.js';
import type { Observation } from './observation.js';
import type { PerceptionSource } from './perception-source.js';

/** Emits one `timer` observation per elapsed period (missed periods collapse into one). */
export class TimerSource implements PerceptionSource {
  readonly id: string;
  readonly #everyMs: number;
  readonly #clock: Clock;
  readonly #salience: number;
  #last: number;

  constructor(options: { id?: string; everyMs: number; clock?: Clock; salience?: number }) {
    this.id = options.id ?? `timer:${options.everyMs}ms`;
    this.#everyMs = options.everyMs;
    this.#clock = options.clock ?? systemClock;
    this.#salience = options.salience ?? 0.3;
    this.#last = this.#clock.now();
  }

  async poll(): Promise<Observation[]> {
    const now = this.#clock.now();
    const elapsed = now - this.#last;
    if (elapsed < this.#everyMs) return [];
    this.#last = now;
    return [
      {
        id: newId(this.#clock),
        source: this.id,
        kind: 'timer',
        at: isoTime(this.#clock),
        salience: this.#salience,
        summary: `${Math.round(elapsed)} ms elapsed since the last tick`,
        data: { elapsedMs: elapsed },
      },
    ];
  }
}

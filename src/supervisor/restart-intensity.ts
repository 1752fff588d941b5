/**
 * @module Restart intensity (Erlang/OTP `intensity`/`period`): a supervisor that needs more than
 * `maxRestarts` restarts within `withinSeconds` is in a crash loop it cannot fix, and gives up
 * so that its parent can apply its own strategy.
 */
import { AgentvisorError } from '../core/index.js';

/** At most `maxRestarts` restarts in any `withinSeconds` window. */
export interface RestartIntensity {
  readonly maxRestarts: number;
  readonly withinSeconds: number;
}

/**
 * A sliding window of restart times.
 *
 * @example
 * const window = new RestartIntensityWindow({ maxRestarts: 3, withinSeconds: 5 });
 * if (!window.admit(clock.now())) escalate();
 */
export class RestartIntensityWindow {
  readonly intensity: RestartIntensity;
  #times: number[] = [];

  constructor(intensity: RestartIntensity) {
    const { maxRestarts, withinSeconds } = intensity;
    if (!Number.isInteger(maxRestarts) || maxRestarts < 0) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `restart intensity maxRestarts: expected an integer >= 0, got ${maxRestarts}`,
      );
    }
    if (!Number.isFinite(withinSeconds) || withinSeconds <= 0) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `restart intensity withinSeconds: expected a number > 0, got ${withinSeconds}`,
      );
    }
    this.intensity = intensity;
  }

  /**
   * Records a restart at `now` (ms) and says whether it stays within the intensity: `false`
   * when it is restart number `maxRestarts + 1` inside the window.
   */
  admit(now: number): boolean {
    const since = now - this.intensity.withinSeconds * 1000;
    this.#times = this.#times.filter((t) => t > since);
    this.#times.push(now);
    return this.#times.length <= this.intensity.maxRestarts;
  }

  /** Restarts recorded within the window ending at `now`. */
  count(now: number): number {
    const since = now - this.intensity.withinSeconds * 1000;
    return this.#times.filter((t) => t > since).length;
  }

  /** Forgets every recorded restart (a supervisor starting afresh). */
  reset(): void {
    this.#times = [];
  }
}

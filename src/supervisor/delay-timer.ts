/**
 * @module One-shot timers as a dependency, so restart backoff can be tested without waiting:
 * production uses the event loop's `setTimeout`, tests a {@link ManualDelayTimer} that fires
 * callbacks when a {@link ManualClock} is advanced past them.
 */
import type { ManualClock } from '../core/index.js';

/** Schedules and cancels one-shot callbacks. */
export interface DelayTimer {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * The event loop's timer. Handles are unref'd: a pending restart alone should not keep a
 * process alive that has nothing else to do.
 */
export const systemDelayTimer: DelayTimer = {
  setTimeout(callback, ms) {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

interface ManualTimeout {
  readonly id: number;
  readonly due: number;
  readonly callback: () => void;
}

/**
 * A timer driven by hand: {@link ManualDelayTimer.advance} moves the clock forward and fires
 * every callback that falls due, earliest first (ties in scheduling order), with the clock set
 * to each callback's due time while it runs.
 *
 * @example
 * const clock = new ManualClock(0);
 * const timer = new ManualDelayTimer(clock);
 * timer.setTimeout(() => console.log(clock.now()), 10_000);
 * timer.advance(10_000); // logs 10000
 */
export class ManualDelayTimer implements DelayTimer {
  readonly #clock: ManualClock;
  #pending: ManualTimeout[] = [];
  #nextId = 1;

  constructor(clock: ManualClock) {
    this.#clock = clock;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#nextId++;
    this.#pending.push({ id, due: this.#clock.now() + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#pending = this.#pending.filter((t) => t.id !== handle);
  }

  /** Milliseconds until each pending callback is due, soonest first. */
  pending(): number[] {
    const now = this.#clock.now();
    return this.#sorted().map((t) => t.due - now);
  }

  /** Moves time forward by `ms`, firing what falls due on the way. */
  advance(ms: number): void {
    const end = this.#clock.now() + ms;
    for (;;) {
      const next = this.#sorted()[0];
      if (next === undefined || next.due > end) break;
      this.#pending = this.#pending.filter((t) => t.id !== next.id);
      this.#clock.set(Math.max(this.#clock.now(), next.due));
      next.callback();
    }
    this.#clock.set(end);
  }

  #sorted(): ManualTimeout[] {
    return [...this.#pending].sort((a, b) => a.due - b.due || a.id - b.id);
  }
}

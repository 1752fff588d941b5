/**
 * @module The repeating timer the monitor runs on, as a dependency, so tests drive ticks by hand
 * and production uses the event loop's `setInterval` (unref'd: a monitor never keeps the
 * process alive on its own).
 */

/** Starts and stops a repeating callback. */
export interface IntervalTimer {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** The event loop's timer; the handle is unref'd. */
export const systemIntervalTimer: IntervalTimer = {
  setInterval(callback, ms) {
    const handle = setInterval(callback, ms);
    handle.unref();
    return handle;
  },
  clearInterval(handle) {
    clearInterval(handle as NodeJS.Timeout);
  },
};

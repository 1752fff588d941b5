/**
 * @module How an isolated sandbox call settles its promise: exactly once, by whichever comes
 * first of its reply, its death, its deadline or its caller's abort. The worker and process
 * runners share it so both stop, release and report in the same order.
 */

/** What a runner's event handlers call; after the first call, later ones are ignored. */
export interface SettleOnce {
  /** Resolves with what `outcome` returns, or rejects with what it throws. */
  finish(outcome: () => unknown): void;
  /** Rejects with `error`. */
  fail(error: Error): void;
}

/** What {@link settleOnce} needs from the runner. */
export interface SettleOnceOptions {
  resolve(value: unknown): void;
  reject(reason: unknown): void;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  /** The error for a deadline or an abort (the runner tells the two apart by the signal). */
  stopped(): Error;
  /** Ends the sandbox; runs before the promise settles, so no sandbox outlives its call. */
  release(): void;
}

/** Starts the deadline and the abort watch for one call; see {@link SettleOnce}. */
export function settleOnce(options: SettleOnceOptions): SettleOnce {
  const { resolve, reject, timeoutMs, signal } = options;
  let settled = false;
  const finish = (outcome: () => unknown) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    options.release();
    try {
      resolve(outcome());
    } catch (error) {
      reject(error);
    }
  };
  const fail = (error: Error) =>
    finish(() => {
      throw error;
    });
  const onAbort = () => fail(options.stopped());
  const timer = setTimeout(onAbort, timeoutMs);
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  return { finish, fail };
}

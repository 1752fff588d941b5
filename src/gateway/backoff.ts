/**
 * @module Retry delays for provider calls: exponential backoff with full jitter (so a burst of
 * failed callers does not retry in lock-step), except that a provider's own `Retry-After` is
 * honoured when it gives one. A cockatiel backoff, so the retry loop itself stays cockatiel's.
 */
import type { IBackoff, IBackoffFactory, IRetryBackoffContext } from 'cockatiel';
import { ProviderError } from './provider.js';

/** Options for {@link JitteredBackoff}. */
export interface JitteredBackoffOptions {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Injectable for tests; returns a number in [0, 1). */
  readonly random?: () => number;
}

/**
 * Full-jitter exponential backoff (AWS Architecture Blog, "Exponential Backoff and Jitter"):
 * attempt n waits a uniform random time in [0, min(max, initial · 2^(n-1))]; a `Retry-After`
 * from the provider replaces it (capped at the maximum).
 *
 * @example
 * retry(handleWhen(isRetryable), { maxAttempts: 3, backoff: new JitteredBackoff({ initialDelayMs: 200, maxDelayMs: 10_000 }) });
 */
export class JitteredBackoff implements IBackoffFactory<IRetryBackoffContext<unknown>> {
  readonly #options: JitteredBackoffOptions;
  constructor(options: JitteredBackoffOptions) {
    this.#options = options;
  }

  next(context: IRetryBackoffContext<unknown>): IBackoff<IRetryBackoffContext<unknown>> {
    const { initialDelayMs, maxDelayMs } = this.#options;
    const random = this.#options.random ?? Math.random;
    const error = 'error' in context.result ? context.result.error : undefined;
    let duration: number;
    if (error instanceof ProviderError && error.retryAfterMs !== undefined) {
      duration = Math.min(error.retryAfterMs, maxDelayMs);
    } else {
      const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.max(0, context.attempt - 1));
      duration = Math.floor(random() * ceiling);
    }
    return { duration, next: (c) => this.next(c) };
  }
}

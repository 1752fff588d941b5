/**
 * @module When a handler throws: how many times to try and how long to wait in between.
 * Defaults are seed 002's `AGENT_MESSAGE` policy (3 attempts, exponential 1 s to 10 s, x2).
 */

/** Retry policy of a bus; every field optional, see {@link DEFAULT_RETRY}. */
export interface RetryOptions {
  /** Attempts per delivery, the first included; then the message goes to the DLQ. */
  readonly maxAttempts?: number;
  /** Wait before the second attempt. */
  readonly initialDelayMs?: number;
  /** Longest wait between attempts. */
  readonly maxDelayMs?: number;
  /** Growth of the wait per attempt. */
  readonly factor?: number;
}

/** A {@link RetryOptions} with every field set. */
export type RetryPolicy = Required<RetryOptions>;

/** Seed 002 `RetryConfig.AGENT_MESSAGE`. */
export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 3,
  initialDelayMs: 1_000,
  maxDelayMs: 10_000,
  factor: 2,
};

/** The policy with defaults filled in. */
export function retryPolicy(options: RetryOptions | undefined): RetryPolicy {
  return { ...DEFAULT_RETRY, ...options };
}

/**
 * Milliseconds to wait after failed attempt number `attempt` (1-based).
 *
 * @example
 * retryDelay(DEFAULT_RETRY, 1); // 1000
 * retryDelay(DEFAULT_RETRY, 2); // 2000
 */
export function retryDelay(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** (attempt - 1));
}

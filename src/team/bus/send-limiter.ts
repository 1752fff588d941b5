/**
 * @module Per-agent send rate limits (seed 002 "Rate Limiting": `inter_agent_messages`
 * 100/minute/agent). The bus asks a {@link SendLimiter} before every send; the default is an
 * in-process token bucket, and the kernel can plug its own (shared through Redis, charged
 * through the gate) by passing any function of the same shape.
 */
import { AgentvisorError, type Clock, systemClock } from '../../core/index.js';

/**
 * Decides whether `agent` may send one message now: 0 to allow (and count it), otherwise the
 * milliseconds until it may. A limiter backed by a shared store may answer with a promise.
 */
export type SendLimiter = (agent: string) => number | Promise<number>;

/** Seed 002's `inter_agent_messages` limit. */
export const DEFAULT_MESSAGES_PER_MINUTE = 100;

/** Options for {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens regained per minute; a positive integer. */
  readonly perMinute: number;
  /** Tokens an idle key holds (sends allowed at once); default `perMinute`. */
  readonly burst?: number;
  readonly clock?: Clock;
}

/** Tokens are counted in 1/60,000ths so that refill (perMinute units per ms) stays integral. */
const UNITS_PER_TOKEN = 60_000;

interface Bucket {
  units: number;
  at: number;
}

function positiveInteger(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new AgentvisorError(
      'CONFIG_INVALID',
      `${field}: expected a positive integer, got ${value}`,
      {
        details: { field, value },
      },
    );
  }
  return value;
}

/**
 * A token bucket per key. Integer arithmetic throughout, so "wait `retryAfterMs`, then try
 * again" always succeeds (no float rounding can leave the bucket a hair short).
 *
 * @example
 * const bucket = new TokenBucket({ perMinute: 100 });
 * bucket.take('code'); // 0: allowed
 */
export class TokenBucket {
  readonly #perMinute: number;
  readonly #capacity: number;
  readonly #clock: Clock;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: TokenBucketOptions) {
    this.#perMinute = positiveInteger(options.perMinute, 'perMinute');
    this.#capacity = positiveInteger(options.burst ?? options.perMinute, 'burst') * UNITS_PER_TOKEN;
    this.#clock = options.clock ?? systemClock;
  }

  /** Takes one token for `key`: 0 when granted, else the milliseconds until one is available. */
  take(key: string): number {
    const now = this.#clock.now();
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = { units: this.#capacity, at: now };
      this.#buckets.set(key, bucket);
    } else if (now > bucket.at) {
      bucket.units = Math.min(this.#capacity, bucket.units + (now - bucket.at) * this.#perMinute);
      bucket.at = now;
    }
    if (bucket.units >= UNITS_PER_TOKEN) {
      bucket.units -= UNITS_PER_TOKEN;
      return 0;
    }
    return Math.ceil((UNITS_PER_TOKEN - bucket.units) / this.#perMinute);
  }
}

/**
 * A {@link SendLimiter} over a {@link TokenBucket} keyed by the sending agent.
 *
 * @example
 * const limiter = tokenBucketLimiter({ perMinute: 100 });
 * const bus = new InProcessBus({ rateLimit: limiter });
 */
export function tokenBucketLimiter(options: TokenBucketOptions): SendLimiter {
  const bucket = new TokenBucket(options);
  return (agent) => bucket.take(agent);
}

/** What a bus accepts as its rate limit: none, a per-minute figure, or any limiter. */
export type RateLimitOption =
  | false
  | { readonly perMinute: number; readonly burst?: number }
  | SendLimiter;

/** The limiter for a bus's `rateLimit` option (default: seed 002's 100/minute/agent). */
export function resolveLimiter(
  option: RateLimitOption | undefined,
  clock: Clock,
): SendLimiter | undefined {
  if (option === false) return undefined;
  if (typeof option === 'function') return option;
  const perMinute = option?.perMinute ?? DEFAULT_MESSAGES_PER_MINUTE;
  return tokenBucketLimiter(
    option?.burst === undefined ? { perMinute, clock } : { perMinute, burst: option.burst, clock },
  );
}

/** The RATE_LIMITED error a send gets when its agent is over its limit. */
export function rateLimitedError(agent: string, retryAfterMs: number): AgentvisorError {
  return new AgentvisorError(
    'RATE_LIMITED',
    `agent ${agent} is over its message rate limit; retry in ${retryAfterMs} ms`,
    { details: { agent, retryAfterMs, reason: 'rate_limit' } },
  );
}

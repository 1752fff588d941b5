/**
 * @module Rate limits per identity (an agent id or an API key id): a token bucket of requests,
 * burst 30 and refill 10 per second by default (seed 001 "Cloud Gateway: Rate Limiting"), and an
 * optional bucket of model tokens per minute (seed 002 "Rate Limiting"). State lives in
 * `rate-limiter-flexible` stores: `RateLimiterMemory` in one process, or `RateLimiterRedis` so
 * several nodes share one bucket per identity.
 *
 * How a true token bucket maps onto rate-limiter-flexible. The library's own model is "points
 * per duration" with fixed windows (and `BurstyRateLimiter` adds a second fixed window), which
 * can admit up to twice the burst around a window edge. A token bucket is instead the generic
 * cell rate algorithm (GCRA): with emission interval T = 1/refill, a bucket of capacity B holds
 * a "debt" D (ms of refill still owed, 0 = full); a request of n points is admitted iff
 * D + n·T ≤ B·T, and then D += n·T; D drains by 1 ms per ms. We store D *as the key's TTL*:
 * the key expires exactly when the bucket is full again, so the store's own expiry does the
 * draining and a missing key means a full bucket. The limiter's `points` is B and its
 * `duration` is B/refill seconds — the time an empty bucket takes to refill — so
 * T = duration·1000/points. Because a TTL has whole milliseconds, the key's value keeps the
 * rounding (in 1e-9 ms) by which the TTL over-states D: D = pttl − value/1e9, exact.
 *  - Memory: `get` (value + msBeforeNext) then `set(key, value, ttl)`, serialised per key in
 *    this process (the store is in-process, so that is all the atomicity needed).
 *  - Redis: the same step as a Lua script through the library's `customIncrTtlLuaScript` hook,
 *    so `consume`/`penalty` are single atomic server-side steps on the server's clock, shared by
 *    every node. The script reads its mode (take or charge) from the per-call `customDuration`
 *    argument, which the script is otherwise free to interpret.
 * Give the limiter its own ioredis connection: the library registers its script on the client
 * under one command name, which another RateLimiterRedis on the same client would replace.
 */
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AgentvisorError } from '../../core/index.js';

/** A rate-limit decision. */
export type RateDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly retryAfterMs: number };

/** Options for {@link RateLimiter}; the defaults are seed 001's. */
export interface RateLimiterOptions {
  /** Requests an idle identity may make at once; default 30. */
  readonly burst?: number;
  /** Requests per second the bucket regains; default 10. */
  readonly refillPerSecond?: number;
  /** Model tokens per minute per identity (capacity one minute's worth); unset = unlimited. */
  readonly tokensPerMinute?: number;
  /** Share limits through Redis; otherwise they live in this process. */
  readonly redis?: { readonly client: Redis; readonly keyPrefix?: string };
}

/** Mode flags passed to the Redis script as `customDuration` (seconds, so at least 1). */
const MODE_TAKE = 1;
const MODE_CHARGE = 2;
/** Float slack when comparing sums of fractional intervals, in ms. */
const EPSILON_MS = 1e-5;
/** The value keeps the TTL's rounding in units of 1e-9 ms, rounded to nearest. */
const CREDIT_SCALE = 1e9;

/**
 * GCRA on a key whose TTL is the debt. ARGV: points n, mode, capacity B, refill duration (s).
 * Returns {consumed, ms}: consumed > B makes the library reject (ms = wait until it would fit).
 */
const GCRA_LUA = `
local n = tonumber(ARGV[1])
local mode = tonumber(ARGV[2])
local cap = tonumber(ARGV[3])
local full = tonumber(ARGV[4]) * 1000
local t = full / cap
local debt = 0
local pttl = redis.call('pttl', KEYS[1])
if pttl > 0 then
  debt = pttl - (tonumber(redis.call('get', KEYS[1]) or '0') or 0) / ${CREDIT_SCALE}
  if debt < 0 then debt = 0 end
end
local after = debt + n * t
if mode == ${MODE_TAKE} and after > full + ${EPSILON_MS} then
  return {cap + 1, math.ceil(after - full)}
end
if after > 0 then
  local ms = math.ceil(after)
  redis.call('set', KEYS[1], tostring(math.floor((ms - after) * ${CREDIT_SCALE} + 0.5)), 'PX', ms)
  return {0, ms}
end
return {0, 0}
`;

/** A store-backed token bucket: one per kind of limit, keyed by identity. */
interface Bucket {
  /** Takes n points if they fit (n ≤ capacity assumed); otherwise says how long to wait. */
  take(key: string, n: number): Promise<RateDecision>;
  /** Charges n points unconditionally (usage that already happened); the debt may exceed B. */
  charge(key: string, n: number): Promise<void>;
  /** Whether n points would fit now, without taking them. */
  peek(key: string, n: number): Promise<RateDecision>;
}

/** Debt in ms from a stored record: the TTL minus the rounding kept in the value. */
function debtOf(res: RateLimiterRes | null): number {
  if (res === null || res.msBeforeNext <= 0) return 0;
  return Math.max(0, res.msBeforeNext - res.consumedPoints / CREDIT_SCALE);
}

function fits(debt: number, n: number, intervalMs: number, fullMs: number): RateDecision {
  const after = debt + n * intervalMs;
  return after > fullMs + EPSILON_MS
    ? { allowed: false, retryAfterMs: Math.ceil(after - fullMs) }
    : { allowed: true };
}

class MemoryBucket implements Bucket {
  readonly #rl: RateLimiterMemory;
  readonly #interval: number;
  readonly #full: number;
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(capacity: number, perSecond: number, prefix: string) {
    this.#rl = new RateLimiterMemory({
      points: capacity,
      duration: capacity / perSecond,
      keyPrefix: prefix,
    });
    this.#interval = 1000 / perSecond;
    this.#full = capacity * this.#interval;
  }

  take(key: string, n: number): Promise<RateDecision> {
    return this.#serial(key, async () => {
      const debt = debtOf(await this.#rl.get(key));
      const decision = fits(debt, n, this.#interval, this.#full);
      if (decision.allowed) await this.#store(key, debt + n * this.#interval);
      return decision;
    });
  }

  charge(key: string, n: number): Promise<void> {
    return this.#serial(key, async () => {
      const debt = debtOf(await this.#rl.get(key));
      await this.#store(key, debt + n * this.#interval);
    });
  }

  async peek(key: string, n: number): Promise<RateDecision> {
    return fits(debtOf(await this.#rl.get(key)), n, this.#interval, this.#full);
  }

  async #store(key: string, debt: number): Promise<void> {
    if (debt <= 0) return; // a TTL of 0 would mean "never expires" to the library
    const ms = Math.ceil(debt);
    await this.#rl.set(key, Math.round((ms - debt) * CREDIT_SCALE), ms / 1000);
  }

  /** Runs read-modify-write steps on one key one at a time. */
  #serial<T>(key: string, step: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(key) ?? Promise.resolve();
    const next = previous.then(step, step);
    const settled = next.catch(() => {});
    this.#locks.set(key, settled);
    void settled.then(() => {
      if (this.#locks.get(key) === settled) this.#locks.delete(key);
    });
    return next;
  }
}

class RedisBucket implements Bucket {
  readonly #rl: RateLimiterRedis;
  readonly #interval: number;
  readonly #full: number;

  constructor(client: Redis, capacity: number, perSecond: number, prefix: string) {
    this.#rl = new RateLimiterRedis({
      storeClient: client,
      points: capacity,
      duration: capacity / perSecond,
      keyPrefix: prefix,
      customIncrTtlLuaScript: GCRA_LUA,
    });
    this.#interval = 1000 / perSecond;
    this.#full = capacity * this.#interval;
  }

  async take(key: string, n: number): Promise<RateDecision> {
    try {
      await this.#rl.consume(key, n, { customDuration: MODE_TAKE });
      return { allowed: true };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        return { allowed: false, retryAfterMs: Math.max(1, rejection.msBeforeNext) };
      }
      throw unavailable(rejection);
    }
  }

  async charge(key: string, n: number): Promise<void> {
    try {
      await this.#rl.penalty(key, n, { customDuration: MODE_CHARGE });
    } catch (error) {
      throw unavailable(error);
    }
  }

  async peek(key: string, n: number): Promise<RateDecision> {
    let res: RateLimiterRes | null;
    try {
      res = await this.#rl.get(key);
    } catch (error) {
      throw unavailable(error);
    }
    return fits(debtOf(res), n, this.#interval, this.#full);
  }
}

function unavailable(cause: unknown): AgentvisorError {
  return new AgentvisorError('UNAVAILABLE', 'rate limits: Redis did not answer', { cause });
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new AgentvisorError('CONFIG_INVALID', `rate limits: ${name} must be a positive number`);
  }
  return value;
}

/**
 * Request and token rate limits per identity.
 *
 * @example
 * const limiter = new RateLimiter({ burst: 30, refillPerSecond: 10, tokensPerMinute: 100_000 });
 * const d = await limiter.consumeRequest('agent:a1');
 * if (!d.allowed) throw new AgentvisorError('RATE_LIMITED', '...', { details: { retryAfterMs: d.retryAfterMs } });
 */
export class RateLimiter {
  readonly #requests: Bucket;
  readonly #tokens: Bucket | undefined;
  readonly #tokenCapacity: number;

  constructor(options: RateLimiterOptions = {}) {
    const burst = positive('burst', options.burst ?? 30);
    const refill = positive('refill_per_second', options.refillPerSecond ?? 10);
    const prefix = options.redis?.keyPrefix ?? 'agentvisor:';
    const make = (capacity: number, perSecond: number, kind: string): Bucket =>
      options.redis === undefined
        ? new MemoryBucket(capacity, perSecond, `${prefix}rl:${kind}`)
        : new RedisBucket(options.redis.client, capacity, perSecond, `${prefix}rl:${kind}`);
    this.#requests = make(burst, refill, 'req');
    this.#tokenCapacity = options.tokensPerMinute ?? 0;
    this.#tokens =
      options.tokensPerMinute === undefined
        ? undefined
        : make(
            positive('tokens_per_minute', options.tokensPerMinute),
            options.tokensPerMinute / 60,
            'tok',
          );
  }

  /** Takes one request from the identity's bucket, or says how long until one is available. */
  consumeRequest(identity: string): Promise<RateDecision> {
    return this.#requests.take(identity, 1);
  }

  /**
   * Whether a call estimated at `estimate` tokens fits the identity's tokens-per-minute budget
   * now (nothing is taken: the real count is charged by {@link consumeTokens} when known). An
   * estimate above a whole minute's allowance needs a full bucket rather than never passing.
   */
  async checkTokens(identity: string, estimate: number): Promise<RateDecision> {
    if (this.#tokens === undefined) return { allowed: true };
    const n = Math.min(Math.max(0, Math.ceil(estimate)), this.#tokenCapacity);
    return this.#tokens.peek(identity, n);
  }

  /**
   * Charges tokens a call actually used. Always succeeds: usage that happened is counted even
   * beyond the limit, which then delays the identity's next calls until it is paid back.
   */
  async consumeTokens(identity: string, n: number): Promise<void> {
    if (this.#tokens === undefined) return;
    const points = Math.max(0, Math.ceil(n));
    if (points > 0) await this.#tokens.charge(identity, points);
  }
}

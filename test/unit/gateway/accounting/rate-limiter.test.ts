/**
 * @module The token-bucket rate limiter on rate-limiter-flexible's memory store (seed 001:
 * burst 30, refill 10/s). rate-limiter-flexible reads `Date.now()` and uses `setTimeout` for
 * expiry and takes no clock, so time is driven with vitest's fake timers, which replace exactly
 * those two: every assertion is about counts and computed waits, never about elapsed real time.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RateLimiter } from '../../../../src/gateway/accounting/index.js';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'], now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('RateLimiter (memory)', () => {
  it('allows a burst of 30, then one request per 100 ms', async () => {
    const rl = new RateLimiter();
    for (let i = 0; i < 30; i++)
      expect(await rl.consumeRequest('agent:a')).toEqual({ allowed: true });
    expect(await rl.consumeRequest('agent:a')).toEqual({ allowed: false, retryAfterMs: 100 });
    vi.advanceTimersByTime(99);
    expect((await rl.consumeRequest('agent:a')).allowed).toBe(false);
    vi.advanceTimersByTime(1);
    expect(await rl.consumeRequest('agent:a')).toEqual({ allowed: true });
    expect((await rl.consumeRequest('agent:a')).allowed).toBe(false);
    // Identities do not share buckets.
    expect(await rl.consumeRequest('agent:b')).toEqual({ allowed: true });
  });

  it('refills to the burst and no further', async () => {
    const rl = new RateLimiter({ burst: 3, refillPerSecond: 3 });
    for (let i = 0; i < 3; i++) await rl.consumeRequest('k');
    vi.advanceTimersByTime(60_000);
    const results = [];
    for (let i = 0; i < 5; i++) results.push((await rl.consumeRequest('k')).allowed);
    expect(results).toEqual([true, true, true, false, false]);
  });

  it('serialises concurrent requests: exactly the burst passes', async () => {
    const rl = new RateLimiter({ burst: 7, refillPerSecond: 1 });
    const results = await Promise.all(Array.from({ length: 20 }, () => rl.consumeRequest('x')));
    expect(results.filter((r) => r.allowed)).toHaveLength(7);
  });

  it('checks token estimates against tokens per minute and charges settled usage', async () => {
    const rl = new RateLimiter({ tokensPerMinute: 6_000 });
    expect(await rl.checkTokens('a', 6_000)).toEqual({ allowed: true });
    await rl.consumeTokens('a', 5_000);
    expect(await rl.checkTokens('a', 1_000)).toEqual({ allowed: true });
    // 100 tokens per second refill: 1,001 tokens need 10 ms more.
    expect(await rl.checkTokens('a', 1_001)).toEqual({ allowed: false, retryAfterMs: 10 });
    // Charging never refuses: usage past the limit is debt, paid back by waiting.
    await rl.consumeTokens('a', 3_000);
    expect(await rl.checkTokens('a', 1)).toEqual({ allowed: false, retryAfterMs: 20_010 });
    vi.advanceTimersByTime(20_010);
    expect(await rl.checkTokens('a', 1)).toEqual({ allowed: true });
    // An estimate above a minute's allowance needs a full bucket, not the impossible.
    vi.advanceTimersByTime(60_000);
    expect(await rl.checkTokens('a', 50_000)).toEqual({ allowed: true });
    // Without a tokens-per-minute limit, tokens are not limited.
    const open = new RateLimiter();
    await open.consumeTokens('a', 1e9);
    expect(await open.checkTokens('a', 1e9)).toEqual({ allowed: true });
  });

  it('never admits more than burst + refill x elapsed in any interval (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 120 }),
        async (burst, refillPerSecond, gaps) => {
          const rl = new RateLimiter({ burst, refillPerSecond });
          const admitted: number[] = [];
          for (const gap of gaps) {
            vi.advanceTimersByTime(gap);
            if ((await rl.consumeRequest('p')).allowed) admitted.push(Date.now());
          }
          // Token bucket bound over every window [admitted[i], admitted[j]].
          for (let i = 0; i < admitted.length; i++) {
            for (let j = i; j < admitted.length; j++) {
              const elapsedS = (admitted[j]! - admitted[i]!) / 1000;
              expect(j - i + 1).toBeLessThanOrEqual(burst + refillPerSecond * elapsedS + 1e-9);
            }
          }
          // And it is a bucket, not a wall: the first `burst` requests always pass.
          expect(admitted.length).toBeGreaterThanOrEqual(Math.min(burst, gaps.length));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('rejects invalid settings', () => {
    expect(() => new RateLimiter({ burst: 0 })).toThrow(/burst/);
    expect(() => new RateLimiter({ refillPerSecond: -1 })).toThrow(/refill/);
  });
});

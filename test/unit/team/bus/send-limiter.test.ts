/**
 * The per-agent token bucket (seed 002: 100 inter-agent messages per minute per agent), as
 * properties over arbitrary schedules of sends on a ManualClock.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAgentvisorError, ManualClock } from '../../../../src/core/index.js';
import { TokenBucket, tokenBucketLimiter } from '../../../../src/team/index.js';

const settings = fc.record({
  perMinute: fc.integer({ min: 1, max: 10_000 }),
  burst: fc.integer({ min: 1, max: 200 }),
});
/** Sends as (agent, milliseconds since the previous send). */
const schedule = fc.array(
  fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 0, max: 5_000 })),
  { maxLength: 300 },
);

describe('TokenBucket', () => {
  it('never grants an agent more than burst + perMinute * elapsed / 60,000', () => {
    fc.assert(
      fc.property(settings, schedule, ({ perMinute, burst }, sends) => {
        const clock = new ManualClock(0);
        const bucket = new TokenBucket({ perMinute, burst, clock });
        const granted = new Map<string, number>();
        for (const [agent, gap] of sends) {
          clock.advance(gap);
          if (bucket.take(agent) === 0) {
            const n = (granted.get(agent) ?? 0) + 1;
            granted.set(agent, n);
            expect(n).toBeLessThanOrEqual(burst + Math.floor((perMinute * clock.now()) / 60_000));
          }
        }
      }),
    );
  });

  it('always grants after waiting the retryAfterMs it answered', () => {
    fc.assert(
      fc.property(settings, schedule, ({ perMinute, burst }, sends) => {
        const clock = new ManualClock(0);
        const bucket = new TokenBucket({ perMinute, burst, clock });
        for (const [agent, gap] of sends) {
          clock.advance(gap);
          const wait = bucket.take(agent);
          if (wait > 0) {
            expect(wait).toBeLessThanOrEqual(Math.ceil(60_000 / perMinute));
            clock.advance(wait - 1);
            expect(bucket.take(agent)).toBeGreaterThan(0);
            clock.advance(1);
            expect(bucket.take(agent)).toBe(0);
          }
        }
      }),
    );
  });

  it('grants an idle agent exactly its burst at once, independently of other agents', () => {
    fc.assert(
      fc.property(settings, ({ perMinute, burst }) => {
        const bucket = new TokenBucket({ perMinute, burst, clock: new ManualClock(0) });
        for (let i = 0; i < burst; i++) expect(bucket.take('a')).toBe(0);
        expect(bucket.take('a')).toBeGreaterThan(0);
        expect(bucket.take('b')).toBe(0);
      }),
    );
  });

  it('defaults the burst to one minute of tokens', () => {
    const limiter = tokenBucketLimiter({ perMinute: 100, clock: new ManualClock(0) });
    for (let i = 0; i < 100; i++) expect(limiter('a')).toBe(0);
    expect(limiter('a')).toBe(600);
  });

  it('refuses a rate that is not a positive integer', () => {
    expect(() => new TokenBucket({ perMinute: 0.5 })).toThrow(
      /perMinute: expected a positive integer/,
    );
    try {
      new TokenBucket({ perMinute: 10, burst: 0 });
    } catch (error) {
      expect(isAgentvisorError(error, 'CONFIG_INVALID')).toBe(true);
    }
  });
});

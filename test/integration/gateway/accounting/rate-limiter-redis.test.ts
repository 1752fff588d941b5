/**
 * @module Shared rate limits through Redis: two RateLimiter instances with their own connections
 * (two "nodes") draw from one bucket per identity (seed 001: per-agent token buckets). Refill is
 * set so slow that no token comes back during the test; only counts are asserted, never times.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../../src/gateway/accounting/index.js';
import { redisAvailable, TEST_REDIS_URL } from '../../../support/redis.js';

const REDIS_URL = TEST_REDIS_URL;

const hasRedis = await redisAvailable();

describe.skipIf(!hasRedis)('RateLimiter on Redis', () => {
  const clients: Redis[] = [];
  const prefix = `agentvisor-test:${process.pid}:${Math.random().toString(36).slice(2, 10)}:`;
  const node = (options: {
    burst?: number;
    refillPerSecond?: number;
    tokensPerMinute?: number;
  }) => {
    const client = new Redis(REDIS_URL);
    clients.push(client);
    return new RateLimiter({ ...options, redis: { client, keyPrefix: prefix } });
  };

  afterAll(async () => {
    const cleaner = new Redis(REDIS_URL);
    const keys = await cleaner.keys(`${prefix}*`);
    if (keys.length > 0) await cleaner.del(...keys);
    cleaner.disconnect();
    for (const c of clients) c.disconnect();
  });

  it('shares one request bucket between two nodes', async () => {
    const a = node({ burst: 5, refillPerSecond: 0.001 });
    const b = node({ burst: 5, refillPerSecond: 0.001 });
    const results: boolean[] = [];
    for (let i = 0; i < 6; i++) {
      results.push((await a.consumeRequest('agent:x')).allowed);
      results.push((await b.consumeRequest('agent:x')).allowed);
    }
    expect(results.filter(Boolean)).toHaveLength(5);
    expect(results.slice(0, 5)).toEqual([true, true, true, true, true]);
    const refused = await b.consumeRequest('agent:x');
    expect(refused.allowed).toBe(false);
    // At 0.001 requests per second the next one is about 1,000 s away.
    if (!refused.allowed) expect(refused.retryAfterMs).toBeGreaterThan(900_000);
    // Another identity has its own bucket.
    expect((await a.consumeRequest('agent:y')).allowed).toBe(true);
  });

  it('admits exactly the burst under concurrent requests from both nodes', async () => {
    const a = node({ burst: 10, refillPerSecond: 0.001 });
    const b = node({ burst: 10, refillPerSecond: 0.001 });
    const all = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).consumeRequest('agent:c')),
    );
    expect(all.filter((r) => r.allowed)).toHaveLength(10);
  });

  it('shares tokens-per-minute: usage charged on one node is seen by the other', async () => {
    const a = node({ tokensPerMinute: 1_000 });
    const b = node({ tokensPerMinute: 1_000 });
    expect(await b.checkTokens('key:k', 900)).toEqual({ allowed: true });
    await a.consumeTokens('key:k', 900);
    expect((await b.checkTokens('key:k', 900)).allowed).toBe(false);
    expect((await b.checkTokens('key:k', 50)).allowed).toBe(true);
  });
});

/**
 * @module Test access to a real Redis. Suites that need it call {@link redisAvailable}; when the
 * server is unreachable they skip with a visible reason, except under
 * `AGENTVISOR_REQUIRE_SERVICES=1` (CI), where unreachable is a failure. {@link redisScratch}
 * gives a suite a key prefix of its own and removes every key under it afterwards.
 */
import { Redis } from 'ioredis';

/** The Redis URL tests use: `AGENTVISOR_TEST_REDIS_URL` or the local default. */
export const TEST_REDIS_URL = process.env['AGENTVISOR_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/**
 * True when Redis tests should run. Logs why they are skipped; throws in CI.
 *
 * @example
 * const hasRedis = await redisAvailable();
 * describe.skipIf(!hasRedis)('on Redis', () => { ... });
 */
export async function redisAvailable(): Promise<boolean> {
  const probe = new Redis(TEST_REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch (error) {
    const reason = `Redis at ${TEST_REDIS_URL} unreachable: ${(error as Error).message}`;
    if (process.env['AGENTVISOR_REQUIRE_SERVICES'] === '1')
      throw new Error(`AGENTVISOR_REQUIRE_SERVICES=1 but ${reason}`);
    console.warn(`[skip] Redis tests skipped: ${reason}`);
    return false;
  } finally {
    probe.disconnect();
  }
}

/** Connections under one unique key prefix, and how to remove them and every key they made. */
export interface RedisScratch {
  readonly prefix: string;
  /** A new connection, closed by {@link RedisScratch.cleanup}. */
  client(): Redis;
  /** Deletes every key under the prefix and closes the connections. */
  cleanup(): Promise<void>;
}

/** A fresh key prefix (`agentvisor-test:<pid>:<random>:`) with its own connections. */
export function redisScratch(): RedisScratch {
  const prefix = `agentvisor-test:${process.pid}:${Math.random().toString(36).slice(2, 10)}:`;
  const clients: Redis[] = [];
  return {
    prefix,
    client() {
      const client = new Redis(TEST_REDIS_URL);
      clients.push(client);
      return client;
    },
    async cleanup() {
      const cleaner = new Redis(TEST_REDIS_URL);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await cleaner.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
          if (keys.length > 0) await cleaner.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        cleaner.disconnect();
        for (const c of clients) c.disconnect();
      }
    },
  };
}

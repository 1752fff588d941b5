/**
 * The hot tier conformance suite: every {@link HotTier} implementation (in process memory, and
 * Redis, shared by "nodes" with their own connections) must pass it. Redis runs under a unique
 * key prefix that is deleted afterwards; it is skipped visibly when Redis is down.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type HotItem,
  type HotTier,
  InMemoryHotTier,
  type MemoryScope,
  RedisHotTier,
} from '../../../src/memory/index.js';
import { redisAvailable, redisScratch } from '../../support/redis.js';

const hasRedis = await redisAvailable();
const scratch = redisScratch();
afterAll(() => scratch.cleanup());

let counter = 0;
function item(scope: MemoryScope, overrides: Partial<HotItem> = {}): HotItem {
  counter += 1;
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, counter)).toISOString();
  return {
    id: `id-${counter}`,
    scope,
    kind: 'item',
    author: 'alice',
    content: `content ${counter}`,
    context: null,
    phase: null,
    taskId: null,
    tags: [],
    importance: 0.5,
    utility: 0.5,
    createdAt: at,
    lastAccessedAt: at,
    accessCount: 0,
    embedding: null,
    ...overrides,
  };
}

interface Implementation {
  name: string;
  skip: boolean;
  /** Two handles on one tier, as two nodes would hold. */
  open(): { a: HotTier; b: HotTier };
}

const implementations: Implementation[] = [
  {
    name: 'in memory',
    skip: false,
    open() {
      const tier = new InMemoryHotTier();
      return { a: tier, b: tier };
    },
  },
  {
    name: 'Redis',
    skip: !hasRedis,
    open() {
      const keyPrefix = `${scratch.prefix}${Math.random().toString(36).slice(2, 8)}:`;
      return {
        a: new RedisHotTier({ client: scratch.client(), keyPrefix, ttlMs: 60_000 }),
        b: new RedisHotTier({ client: scratch.client(), keyPrefix, ttlMs: 60_000 }),
      };
    },
  },
];

describe.each(implementations)('HotTier: $name', ({ skip, open }) => {
  let a: HotTier;
  let b: HotTier;
  beforeEach(() => {
    if (!skip) ({ a, b } = open());
  });

  it.skipIf(skip)(
    'returns what was put, from either handle, with tags, context and embedding',
    async () => {
      const stored = item('team:core', {
        tags: ['x', 'y'],
        context: 'deploying api',
        phase: 'plan',
        taskId: 't1',
        embedding: [0.25, -1.5, 3],
      });
      await a.put(stored);
      expect(await b.find(stored.id)).toEqual(stored);
      expect(await b.list('team:core')).toEqual([stored]);
      expect(await b.find('nope')).toBeUndefined();
      expect(await b.list('team:none')).toEqual([]);
    },
  );

  it.skipIf(skip)(
    'keeps least-recently-used order; a touch counts a use and makes it the newest',
    async () => {
      const [x, y, z] = [item('team:core'), item('team:core'), item('team:core')];
      for (const i of [x, y, z]) await a.put(i);
      expect((await b.list('team:core')).map((i) => i.id)).toEqual([x.id, y.id, z.id]);
      await b.touch('team:core', [x.id, 'unknown'], '2026-02-01T00:00:00.000Z');
      const listed = await a.list('team:core');
      expect(listed.map((i) => i.id)).toEqual([y.id, z.id, x.id]);
      expect(listed[2]).toMatchObject({
        accessCount: 1,
        lastAccessedAt: '2026-02-01T00:00:00.000Z',
      });
      expect(await a.overflow('team:core', 2)).toEqual([y.id]);
      expect(await a.overflow('team:core', 3)).toEqual([]);
      expect(await a.overflow('team:core', 1)).toEqual([y.id, z.id]);
    },
  );

  it.skipIf(skip)(
    'keeps scopes apart, lists only scopes holding items, and counts them all',
    async () => {
      const [p, q, r] = [item('agent:alice'), item('team:core'), item('team:core')];
      for (const i of [p, q, r]) await a.put(i);
      expect((await b.scopes()).sort()).toEqual(['agent:alice', 'team:core']);
      expect(await b.count()).toBe(3);
      expect((await b.find(p.id))?.scope).toBe('agent:alice');
      await b.remove('team:core', [q.id, r.id, 'unknown']);
      await b.remove('team:none', ['x']);
      expect(await a.scopes()).toEqual(['agent:alice']);
      expect(await a.count()).toBe(1);
      expect(await a.find(q.id)).toBeUndefined();
    },
  );

  it.skipIf(skip)('adjusts utility within 0..1, atomically under concurrent callers', async () => {
    const x = item('team:core', { utility: 0.5 });
    await a.put(x);
    expect(await b.adjustUtility('team:core', x.id, 0.2)).toEqual({ before: 0.5, after: 0.7 });
    expect(await a.adjustUtility('team:core', x.id, 5)).toEqual({ before: 0.7, after: 1 });
    expect(await a.adjustUtility('team:core', x.id, -3)).toEqual({ before: 1, after: 0 });
    expect(await a.adjustUtility('team:core', 'unknown', 0.1)).toBeUndefined();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? a : b).adjustUtility('team:core', x.id, 0.01),
      ),
    );
    expect((await a.find(x.id))!.utility).toBeCloseTo(0.2, 10);
  });

  it.skipIf(skip)('replaces an item put again with the same id', async () => {
    const x = item('team:core');
    await a.put(x);
    await b.put({ ...x, content: 'changed', utility: 0.9 });
    expect(await a.list('team:core')).toEqual([{ ...x, content: 'changed', utility: 0.9 }]);
    expect(await a.count()).toBe(1);
  });
});

describe.skipIf(!hasRedis)('RedisHotTier keys', () => {
  it('expire after the configured TTL, refreshed by every write', async () => {
    const client = scratch.client();
    const keyPrefix = `${scratch.prefix}ttl:`;
    const tier = new RedisHotTier({ client, keyPrefix, ttlMs: 50_000 });
    const x = item('team:core');
    await tier.put(x);
    const keys = await client.keys(`${keyPrefix}*`);
    expect(keys.length).toBeGreaterThanOrEqual(5);
    for (const key of keys) {
      const ttl = await client.pttl(key);
      expect(ttl).toBeGreaterThan(40_000);
      expect(ttl).toBeLessThanOrEqual(50_000);
    }
    await client.pexpire(`${keyPrefix}{hot}:items:team:core`, 1000);
    await tier.touch('team:core', [x.id], x.createdAt);
    expect(await client.pttl(`${keyPrefix}{hot}:items:team:core`)).toBeGreaterThan(40_000);
  });
});

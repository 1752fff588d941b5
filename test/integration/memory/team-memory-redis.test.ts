/**
 * Team memory with its hot tier in Redis: two TeamMemory instances with their own Redis
 * connections and one store act as two nodes, and see, judge, deduplicate and promote each
 * other's recent items. Runs under a unique key prefix that is deleted afterwards; skipped
 * visibly when Redis is down (a failure under AGENTVISOR_REQUIRE_SERVICES=1).
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/index.js';
import { RedisHotTier, TeamMemory } from '../../../src/memory/index.js';
import type { Store } from '../../../src/store/index.js';
import { openFreshStore } from '../../support/fresh-store.js';
import { redisAvailable, redisScratch } from '../../support/redis.js';
import { tempDir } from '../../support/services.js';

const hasRedis = await redisAvailable();
const scratch = redisScratch();
afterAll(() => scratch.cleanup());

const HOUR = 3_600_000;
const alice = { agent: 'alice' };
const bob = { agent: 'bob' };
const config = {
  hot: { max_items: 3 },
  acl: [{ scope: 'team:core' as const, read: ['*'], write: ['*'] }],
};

describe.skipIf(!hasRedis)('TeamMemory with a Redis hot tier shared by two nodes', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let data: { dir: string; remove(): void };
  let clock: ManualClock;
  let keyPrefix: string;
  let nodeA: TeamMemory;
  let nodeB: TeamMemory;

  beforeEach(async () => {
    ({ store, cleanup } = await openFreshStore('sqlite'));
    data = tempDir('agentvisor-team-memory-redis-');
    clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    keyPrefix = `${scratch.prefix}${Math.random().toString(36).slice(2, 8)}:`;
    const node = () =>
      new TeamMemory({
        store,
        dataDir: data.dir,
        clock,
        config,
        hot: new RedisHotTier({ client: scratch.client(), keyPrefix, ttlMs: 168 * HOUR }),
      });
    nodeA = node();
    nodeB = node();
  });
  afterEach(async () => {
    await cleanup();
    data.remove();
  });

  it('shares recent items, utility and duplicate checks between nodes', async () => {
    const put = await nodeA.put(alice, { scope: 'team:core', content: 'Cache TTL is 5 minutes' });
    expect(put.duplicate).toBe(false);
    const hits = await nodeB.search(bob, 'cache ttl');
    expect(hits.map((h) => [h.id, h.tier, h.author])).toEqual([[put.id, 'hot', 'alice']]);
    expect(
      await nodeB.put(bob, { scope: 'team:core', content: 'cache TTL is 5 minutes!' }),
    ).toEqual({ id: put.id, tier: 'hot', duplicate: true, similarity: 1 });
    const signal = await nodeB.recordSignal(bob, { type: 'task_success', memoryIds: [put.id] });
    expect(signal.updated).toEqual([{ id: put.id, tier: 'hot', before: 0.5, after: 0.56 }]);
    expect(await nodeA.get(alice, put.id)).toMatchObject({ utility: 0.56, accessCount: 2 });
  });

  it('bounds each scope across nodes and lets any node promote any item', async () => {
    const ids: string[] = [];
    for (const [i, node] of [nodeA, nodeB, nodeA, nodeB].entries())
      ids.push(
        (
          await node.put(alice, {
            scope: 'team:core',
            content: `note number ${i} about ${'x'.repeat(i + 1)}`,
          })
        ).id,
      );
    expect(await nodeA.counts()).toEqual({ hot: 3, warm: 1, cold: 0 });
    expect((await nodeB.get(alice, ids[0]!)).tier).toBe('warm');

    clock.advance(25 * HOUR);
    expect((await nodeB.runLifecycle()).promoted).toBe(3);
    expect(await nodeA.counts()).toEqual({ hot: 0, warm: 4, cold: 0 });
    // An emptied scope leaves no keys behind but the shared bookkeeping.
    const client = scratch.client();
    expect((await client.keys(`${keyPrefix}*items*`)).length).toBe(0);
  });
});

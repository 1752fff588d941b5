/**
 * Team memory on SQLite and PostgreSQL (skipped visibly when PostgreSQL is down): tier
 * transitions by age, count and utility on a ManualClock, crash safety of each transition, cold
 * reads by id and time, retention, duplicate skipping, learning signals, per-phase learnings,
 * scope access rules and bad input.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentvisorError, ManualClock } from '../../../src/core/index.js';
import {
  type HotTier,
  InMemoryHotTier,
  type MemoryActor,
  type MemoryConfigInput,
  type PutResult,
  searchTerms,
  TeamMemory,
  type TeamMemoryOptions,
} from '../../../src/memory/index.js';
import { textSimilarity } from '../../../src/memory/text-similarity.js';
import type { Store } from '../../../src/store/index.js';
import { openFreshStore } from '../../support/fresh-store.js';
import { postgresAvailable, tempDir } from '../../support/services.js';

const hasPostgres = await postgresAvailable();

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const alice: MemoryActor = { agent: 'alice', roles: ['code'] };
const bob: MemoryActor = { agent: 'bob', roles: ['lead'] };
const carol: MemoryActor = { agent: 'carol' };

const ACL: MemoryConfigInput['acl'] = [
  { scope: 'global', read: ['*'], write: ['*'] },
  { scope: 'team:core', read: ['alice', 'bob', 'role:qa'], write: ['alice', 'role:lead'] },
];

/** A deterministic embedding: words hashed into 64 buckets, so shared words mean similarity. */
async function bagOfWords(texts: string[]): Promise<number[][]> {
  return texts.map((text) => {
    const vector = new Array<number>(64).fill(0);
    for (const word of searchTerms(text)) {
      let h = 2166136261;
      for (const ch of word) h = Math.imul(h ^ ch.codePointAt(0)!, 16777619);
      vector[(h >>> 0) % 64]! += 1;
    }
    return vector;
  });
}

/** A hot tier whose next `remove` fails: a crash between writing warm and deleting hot. */
class FailingRemoveHotTier extends InMemoryHotTier {
  failNextRemove = false;
  override async remove(scope: Parameters<HotTier['remove']>[0], ids: readonly string[]) {
    if (this.failNextRemove) {
      this.failNextRemove = false;
      throw new Error('simulated crash before the hot copy was removed');
    }
    return super.remove(scope, ids);
  }
}

/** A store whose next write transaction does its work and then fails instead of committing. */
function failingCommitStore(store: Store): { store: Store; failNextCommit(): void } {
  let fail = false;
  const wrapper: Store = {
    dialect: store.dialect,
    db: store.db,
    location: store.location,
    writeTransaction: (fn, options) =>
      store.writeTransaction(async (trx) => {
        const result = await fn(trx);
        if (fail) {
          fail = false;
          throw new Error('simulated crash before commit');
        }
        return result;
      }, options),
    insertLedgerEntries: (trx, rows) => store.insertLedgerEntries(trx, rows),
    readLedgerPage: (after, limit) => store.readLedgerPage(after, limit),
    ping: () => store.ping(),
    close: () => store.close(),
  };
  return { store: wrapper, failNextCommit: () => (fail = true) };
}

function expectCode(promise: Promise<unknown>, code: string, pattern: RegExp) {
  return expect(promise).rejects.toSatisfy(
    (e: unknown) => e instanceof AgentvisorError && e.code === code && pattern.test(e.message),
  );
}

function stored(result: PutResult): string {
  expect(result.duplicate).toBe(false);
  return result.id;
}

const dialects = [
  { dialect: 'sqlite' as const, skip: false },
  { dialect: 'postgres' as const, skip: !hasPostgres },
];

describe.each(dialects)('TeamMemory on $dialect', ({ dialect, skip }) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let clock: ManualClock;
  let data: { dir: string; remove(): void };

  beforeEach(async () => {
    if (skip) return;
    ({ store, cleanup } = await openFreshStore(dialect));
    clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    data = tempDir('agentvisor-team-memory-');
  });
  afterEach(async () => {
    if (skip) return;
    await cleanup();
    data.remove();
  });

  const memoryWith = (config: MemoryConfigInput = {}, options: Partial<TeamMemoryOptions> = {}) =>
    new TeamMemory({
      store,
      dataDir: data.dir,
      clock,
      config: { acl: ACL, ...config },
      ...options,
    });

  const coldFiles = () => {
    const root = path.join(data.dir, 'memory-cold');
    try {
      return readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) =>
        f.includes('.jsonl.gz'),
      );
    } catch {
      return [];
    }
  };

  it.skipIf(skip)('puts to hot, moves items to warm by age, and searches both tiers', async () => {
    const memory = memoryWith();
    const own = stored(await memory.put(alice, { content: 'Deploy of v2 failed: timeout' }));
    const shared = stored(
      await memory.put(alice, {
        scope: 'team:core',
        content: 'The staging database is on host db-2',
        tags: ['infra'],
        taskId: 't1',
      }),
    );
    expect(await memory.get(alice, own)).toMatchObject({
      tier: 'hot',
      scope: 'agent:alice',
      author: 'alice',
      utility: 0.5,
      accessCount: 1,
    });
    expect(await memory.counts()).toEqual({ hot: 2, warm: 0, cold: 0 });

    clock.advance(23 * HOUR);
    expect((await memory.runLifecycle()).promoted).toBe(0);
    clock.advance(2 * HOUR);
    expect(await memory.runLifecycle()).toEqual({
      promoted: 2,
      demoted: 0,
      purged: 0,
      orphanFilesRemoved: 0,
    });
    expect(await memory.counts()).toEqual({ hot: 0, warm: 2, cold: 0 });
    expect(await memory.get(bob, shared)).toMatchObject({
      tier: 'warm',
      tags: ['infra'],
      taskId: 't1',
      accessCount: 1,
    });
    expect((await memory.get(alice, own)).accessCount).toBe(2);

    const fresh = stored(await memory.put(alice, { content: 'Deploy of v3 went fine' }));
    const hits = await memory.search(alice, 'deploy');
    expect(hits.map((h) => [h.id, h.tier])).toEqual(
      expect.arrayContaining([
        [own, 'warm'],
        [fresh, 'hot'],
      ]),
    );
    expect(hits).toHaveLength(2);
    expect(hits.every((h) => h.score > 0)).toBe(true);
  });

  it.skipIf(skip)('moves the least recently used past the hot count to warm at once', async () => {
    const memory = memoryWith({ hot: { max_items: 3 } });
    const [a, b, c] = [
      stored(await memory.put(alice, { content: 'first note about apples' })),
      stored(await memory.put(alice, { content: 'second note about bananas' })),
      stored(await memory.put(alice, { content: 'third note about cherries' })),
    ];
    await memory.get(alice, a); // a is now the most recently used
    const d = stored(await memory.put(alice, { content: 'fourth note about dates' }));
    expect(await memory.counts()).toEqual({ hot: 3, warm: 1, cold: 0 });
    expect((await memory.get(alice, b)).tier).toBe('warm');
    for (const id of [a, c, d]) expect((await memory.get(alice, id)).tier).toBe('hot');
  });

  it.skipIf(skip)(
    'demotes idle warm items of low utility to cold, keeps proven and used ones, then the lowest utility past the count',
    async () => {
      const memory = memoryWith({ warm: { max_items: 3 } });
      const proven = stored(await memory.put(alice, { content: 'Always pin the node version' }));
      const used = stored(await memory.put(alice, { content: 'The build cache lives in S3' }));
      const idle = stored(await memory.put(alice, { content: 'Lunch on Friday was pasta' }));
      clock.advance(25 * HOUR);
      await memory.runLifecycle();
      expect(await memory.counts()).toEqual({ hot: 0, warm: 3, cold: 0 });
      for (let i = 0; i < 3; i++)
        await memory.recordSignal(alice, { type: 'user_rating', rating: 5, memoryIds: [proven] });
      expect((await memory.get(alice, proven)).utility).toBeCloseTo(0.8, 10);
      await memory.recordSignal(alice, { type: 'task_success', memoryIds: [used] });

      clock.advance(20 * DAY);
      await memory.get(alice, used); // used 20 days after entering warm
      clock.advance(12 * DAY);
      // idle: unused for 32 days, utility 0.5 < keep_utility 0.8.
      expect(await memory.runLifecycle()).toMatchObject({ demoted: 1 });
      expect((await memory.get(alice, idle)).tier).toBe('cold');
      expect((await memory.get(alice, proven)).tier).toBe('warm');
      clock.advance(31 * DAY);
      // used: now unused for 31 days with utility 0.56; proven stays whatever its age.
      expect(await memory.runLifecycle()).toMatchObject({ demoted: 1 });
      expect((await memory.get(alice, used)).tier).toBe('cold');
      expect((await memory.get(alice, proven)).tier).toBe('warm');
      expect(await memory.counts()).toEqual({ hot: 0, warm: 1, cold: 2 });

      // Past the warm count, the lowest utility goes first (seed: eviction "score"), then the
      // least recently used: the first of three new items at 0.5, not proven at 0.8.
      const fresh = [
        stored(await memory.put(alice, { content: 'new note one' })),
        stored(await memory.put(alice, { content: 'new note two' })),
        stored(await memory.put(alice, { content: 'new note three' })),
      ];
      clock.advance(25 * HOUR);
      expect(await memory.runLifecycle()).toMatchObject({ promoted: 3, demoted: 1 });
      expect((await memory.get(alice, fresh[0]!)).tier).toBe('cold');
      expect((await memory.get(alice, proven)).tier).toBe('warm');
      expect(await memory.counts()).toEqual({ hot: 0, warm: 3, cold: 3 });
    },
  );

  it.skipIf(skip)(
    'keeps cold items readable by id and time range, and purges them after the retention',
    async () => {
      const memory = memoryWith();
      const early = stored(
        await memory.put(alice, { content: 'January incident: disk full', phase: 'execute' }),
      );
      clock.advance(10 * DAY);
      const late = stored(
        await memory.put(alice, { scope: 'team:core', content: 'Later incident: DNS expired' }),
      );
      const t0 = new Date(clock.now()).toISOString();
      clock.advance(25 * HOUR);
      await memory.runLifecycle();
      clock.advance(31 * DAY);
      expect(await memory.runLifecycle()).toMatchObject({ demoted: 2 });
      expect(await memory.counts()).toEqual({ hot: 0, warm: 0, cold: 2 });
      expect(coldFiles()).toHaveLength(1);

      const item = await memory.get(alice, early);
      expect(item).toMatchObject({
        id: early,
        tier: 'cold',
        content: 'January incident: disk full',
        phase: 'execute',
        scope: 'agent:alice',
      });
      expect((await memory.coldRange(alice)).map((i) => i.id)).toEqual([early, late]);
      expect(
        (await memory.coldRange(alice, { from: '2026-01-05T00:00:00Z' })).map((i) => i.id),
      ).toEqual([late]);
      expect((await memory.coldRange(alice, { to: t0 })).map((i) => i.id)).toEqual([early]);
      expect(
        (await memory.coldRange(alice, { scopes: ['team:core'] })).map((i) => i.content),
      ).toEqual(['Later incident: DNS expired']);
      // Bob may read team:core but not alice's private scope.
      expect((await memory.coldRange(bob)).map((i) => i.id)).toEqual([late]);
      expect(await memory.search(alice, 'incident')).toEqual([]); // cold is not full-text searched

      clock.advance(364 * DAY);
      expect((await memory.runLifecycle()).purged).toBe(0);
      clock.advance(2 * DAY);
      expect(await memory.runLifecycle()).toMatchObject({ purged: 2 });
      expect(coldFiles()).toEqual([]);
      await expectCode(memory.get(alice, early), 'NOT_FOUND', /in no tier/);
    },
  );

  it.skipIf(skip)('purges the oldest cold segments first past the size limit', async () => {
    const memory = memoryWith();
    const first = stored(await memory.put(alice, { content: 'segment one item' }));
    clock.advance(25 * HOUR);
    await memory.runLifecycle();
    clock.advance(31 * DAY);
    await memory.runLifecycle();
    const second = stored(await memory.put(alice, { content: 'segment two item' }));
    clock.advance(25 * HOUR);
    await memory.runLifecycle();
    clock.advance(31 * DAY);
    await memory.runLifecycle();
    const segments = await store.db
      .selectFrom('team_memory_segments')
      .selectAll()
      .orderBy('created_at')
      .execute();
    expect(segments).toHaveLength(2);
    const limit = (Number(segments[1]!.bytes) + 1) / 1e9;
    const capped = memoryWith({ cold: { max_size_gb: limit } });
    expect(await capped.runLifecycle()).toMatchObject({ purged: 1 });
    await expectCode(capped.get(alice, first), 'NOT_FOUND', /in no tier/);
    expect((await capped.get(alice, second)).tier).toBe('cold');
    expect(coldFiles()).toHaveLength(1);
  });

  it.skipIf(skip)(
    'survives a crash between writing warm and removing hot: the item is found exactly once',
    async () => {
      const hot = new FailingRemoveHotTier();
      const memory = memoryWith({}, { hot });
      const id = stored(await memory.put(alice, { content: 'Rotate the API keys monthly' }));
      clock.advance(25 * HOUR);
      hot.failNextRemove = true;
      await expect(memory.runLifecycle()).rejects.toThrow(/simulated crash/);
      expect(await memory.counts()).toEqual({ hot: 1, warm: 1, cold: 0 });
      expect((await memory.search(alice, 'rotate keys')).map((h) => h.id)).toEqual([id]);
      expect((await memory.get(alice, id)).id).toBe(id);

      // Recovery: the next pass finds the warm copy, skips the insert and removes the hot one.
      expect((await memory.runLifecycle()).promoted).toBe(1);
      expect(await memory.counts()).toEqual({ hot: 0, warm: 1, cold: 0 });
      expect((await memory.search(alice, 'rotate keys')).map((h) => [h.id, h.tier])).toEqual([
        [id, 'warm'],
      ]);
    },
  );

  it.skipIf(skip)(
    'survives a crash between writing a cold segment and deleting warm: the item is found exactly once',
    async () => {
      const failing = failingCommitStore(store);
      const memory = memoryWith({}, { store: failing.store });
      const id = stored(await memory.put(alice, { content: 'The VPN gateway is vpn-3' }));
      clock.advance(25 * HOUR);
      await memory.runLifecycle();
      clock.advance(31 * DAY);
      failing.failNextCommit();
      await expect(memory.runLifecycle()).rejects.toThrow(/simulated crash/);
      expect(await memory.counts()).toEqual({ hot: 0, warm: 1, cold: 0 });
      expect(coldFiles()).toHaveLength(1); // written, never indexed
      const warm = await store.db.selectFrom('team_memory_items').select('id').execute();
      expect(warm.map((r) => r.id)).toEqual([id]);
      expect(await memory.coldRange(alice)).toEqual([]);

      expect(await memory.runLifecycle()).toMatchObject({ demoted: 1, orphanFilesRemoved: 0 });
      expect(await memory.counts()).toEqual({ hot: 0, warm: 0, cold: 1 });
      expect((await memory.coldRange(alice)).map((i) => i.id)).toEqual([id]);
      expect(coldFiles()).toHaveLength(2);

      clock.advance(2 * HOUR); // past the grace, the unindexed segment is swept
      expect(await memory.runLifecycle()).toMatchObject({ orphanFilesRemoved: 1 });
      expect(coldFiles()).toHaveLength(1);
      expect((await memory.get(alice, id)).tier).toBe('cold');
    },
  );

  it.skipIf(skip)('flushes every hot item to warm before a shutdown', async () => {
    const memory = memoryWith();
    await memory.put(alice, { content: 'one' });
    await memory.put(bob, { scope: 'team:core', content: 'two' });
    expect(await memory.flushHot()).toBe(2);
    expect(await memory.counts()).toEqual({ hot: 0, warm: 2, cold: 0 });
  });

  it.skipIf(skip)('skips duplicates on put and says which item they duplicate', async () => {
    const memory = memoryWith();
    const first = stored(await memory.put(alice, { content: 'Deploy of v2 failed: timeout' }));
    expect(await memory.put(alice, { content: 'deploy of V2 failed -- timeout!' })).toEqual({
      id: first,
      tier: 'hot',
      duplicate: true,
      similarity: 1,
    });
    const long =
      'The staging database for the billing service lives on host db-2 in rack 4 of the east hall';
    const original = stored(await memory.put(alice, { content: long }));
    const edited = await memory.put(alice, { content: long.replace('rack 4', 'rack 5') });
    expect(edited).toMatchObject({ id: original, duplicate: true });
    expect(edited.duplicate && edited.similarity).toBeGreaterThanOrEqual(0.95);
    expect(edited.duplicate && edited.similarity).toBeLessThan(1);
    // Another scope, or other words, is another memory.
    stored(await memory.put(alice, { scope: 'global', content: 'Deploy of v2 failed: timeout' }));
    stored(await memory.put(alice, { content: 'Deploy of v2 succeeded after a retry' }));

    clock.advance(25 * HOUR);
    await memory.runLifecycle();
    expect(await memory.put(alice, { content: 'Deploy of v2 failed: timeout.' })).toEqual({
      id: first,
      tier: 'warm',
      duplicate: true,
      similarity: 1,
    });
    expect(await memory.counts()).toEqual({ hot: 0, warm: 4, cold: 0 });
  });

  it.skipIf(skip)('compares embeddings when a model is configured', async () => {
    const memory = memoryWith({ embedding: { dimensions: 64 } }, { embed: bagOfWords });
    const first = stored(await memory.put(alice, { content: 'alpha beta gamma delta epsilon' }));
    const reordered = 'epsilon delta gamma beta alpha';
    expect(textSimilarity('alpha beta gamma delta epsilon', reordered)).toBeLessThan(0.95);
    expect(await memory.put(alice, { content: reordered })).toMatchObject({
      id: first,
      duplicate: true,
    });
    clock.advance(25 * HOUR);
    await memory.runLifecycle();
    expect(await memory.put(alice, { content: reordered })).toMatchObject({
      id: first,
      tier: 'warm',
      duplicate: true,
    });
    const hits = await memory.search(alice, 'alpha beta gamma delta', { mode: 'vector' });
    expect(hits.map((h) => h.id)).toEqual([first]);

    const wrong = memoryWith({}, { embed: bagOfWords }); // 1536 dimensions expected
    await expectCode(
      wrong.put(alice, { content: 'anything' }),
      'MODEL_OUTPUT_INVALID',
      /64 dimensions; memory.embedding.dimensions is 1536/,
    );
  });

  it.skipIf(skip)(
    'moves utility with signals by the seed weights, stores the signals, and ranks by utility',
    async () => {
      const memory = memoryWith();
      const x = stored(
        await memory.put(alice, { content: 'Restart the cache node first', taskId: 't1' }),
      );
      clock.advance(1000);
      const y = stored(
        await memory.put(alice, {
          scope: 'team:core',
          content: 'Restart the cache node later',
          taskId: 't1',
        }),
      );
      const z = stored(await memory.put(alice, { content: 'Unrelated note', taskId: 't2' }));

      const success = await memory.recordSignal(alice, { type: 'task_success', taskId: 't1' });
      expect(success).toMatchObject({
        type: 'task_success',
        weight: 0.6,
        strength: 1,
        skipped: [],
      });
      expect(success.delta).toBeCloseTo(0.06, 12);
      expect(success.updated.map((u) => [u.id, u.tier, u.before]).sort()).toEqual(
        [
          [x, 'hot', 0.5],
          [y, 'hot', 0.5],
        ].sort(),
      );
      expect((await memory.get(alice, x)).utility).toBeCloseTo(0.56, 10);
      expect((await memory.get(alice, z)).utility).toBe(0.5);

      // Equal words and utility: the newer (y) first. An acceptance of x puts it ahead; two
      // corrections put it behind again.
      expect((await memory.search(alice, 'restart cache node')).map((h) => h.id)).toEqual([y, x]);
      clock.advance(1000);
      await memory.recordSignal(alice, { type: 'user_acceptance', memoryIds: [x] });
      expect((await memory.search(alice, 'restart cache node')).map((h) => h.id)).toEqual([x, y]);
      for (let i = 0; i < 2; i++) {
        clock.advance(1000);
        await memory.recordSignal(alice, { type: 'user_correction', memoryIds: [x] });
      }
      expect((await memory.get(alice, x)).utility).toBeCloseTo(0.54, 10);
      expect((await memory.search(alice, 'restart cache node')).map((h) => h.id)).toEqual([y, x]);

      clock.advance(25 * HOUR);
      await memory.runLifecycle();
      clock.advance(1000);
      const rated = await memory.recordSignal(bob, {
        type: 'user_rating',
        rating: 5,
        memoryIds: [y, 'no-such-id'],
        note: 'spot on',
      });
      expect(rated.strength).toBe(1);
      expect(rated.updated).toEqual([
        { id: y, tier: 'warm', before: expect.closeTo(0.56, 10), after: expect.closeTo(0.66, 10) },
      ]);
      expect(rated.skipped).toEqual([{ id: 'no-such-id', reason: 'missing' }]);
      expect((await memory.search(bob, 'restart cache node')).map((h) => h.id)).toEqual([y]);
      expect((await memory.search(alice, 'restart cache node')).map((h) => h.id)).toEqual([y, x]);

      const low = await memory.recordSignal(alice, {
        type: 'user_rating',
        rating: 1,
        memoryIds: [z],
      });
      expect(low.updated[0]!.after).toBeCloseTo(0.4, 10);
      const signals = await store.db
        .selectFrom('team_memory_signals')
        .selectAll()
        .orderBy('at')
        .execute();
      expect(signals.map((s) => [s.type, s.agent, Number(s.weight)])).toEqual([
        ['task_success', 'alice', 0.6],
        ['user_acceptance', 'alice', 0.8],
        ['user_correction', 'alice', -0.5],
        ['user_correction', 'alice', -0.5],
        ['user_rating', 'bob', 1],
        ['user_rating', 'alice', 1],
      ]);
      expect(JSON.parse(signals[0]!.updated_ids).sort()).toEqual([x, y].sort());
      expect(signals[4]).toMatchObject({ note: 'spot on', task_id: null });

      // Carol may not judge what she may not read; a task's other memories are left alone.
      await expectCode(
        memory.recordSignal(carol, { type: 'task_failure', memoryIds: [y] }),
        'POLICY_DENIED',
        /may not read memory scope "team:core"/,
      );
      const blind = await memory.recordSignal(carol, { type: 'task_failure', taskId: 't1' });
      expect(blind.updated).toEqual([]);
    },
  );

  it.skipIf(skip)('skips cold memories in a signal: the archive is immutable', async () => {
    const memory = memoryWith();
    const id = stored(await memory.put(alice, { content: 'Archived insight' }));
    clock.advance(25 * HOUR);
    await memory.runLifecycle();
    clock.advance(31 * DAY);
    await memory.runLifecycle();
    const result = await memory.recordSignal(alice, { type: 'task_success', memoryIds: [id] });
    expect(result.updated).toEqual([]);
    expect(result.skipped).toEqual([{ id, reason: 'cold' }]);
  });

  it.skipIf(skip)('stores learnings per phase and retrieves those of similar tasks', async () => {
    const memory = memoryWith();
    const plan = stored(
      await memory.putLearning(alice, {
        phase: 'plan',
        scope: 'team:core',
        content: 'Run the database migrations before switching traffic',
        context: 'deploy the api service to staging',
        taskId: 't1',
      }),
    );
    const verify = stored(
      await memory.putLearning(alice, {
        phase: 'verify',
        scope: 'team:core',
        content: 'Check the health endpoint of every replica',
        context: 'deploy the api service to staging',
        taskId: 't1',
      }),
    );
    stored(
      await memory.putLearning(alice, {
        phase: 'plan',
        scope: 'team:core',
        content: 'Ask finance for the numbers a week early',
        context: 'write the quarterly report',
        taskId: 't2',
      }),
    );
    await memory.put(alice, { scope: 'team:core', content: 'deploy staging api notes' });
    expect(
      await memory.putLearning(bob, {
        phase: 'plan',
        scope: 'team:core',
        content: 'Run the database migrations before switching traffic!',
      }),
    ).toEqual({ id: plan, tier: 'warm', duplicate: true, similarity: 1 });

    const forPlan = await memory.learningsFor(bob, {
      phase: 'plan',
      query: 'deploy the web service to staging',
    });
    // First the plan learning of the similar task; the verify learning is of another phase.
    expect(forPlan[0]!.id).toBe(plan);
    expect(forPlan.every((l) => l.phase === 'plan')).toBe(true);
    expect(forPlan[0]).toMatchObject({
      kind: 'learning',
      tier: 'warm',
      phase: 'plan',
      author: 'alice',
      context: 'deploy the api service to staging',
    });
    const all = await memory.learningsFor(bob, { query: 'deploy to staging' });
    expect(
      all
        .slice(0, 2)
        .map((l) => l.id)
        .sort(),
    ).toEqual([plan, verify].sort());
    const items = await memory.search(bob, 'deploy staging', { kinds: ['item'] });
    expect(items.map((i) => i.kind)).toEqual(['item']);
    // Carol cannot read team:core, so she learns nothing from it.
    expect(await memory.learningsFor(carol, { query: 'deploy to staging' })).toEqual([]);
  });

  it.skipIf(skip)(
    'refuses reads and writes outside the ACL, naming the scope and who may',
    async () => {
      const memory = memoryWith();
      const shared = stored(await memory.put(bob, { scope: 'team:core', content: 'Core roadmap' }));
      const secret = stored(await memory.put(alice, { content: "Alice's private note" }));
      await expectCode(
        memory.put(carol, { scope: 'team:core', content: 'x' }),
        'POLICY_DENIED',
        /^agent "carol" may not write memory scope "team:core"; writers: alice, role:lead \(memory\.acl\)$/,
      );
      await expectCode(
        memory.get(carol, shared),
        'POLICY_DENIED',
        /may not read memory scope "team:core"; readers: alice, bob, role:qa/,
      );
      await expectCode(
        memory.get(bob, secret),
        'POLICY_DENIED',
        /may not read memory scope "agent:alice"; readers: alice \(owner\)/,
      );
      await expectCode(
        memory.search(carol, 'roadmap', { scopes: ['team:core'] }),
        'POLICY_DENIED',
        /team:core/,
      );
      await expectCode(
        memory.putLearning(alice, { phase: 'plan', scope: 'team:ops', content: 'x' }),
        'POLICY_DENIED',
        /no memory\.acl rule lets anyone write it; add \{ scope: "team:ops", write: \[\.\.\.\] \}/,
      );
      expect(await memory.search(carol, 'roadmap')).toEqual([]);
      expect(
        (await memory.search({ agent: 'quinn', roles: ['qa'] }, 'roadmap')).map((h) => h.id),
      ).toEqual([shared]);
      expect(memory.allows(carol, 'write', 'global')).toBe(true);
    },
  );

  it.skipIf(skip)('refuses bad input with INPUT_INVALID naming the field', async () => {
    const memory = memoryWith();
    await expectCode(
      memory.recordSignal(alice, { type: 'GREAT' as 'task_success' }),
      'INPUT_INVALID',
      /^type: expected one of user_rating, user_correction, .*context_switch, got "GREAT"$/,
    );
    await expectCode(
      memory.put(alice, { scope: 'teams:core' as 'global', content: 'x' }),
      'INPUT_INVALID',
      /^scope: expected "global", "agent:<name>" or "team:<name>"/,
    );
    await expectCode(
      memory.put(alice, { content: 'x'.repeat(64 * 1024 + 1) }),
      'INPUT_INVALID',
      /^content: 65537 bytes of UTF-8 is over the limit of 65536/,
    );
    await expectCode(
      memory.putLearning(alice, { phase: 'deploy' as 'plan', content: 'x' }),
      'INPUT_INVALID',
      /^phase: expected one of observe, think, plan, build_criteria, execute, verify, learn/,
    );
    await expectCode(
      memory.recordSignal(alice, { type: 'task_success', rating: 4 }),
      'INPUT_INVALID',
      /^rating: only a user_rating signal has a rating/,
    );
    await expectCode(
      memory.recordSignal(alice, { type: 'task_success', strength: 2 }),
      'INPUT_INVALID',
      /^strength: expected a number from -1 to 1, got 2/,
    );
    await expectCode(
      memory.put({ agent: 'Bad Name' }, { content: 'x' }),
      'INPUT_INVALID',
      /^actor\.agent: expected a lower-case name/,
    );
    await expectCode(
      memory.coldRange(alice, { from: 'yesterday' }),
      'INPUT_INVALID',
      /^from: expected an ISO-8601 time/,
    );
    await expectCode(
      memory.search(alice, 'x', { mode: 'vector' }),
      'INPUT_INVALID',
      /^mode: "vector" search needs an embedding model/,
    );
    expect(await memory.counts()).toEqual({ hot: 0, warm: 0, cold: 0 });
  });
});

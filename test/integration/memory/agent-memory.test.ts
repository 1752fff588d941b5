/**
 * The memory conformance suite: the same behaviour on SQLite (FTS5) and PostgreSQL (tsvector)
 * for storing, ranking, isolation, budgets and consolidation, archival, procedural statistics,
 * vector and hybrid search, bad input and snapshots.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentvisorError, ManualClock } from '../../../src/core/index.js';
import {
  AgentMemory,
  type MemoryOptions,
  type MemorySnapshot,
  searchTerms,
} from '../../../src/memory/index.js';
import type { Store } from '../../../src/store/index.js';
import { openFreshStore } from '../../support/fresh-store.js';
import { postgresAvailable } from '../../support/services.js';

const hasPostgres = await postgresAvailable();

const openFresh = openFreshStore;

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

function expectInvalid(promise: Promise<unknown>, pattern: RegExp) {
  return expect(promise).rejects.toSatisfy(
    (e: unknown) =>
      e instanceof AgentvisorError && e.code === 'INPUT_INVALID' && pattern.test(e.message),
  );
}

const dialects = [
  { dialect: 'sqlite' as const, skip: false },
  { dialect: 'postgres' as const, skip: !hasPostgres },
];

describe.each(dialects)('AgentMemory on $dialect', ({ dialect, skip }) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let clock: ManualClock;

  beforeEach(async () => {
    if (skip) return;
    ({ store, cleanup } = await openFresh(dialect));
    clock = new ManualClock(Date.parse('2026-03-01T00:00:00Z'));
  });
  afterEach(async () => {
    if (!skip) await cleanup();
  });

  const memoryWith = (options: Partial<MemoryOptions> = {}) =>
    new AgentMemory({ store, clock, ...options });

  it.skipIf(skip)('stores, reads back and counts an access on get', async () => {
    const memory = memoryWith();
    const put = await memory.put('a1', {
      component: 'semantic',
      content: 'The staging database lives on host db-2.',
      tags: ['infra', 'infra', 'db'],
      importance: 0.8,
    });
    expect(put).toMatchObject({
      agentId: 'a1',
      component: 'semantic',
      tags: ['infra', 'db'],
      importance: 0.8,
      accessCount: 0,
      archived: false,
      createdAt: '2026-03-01T00:00:00.000Z',
    });
    clock.advance(1000);
    const got = await memory.get('a1', put.id);
    expect(got).toMatchObject({
      id: put.id,
      accessCount: 1,
      lastAccessedAt: '2026-03-01T00:00:01.000Z',
    });
    expect((await memory.get('a1', put.id)).accessCount).toBe(2);
  });

  it.skipIf(skip)(
    'ranks full-text matches by relevance, with stemming, on any punctuation',
    async () => {
      const memory = memoryWith();
      const both = await memory.put('a1', {
        component: 'episodic',
        content: 'Deploy of service api failed with a timeout',
      });
      const one = await memory.put('a1', {
        component: 'episodic',
        content: 'The weekly deploy went fine',
      });
      await memory.put('a1', { component: 'episodic', content: 'Lunch was pasta' });
      const hits = await memory.search('a1', 'deploying: "timeouts"?! (api)');
      expect(hits.map((h) => h.id)).toEqual([both.id, one.id]);
      expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
      expect(hits[0]!.accessCount).toBe(1);
      expect(await memory.search('a1', 'NEAR AND OR * ^ -')).toEqual([]);
      expect(await memory.search('a1', '   ')).toEqual([]);
    },
  );

  it.skipIf(skip)('filters by component and keeps agents apart', async () => {
    const memory = memoryWith();
    const fact = await memory.put('a1', {
      component: 'semantic',
      content: 'Alice owns the billing service',
    });
    await memory.put('a1', { component: 'episodic', content: 'Asked Alice about billing' });
    await memory.put('b2', { component: 'semantic', content: 'Alice owns the billing service' });
    const facts = await memory.search('a1', 'alice billing', { components: ['semantic'] });
    expect(facts.map((h) => h.id)).toEqual([fact.id]);
    expect((await memory.search('a1', 'alice billing')).every((h) => h.agentId === 'a1')).toBe(
      true,
    );
    expect(await memory.search('a1', 'alice billing')).toHaveLength(2);
    await expect(memory.get('b2', fact.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await memory.recent('b2')).toHaveLength(1);
    expect((await memory.usage('b2')).semantic.live).toBe(1);
  });

  it.skipIf(skip)('lists recent items newest first, by component', async () => {
    const memory = memoryWith();
    const first = await memory.put('a1', { component: 'episodic', content: 'first' });
    clock.advance(10);
    const second = await memory.put('a1', { component: 'episodic', content: 'second' });
    await memory.put('a1', { component: 'semantic', content: 'a fact' });
    const recent = await memory.recent('a1', { component: 'episodic' });
    expect(recent.map((i) => i.id)).toEqual([second.id, first.id]);
    expect(await memory.recent('a1', { limit: 1 })).toHaveLength(1);
  });

  it.skipIf(skip)(
    'merges duplicates into the newest copy with summed access and top importance',
    async () => {
      const memory = memoryWith();
      const a = await memory.put('a1', {
        component: 'semantic',
        content: 'Deploys happen on Tuesday.',
        importance: 0.9,
        tags: ['ops'],
      });
      await memory.get('a1', a.id);
      await memory.get('a1', a.id);
      const b = await memory.put('a1', {
        component: 'semantic',
        content: 'deploys  happen on tuesday',
        importance: 0.2,
        tags: ['calendar'],
      });
      await memory.get('a1', b.id);
      await memory.put('a1', { component: 'episodic', content: 'Deploys happen on Tuesday.' });
      const result = await memory.consolidate('a1');
      expect(result).toEqual({ merged: 1, summarised: 0, archived: 0 });
      await expect(memory.get('a1', a.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      const merged = await memory.get('a1', b.id);
      expect(merged).toMatchObject({ accessCount: 4, importance: 0.9 });
      expect(merged.tags.sort()).toEqual(['calendar', 'ops']);
      expect((await memory.usage('a1')).episodic.live).toBe(1);
    },
  );

  it.skipIf(skip)(
    'summarises old unimportant episodes and archives down to budget when a put goes over',
    async () => {
      const memory = memoryWith({ budgets: { episodic: 8, semantic: 2 } });
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) {
        clock.advance(60_000);
        const item = await memory.put('a1', {
          component: 'episodic',
          content: `Episode ${i}: checked queue depth. It was fine.`,
          importance: i < 4 ? 0.1 : 0.9,
        });
        ids.push(item.id);
      }
      expect((await memory.usage('a1')).episodic).toEqual({ live: 8, archived: 0, budget: 8 });
      clock.advance(60_000);
      await memory.put('a1', {
        component: 'episodic',
        content: 'Episode 8: queue grew.',
        importance: 0.3,
      });
      // 9 live > 8: down to floor(8 * 0.75) = 6 by folding the 3 oldest low-importance episodes.
      const usage = await memory.usage('a1');
      expect(usage.episodic).toEqual({ live: 6, archived: 3, budget: 8 });
      expect(usage.semantic.live).toBe(1);
      const [summary] = await memory.recent('a1', { component: 'semantic' });
      expect(summary!.content).toBe(
        'Summary of 3 episodes: Episode 0: checked queue depth. Episode 1: checked queue depth. Episode 2: checked queue depth.',
      );
      expect(summary!.tags).toContain('summary');
      expect(summary!.importance).toBeCloseTo(0.1);
      const archived = await memory.get('a1', ids[0]!);
      expect(archived.archived).toBe(true);
      expect(
        (await memory.search('a1', 'episode checked', { components: ['episodic'], limit: 20 })).map(
          (h) => h.id,
        ),
      ).not.toContain(ids[0]);
      expect(
        (
          await memory.search('a1', 'episode checked', {
            components: ['episodic'],
            limit: 20,
            includeArchived: true,
          })
        ).map((h) => h.id),
      ).toContain(ids[0]);
    },
  );

  it.skipIf(skip)(
    'archives the least valuable items when summarising is not possible',
    async () => {
      const memory = memoryWith({ budgets: { semantic: 3 } });
      const low = await memory.put('a1', {
        component: 'semantic',
        content: 'trivia one',
        importance: 0,
      });
      clock.advance(1000);
      const used = await memory.put('a1', {
        component: 'semantic',
        content: 'trivia two',
        importance: 0,
      });
      await memory.get('a1', used.id);
      await memory.put('a1', { component: 'semantic', content: 'core fact', importance: 1 });
      clock.advance(1000);
      await memory.put('a1', { component: 'semantic', content: 'another fact', importance: 0.7 });
      expect((await memory.usage('a1')).semantic).toEqual({ live: 3, archived: 1, budget: 3 });
      expect((await memory.get('a1', low.id)).archived).toBe(true);
      expect(await memory.consolidate('a1')).toEqual({ merged: 0, summarised: 0, archived: 0 });
    },
  );

  it.skipIf(skip)('uses a configured summariser and embeds its summary', async () => {
    const seen: string[][] = [];
    const memory = memoryWith({
      budgets: { episodic: 4 },
      embed: bagOfWords,
      summarise: async (items) => {
        seen.push(items.map((i) => i.content));
        return `digest of ${items.length}`;
      },
    });
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      await memory.put('a1', { component: 'episodic', content: `note ${i}`, importance: 0.2 });
    }
    expect(seen).toEqual([['note 0', 'note 1']]);
    const hits = await memory.search('a1', 'digest', { mode: 'vector', components: ['semantic'] });
    expect(hits[0]!.content).toBe('digest of 2');
  });

  it.skipIf(skip)('records procedural statistics and finds them by search', async () => {
    const memory = memoryWith();
    await memory.recordOutcome('a1', 'deploy', { success: true, durationMs: 100 });
    await memory.recordOutcome('a1', 'deploy', {
      success: false,
      durationMs: 300,
      note: 'timeout',
    });
    clock.advance(5000);
    const stats = await memory.recordOutcome('a1', 'deploy', { success: true });
    expect(stats).toMatchObject({
      action: 'deploy',
      attempts: 3,
      successes: 2,
      failures: 1,
      meanDurationMs: 200,
      lastOutcome: { success: true, durationMs: null, note: null, at: '2026-03-01T00:00:05.000Z' },
    });
    expect(stats.successRate).toBeCloseTo(2 / 3);
    await memory.recordOutcome('a1', 'rollback', { success: false });
    await memory.recordOutcome('b2', 'deploy', { success: false });
    expect((await memory.procedures('a1')).map((p) => [p.action, p.attempts])).toEqual([
      ['deploy', 3],
      ['rollback', 1],
    ]);
    const [hit] = await memory.search('a1', 'deploy', { components: ['procedural'] });
    expect(hit!.content).toBe(
      'deploy: 2 of 3 attempts succeeded (67%), mean 200 ms; last: succeeded',
    );
    expect(hit!.id).toBe(stats.itemId);
    expect((await memory.usage('a1')).procedural.live).toBe(2);
  });

  it.skipIf(skip)(
    'archives procedures over budget and revives one when it is used again',
    async () => {
      const memory = memoryWith({ budgets: { procedural: 1 } });
      await memory.recordOutcome('a1', 'first', { success: true });
      clock.advance(1000);
      await memory.recordOutcome('a1', 'second', { success: true });
      expect((await memory.procedures('a1')).map((p) => p.action)).toEqual(['second']);
      expect(
        (await memory.procedures('a1', { includeArchived: true })).map((p) => p.action),
      ).toEqual(['first', 'second']);
      clock.advance(1000);
      await memory.recordOutcome('a1', 'first', { success: false });
      expect((await memory.procedures('a1')).map((p) => [p.action, p.attempts])).toEqual([
        ['first', 2],
      ]);
    },
  );

  it.skipIf(skip)('searches by embedding and fuses text and vector rankings', async () => {
    const memory = memoryWith({ embed: bagOfWords });
    const cats = await memory.put('a1', {
      component: 'semantic',
      content: 'cats like warm windows',
    });
    const dogs = await memory.put('a1', { component: 'semantic', content: 'dogs like long walks' });
    await memory.put('b2', { component: 'semantic', content: 'cats like warm windows' });
    const vector = await memory.search('a1', 'warm windows for cats', { mode: 'vector' });
    expect(vector.map((h) => h.id)).toEqual([cats.id, dogs.id]);
    expect(vector[0]!.score).toBeGreaterThan(0.5);
    const hybrid = await memory.search('a1', 'walks');
    expect(hybrid[0]!.id).toBe(dogs.id);
    expect(hybrid.every((h) => h.agentId === 'a1')).toBe(true);
    const plain = memoryWith();
    await expectInvalid(plain.search('a1', 'cats', { mode: 'vector' }), /needs an embedding model/);
  });

  it.skipIf(skip)('never fails on arbitrary user query text', async () => {
    const memory = memoryWith();
    await memory.put('a1', {
      component: 'episodic',
      content: 'alpha beta "gamma" NEAR(delta) OR epsilon*',
    });
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 60 }), async (query) => {
        const hits = await memory.search('a1', query);
        expect(Array.isArray(hits)).toBe(true);
      }),
      { numRuns: 150 },
    );
    expect(await memory.search('a1', 'NEAR(delta) OR "gamma')).toHaveLength(1);
  });

  it.skipIf(skip)('rejects bad input with messages that say what is allowed', async () => {
    const memory = memoryWith();
    await expectInvalid(
      memory.put('a1', { component: 'episodic', content: '  ' }),
      /^content: expected non-empty text/,
    );
    await expectInvalid(
      memory.put('a1', { component: 'episodic', content: 'x'.repeat(64 * 1024 + 1) }),
      /65537 bytes of UTF-8 is over the limit of 65536/,
    );
    await expectInvalid(
      memory.put('a1', { component: 'working' as 'episodic', content: 'x' }),
      /component: expected one of episodic, semantic, procedural, got "working"/,
    );
    await expectInvalid(
      memory.put('a1', { component: 'episodic', content: 'x', importance: 2 }),
      /importance: expected a number from 0 to 1/,
    );
    await expectInvalid(memory.put('', { component: 'episodic', content: 'x' }), /^agentId:/);
    await expectInvalid(
      memory.put('a1', { component: 'episodic', content: 'a\u0000b' }),
      /content: contains a NUL character/,
    );
    await expectInvalid(memory.search('a1', 'x', { limit: 0 }), /^limit:/);
    await expectInvalid(memory.recordOutcome('a1', '', { success: true }), /^action:/);
    await expectInvalid(
      memory.recordOutcome('a1', 'x', { success: 'yes' as unknown as boolean }),
      /^outcome.success:/,
    );
    expect(() => memoryWith({ budgets: { episodic: 0 } })).toThrow(
      /budgets.episodic: expected a positive whole number/,
    );
    expect(() => memoryWith({ budgets: { semantic: -3 } })).toThrow(AgentvisorError);
    await expectInvalid(memory.import('a1', { format: 'other' }), /^snapshot.format:/);
    expect((await memory.usage('a1')).episodic.live).toBe(0);
  });

  it.skipIf(skip)(
    'exports and imports a snapshot: restore keeps ids, a copy gets new ones',
    async () => {
      const memory = memoryWith({ embed: bagOfWords });
      const fact = await memory.put('a1', {
        component: 'semantic',
        content: 'the sky is blue',
        tags: ['colour'],
        importance: 0.7,
      });
      await memory.put('a1', { component: 'episodic', content: 'looked up' });
      await memory.get('a1', fact.id);
      await memory.recordOutcome('a1', 'look', { success: true, durationMs: 12, note: 'clear' });
      const snapshot = (await memory.export('a1')) as MemorySnapshot;
      const json = JSON.parse(JSON.stringify(snapshot));

      await memory.put('a1', { component: 'semantic', content: 'added after the snapshot' });
      expect(await memory.import('a1', json)).toEqual({ items: 3, procedures: 1 });
      expect({ ...(await memory.export('a1')), exportedAt: snapshot.exportedAt }).toEqual(snapshot);

      await memory.import('c3', json);
      const copy = await memory.export('c3');
      expect(copy.items.map(({ id: _, ...rest }) => rest)).toEqual(
        snapshot.items.map(({ id: _, ...rest }) => rest),
      );
      expect(copy.items.map((i) => i.id)).not.toContain(fact.id);
      expect((await memory.procedures('c3'))[0]).toMatchObject({
        action: 'look',
        attempts: 1,
        meanDurationMs: 12,
      });
      expect((await memory.search('c3', 'sky blue', { mode: 'vector' }))[0]!.content).toBe(
        'the sky is blue',
      );
      expect((await memory.get('a1', fact.id)).content).toBe('the sky is blue');
    },
  );
});

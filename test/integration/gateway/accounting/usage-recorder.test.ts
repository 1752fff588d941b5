/**
 * @module UsageRecorder and the budget's StoreSpendSource on real SQLite and PostgreSQL: batched
 * writes lose nothing on close, totals group correctly, and spend per scope and window counts
 * written and still-buffered rows (seed 002 "Token Usage Tracking").
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreSpendSource } from '../../../../src/budget/index.js';
import { ManualClock } from '../../../../src/core/index.js';
import { type UsageRecord, UsageRecorder } from '../../../../src/gateway/accounting/index.js';
import type { Store } from '../../../../src/store/index.js';
import { openFreshStore } from '../../../support/fresh-store.js';
import { postgresAvailable } from '../../../support/services.js';

const hasPostgres = await postgresAvailable();
const T0 = Date.parse('2026-03-10T10:30:00Z');

const open = openFreshStore;

function rec(over: Partial<UsageRecord> = {}): UsageRecord {
  return {
    agentId: 'a1',
    apiKeyId: null,
    alias: 'fast',
    provider: 'openai',
    model: 'gpt-4o-mini',
    operation: 'chat',
    usage: { inputTokens: 100, outputTokens: 20, cachedInputTokens: 10 },
    costUsd: 0.001,
    latencyMs: 300,
    outcome: 'ok',
    wasFallback: false,
    streamed: false,
    ...over,
  };
}

const dialects = (['sqlite', 'postgres'] as const).filter((d) => d === 'sqlite' || hasPostgres);

describe.each(dialects)('UsageRecorder on %s', (dialect) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let clock: ManualClock;
  beforeEach(async () => {
    ({ store, cleanup } = await open(dialect));
    clock = new ManualClock(T0);
  });
  afterEach(async () => {
    await cleanup();
  });

  const count = async () =>
    Number(
      (
        await store.db
          .selectFrom('llm_usage')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('buffers off the hot path, writes in batches, and loses nothing on close', async () => {
    const recorder = new UsageRecorder({ store, clock, maxBatch: 7, flushIntervalMs: 0 });
    for (let i = 0; i < 20; i++) recorder.record(rec());
    // Reaching maxBatch started a write; a flush waits for all of them.
    await recorder.flush();
    expect(await count()).toBe(20);
    for (let i = 0; i < 3; i++) recorder.record(rec());
    expect(recorder.pending()).toHaveLength(3);
    await recorder.close();
    expect(await count()).toBe(23);
    expect(recorder.pending()).toHaveLength(0);
    expect(() => recorder.record(rec())).toThrow(/closed/);
  });

  it('writes on its interval without an explicit flush', async () => {
    const recorder = new UsageRecorder({ store, clock, flushIntervalMs: 5 });
    recorder.record(rec());
    await expect.poll(count, { timeout: 10_000 }).toBe(1);
    await recorder.close();
  });

  it('answers totals grouped by agent, key, model, provider and day', async () => {
    const recorder = new UsageRecorder({ store, clock, flushIntervalMs: 0 });
    recorder.record(rec());
    recorder.record(
      rec({
        agentId: 'a2',
        apiKeyId: 'k1',
        outcome: 'error',
        costUsd: 0,
        usage: { inputTokens: 5, outputTokens: 0, cachedInputTokens: 0 },
      }),
    );
    recorder.record(
      rec({
        agentId: 'a2',
        provider: 'anthropic',
        model: 'claude-haiku',
        wasFallback: true,
        costUsd: 0.5,
      }),
    );
    recorder.record(rec({ at: T0 - 86_400_000 })); // yesterday
    recorder.record(rec({ at: T0 - 10 * 86_400_000 })); // before `since`

    const since = T0 - 2 * 86_400_000;
    const byAgent = await recorder.totals({ since, groupBy: 'agent' });
    expect(byAgent).toEqual([
      {
        group: 'a1',
        calls: 2,
        errors: 0,
        fallbacks: 0,
        inputTokens: 200,
        outputTokens: 40,
        cachedTokens: 20,
        totalTokens: 240,
        costUsd: expect.closeTo(0.002, 9),
      },
      {
        group: 'a2',
        calls: 2,
        errors: 1,
        fallbacks: 1,
        inputTokens: 105,
        outputTokens: 20,
        cachedTokens: 10,
        totalTokens: 125,
        costUsd: expect.closeTo(0.5, 9),
      },
    ]);
    const byModel = await recorder.totals({ since, groupBy: 'model' });
    expect(byModel.map((g) => [g.group, g.calls])).toEqual([
      ['anthropic/claude-haiku', 1],
      ['openai/gpt-4o-mini', 3],
    ]);
    const byProvider = await recorder.totals({ since, groupBy: 'provider', agentId: 'a2' });
    expect(byProvider.map((g) => [g.group, g.calls])).toEqual([
      ['anthropic', 1],
      ['openai', 1],
    ]);
    const byKey = await recorder.totals({ since, groupBy: 'key', apiKeyId: 'k1' });
    expect(byKey.map((g) => [g.group, g.errors])).toEqual([['k1', 1]]);
    const byDay = await recorder.totals({ since: 0, groupBy: 'day' });
    expect(byDay.map((g) => [g.group, g.calls])).toEqual([
      ['2026-02-28', 1],
      ['2026-03-09', 1],
      ['2026-03-10', 3],
    ]);
    await recorder.close();
  });

  it('feeds StoreSpendSource: spend per scope and window, buffered rows included', async () => {
    await store.db
      .insertInto('api_keys')
      .values({
        id: 'k1',
        name: 'ci',
        key_hash: 'h',
        prefix: 'p',
        agent_id: null,
        created_at: new Date(T0).toISOString(),
        created_by: 'test',
        revoked_at: null,
        last_used_at: null,
      })
      .execute();
    const recorder = new UsageRecorder({ store, clock, flushIntervalMs: 0 });
    const spend = new StoreSpendSource({ store, pending: () => recorder.pending() });
    recorder.record(rec({ apiKeyId: 'k1', costUsd: 0.25 }));
    recorder.record(rec({ agentId: 'a2', at: T0 - 3_600_000, costUsd: 1 })); // previous hour
    await recorder.flush();
    recorder.record(rec({ agentId: 'a2' })); // still buffered

    expect(await spend.spent('global', 'hour', T0)).toEqual({
      tokens: 240,
      usd: expect.closeTo(0.251, 9),
    });
    expect(await spend.spent('global', 'day', T0)).toEqual({
      tokens: 360,
      usd: expect.closeTo(1.251, 9),
    });
    expect(await spend.spent('agent:a2', 'day', T0)).toEqual({
      tokens: 240,
      usd: expect.closeTo(1.001, 9),
    });
    expect(await spend.spent('key:ci', 'month', T0)).toEqual({
      tokens: 120,
      usd: expect.closeTo(0.25, 9),
    });
    expect(await spend.spent('key:nobody', 'month', T0)).toEqual({ tokens: 0, usd: 0 });
    await recorder.close();
    expect(await spend.spent('agent:a2', 'hour', T0)).toEqual({
      tokens: 120,
      usd: expect.closeTo(0.001, 9),
    });
  });
});

/**
 * @module The budget engine with a ManualClock and an in-memory spend source: hard limits block
 * at exactly the right call, concurrent reservations cannot overshoot, thresholds fire once per
 * cooldown (seed 000 `_take_action`), windows roll over, and settle corrects estimates.
 */
import { describe, expect, it } from 'vitest';
import {
  type BudgetActionEvent,
  type BudgetConfig,
  BudgetEngine,
  type BudgetSubject,
  budgetLimitStage,
  MemorySpendSource,
  windowBounds,
} from '../../../src/budget/index.js';
import {
  type CallOutcome,
  ManualClock,
  type OperationDefinition,
  type Principal,
} from '../../../src/core/index.js';

const T0 = Date.parse('2026-03-10T10:00:00Z');

function budget(b: Partial<BudgetConfig> & Pick<BudgetConfig, 'scope'>): BudgetConfig {
  return {
    warning_at: 0.8,
    critical_at: 0.95,
    actions: { warning: 'warn', critical: 'throttle', limit: 'reject' },
    cooldown_seconds: 300,
    ...b,
  };
}

function setup(budgets: BudgetConfig[], spend = new MemorySpendSource()) {
  const clock = new ManualClock(T0);
  const engine = new BudgetEngine({ budgets, spend, clock });
  const events: BudgetActionEvent[] = [];
  engine.onAction((e) => events.push(e));
  /**
   * One model call as the gateway makes it: reserve, then (if allowed) record the real usage
   * where the spend source sees it (the usage recorder's job) and settle.
   */
  const call = async (subject: BudgetSubject, tokens: number, actual = tokens) => {
    const r = await engine.reserve({ ...subject, estimate: { tokens, usd: 0 } });
    if (r.allowed) {
      spend.add({ at: clock.now(), ...subject, tokens: actual, usd: 0 });
      engine.settle(r.reservation, { tokens: actual, usd: 0 });
    }
    return r;
  };
  return { clock, engine, events, spend, call };
}

const est = (tokens: number, usd = 0) => ({ estimate: { tokens, usd } });

describe('BudgetEngine', () => {
  it('refuses the 4th call of 300 tokens under a 1000-token limit, naming budget and window', async () => {
    const { engine, call } = setup([budget({ scope: 'agent:a1', tokens_per_hour: 1000 })]);
    for (let i = 0; i < 3; i++) expect((await call({ agentId: 'a1' }, 300)).allowed).toBe(true);
    const fourth = await engine.reserve({ agentId: 'a1', ...est(300) });
    expect(fourth.allowed).toBe(false);
    if (fourth.allowed) return;
    expect(fourth.code).toBe('BUDGET_EXCEEDED');
    expect(fourth.reason).toContain('agent:a1');
    expect(fourth.reason).toContain('tokens_per_hour');
    expect(fourth.reason).toContain('900/1000');
    expect(fourth.retryAfterMs).toBe(3_600_000); // T0 is on the hour
    // Other agents are not limited by agent:a1's budget.
    expect((await engine.reserve({ agentId: 'a2', ...est(5000) })).allowed).toBe(true);
  });

  it('allows spending up to exactly the limit, then refuses even a zero estimate', async () => {
    const { engine, call } = setup([budget({ scope: 'global', tokens_per_day: 1000 })]);
    for (let i = 0; i < 4; i++) expect((await call({}, 250)).allowed).toBe(true);
    expect((await engine.reserve(est(0))).allowed).toBe(false);
  });

  it('cannot be overshot by concurrent reservations', async () => {
    const { engine } = setup([budget({ scope: 'global', cost_per_day: 1 })]);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => engine.reserve({ agentId: 'x', ...est(10, 0.07) })),
    );
    // 14 x 0.07 = 0.98 <= 1; a 15th would make 1.05.
    expect(results.filter((r) => r.allowed)).toHaveLength(14);
  });

  it('counts usage already in the spend source', async () => {
    const spend = new MemorySpendSource();
    spend.add({ at: T0 - 60_000, apiKeyName: 'ci', tokens: 0, usd: 4.5 });
    spend.add({ at: T0 - 40 * 86_400_000, apiKeyName: 'ci', tokens: 0, usd: 100 }); // last month
    const { engine } = setup([budget({ scope: 'key:ci', cost_per_month: 5 })], spend);
    expect((await engine.reserve({ apiKeyName: 'ci', ...est(1, 0.4) })).allowed).toBe(true);
    const r = await engine.reserve({ apiKeyName: 'ci', ...est(1, 0.2) });
    expect(r.allowed).toBe(false);
    if (!r.allowed) {
      expect(r.reason).toContain('key:ci');
      expect(r.reason).toContain('month');
      expect(r.retryAfterMs).toBe(windowBounds('month', T0).end - T0);
    }
  });

  it('settle replaces the estimate with the real usage', async () => {
    const { engine } = setup([budget({ scope: 'global', tokens_per_hour: 1000 })]);
    const a = await engine.reserve(est(900));
    expect(a.allowed).toBe(true);
    expect((await engine.reserve(est(200))).allowed).toBe(false);
    if (a.allowed) engine.settle(a.reservation, { tokens: 100, usd: 0 });
    expect((await engine.reserve(est(800))).allowed).toBe(true);
    const [status] = await engine.status();
    expect(status?.limits[0]).toMatchObject({ spent: 100, reserved: 800, fraction: 0.9 });
    // Settling twice changes nothing.
    if (a.allowed) engine.settle(a.reservation, { tokens: 100, usd: 0 });
    expect((await engine.status())[0]?.limits[0]).toMatchObject({ spent: 100, reserved: 800 });
  });

  it('rolls windows over: a new hour starts from the spend source again', async () => {
    const { engine, clock, call } = setup([budget({ scope: 'global', tokens_per_hour: 1000 })]);
    expect((await call({}, 1000)).allowed).toBe(true);
    const refused = await engine.reserve(est(1));
    expect(refused.allowed).toBe(false);
    clock.advance(refused.allowed ? 0 : refused.retryAfterMs - 1);
    expect((await engine.reserve(est(1))).allowed).toBe(false);
    clock.advance(1);
    expect((await engine.reserve(est(1000))).allowed).toBe(true);
  });

  it('fires each threshold action once per cooldown, the highest level per limit', async () => {
    const { engine, events, clock, call } = setup([
      budget({ scope: 'global', tokens_per_day: 1000, cooldown_seconds: 60 }),
    ]);
    const spendTo = (tokens: number) => call({}, tokens);
    await spendTo(700); // 70%: nothing
    expect(events).toEqual([]);
    const r = await spendTo(100); // 80%: warning
    expect(r.allowed && r.actions.map((a) => [a.threshold, a.action])).toEqual([
      ['warning', 'warn'],
    ]);
    expect(events.map((e) => e.threshold)).toEqual(['warning']);
    await spendTo(10); // still warning, in cooldown
    expect(events).toHaveLength(1);
    clock.advance(60_000);
    await spendTo(10); // cooldown over
    expect(events.map((e) => e.threshold)).toEqual(['warning', 'warning']);
    await spendTo(130); // 96%: critical -> throttle
    expect(events.at(-1)).toMatchObject({
      threshold: 'critical',
      action: 'throttle',
      budget: 'global',
    });
    const refused = await engine.reserve(est(100)); // past the limit: reject
    expect(refused.allowed).toBe(false);
    expect(events.at(-1)).toMatchObject({ threshold: 'limit', action: 'reject', limitValue: 1000 });
    await engine.reserve(est(100));
    expect(events.filter((e) => e.threshold === 'limit')).toHaveLength(1);
  });

  it('refuses at a threshold whose action is reject, and soft limits only warn', async () => {
    const { engine } = setup([
      budget({
        scope: 'global',
        tokens_per_hour: 1000,
        actions: { warning: 'log', critical: 'reject', limit: 'warn' },
      }),
    ]);
    expect((await engine.reserve(est(940))).allowed).toBe(true);
    const r = await engine.reserve(est(10));
    expect(r.allowed).toBe(false);
    if (!r.allowed) expect(r.reason).toContain('critical threshold (95%');
    const soft = setup([
      budget({
        scope: 'global',
        tokens_per_hour: 1000,
        actions: { warning: 'log', critical: 'log', limit: 'warn' },
      }),
    ]);
    expect((await soft.engine.reserve(est(5000))).allowed).toBe(true);
    expect(soft.events.map((e) => [e.threshold, e.action])).toEqual([['limit', 'warn']]);
  });

  it('applies global, agent and key budgets together', async () => {
    const { engine } = setup([
      budget({ scope: 'global', tokens_per_hour: 10_000 }),
      budget({ scope: 'agent:a', tokens_per_hour: 5_000 }),
      budget({ scope: 'key:k', tokens_per_hour: 2_000 }),
    ]);
    const r = await engine.reserve({ agentId: 'a', apiKeyName: 'k', ...est(1_500) });
    expect(r.allowed && [...r.reservation.scopes].sort()).toEqual(['agent:a', 'global', 'key:k']);
    const byKey = await engine.reserve({ agentId: 'a', apiKeyName: 'k', ...est(600) });
    expect(!byKey.allowed && byKey.reason).toContain('"key:k"');
    expect((await engine.reserve({ agentId: 'a', ...est(3_500) })).allowed).toBe(true);
    const byAgent = await engine.reserve({ agentId: 'a', ...est(1) });
    expect(!byAgent.allowed && byAgent.reason).toContain('"agent:a"');
    expect((await engine.reserve({ agentId: 'b', ...est(5_000) })).allowed).toBe(true);
    expect((await engine.reserve({ agentId: 'c', ...est(1) })).allowed).toBe(false);
  });

  it('releases reservations that are never settled after their TTL', async () => {
    const clock = new ManualClock(T0);
    const engine = new BudgetEngine({
      budgets: [budget({ scope: 'global', tokens_per_day: 100 })],
      spend: new MemorySpendSource(),
      clock,
      reservationTtlMs: 60_000,
    });
    expect((await engine.reserve(est(100))).allowed).toBe(true);
    expect((await engine.reserve(est(1))).allowed).toBe(false);
    clock.advance(60_000);
    expect((await engine.reserve(est(100))).allowed).toBe(true);
  });

  it('re-reads the spend source after refreshMs, keeping usage settled meanwhile', async () => {
    const spend = new MemorySpendSource();
    const clock = new ManualClock(T0);
    const engine = new BudgetEngine({
      budgets: [budget({ scope: 'global', tokens_per_day: 1_000 })],
      spend,
      clock,
      refreshMs: 10_000,
    });
    const r = await engine.reserve(est(100));
    if (r.allowed) engine.settle(r.reservation, { tokens: 100, usd: 0 });
    spend.add({ at: T0, tokens: 100, usd: 0 }); // the recorder wrote that call
    spend.add({ at: T0, tokens: 700, usd: 0 }); // another node's usage
    // Before the refresh: what this engine settled. After: the source's 800, not 900 twice.
    expect((await engine.status())[0]?.limits[0]?.spent).toBe(100);
    clock.advance(10_000);
    expect((await engine.status())[0]?.limits[0]?.spent).toBe(800);
    expect((await engine.reserve(est(300))).allowed).toBe(false);
    expect((await engine.reserve(est(200))).allowed).toBe(true);
  });
});

describe('budgetLimitStage', () => {
  const op = (name: string) => ({ name }) as OperationDefinition;
  const agent: Principal = { kind: 'agent', id: 'a1', capabilities: new Set() };

  it('reserves on check for model calls and settles with the usage in the result', async () => {
    const { engine } = setup([budget({ scope: 'agent:a1', tokens_per_hour: 1_000 })]);
    const stage = budgetLimitStage(engine, { estimate: () => ({ tokens: 600, usd: 0 }) });
    expect(stage.name).toBe('budget');
    expect(await stage.check(agent, op('agent.info'), {})).toEqual({ kind: 'allow' });
    expect(await stage.check(agent, op('llm.complete'), {})).toEqual({ kind: 'allow' });
    const refused = await stage.check(agent, op('llm.complete'), {});
    expect(refused).toMatchObject({ kind: 'reject', code: 'BUDGET_EXCEEDED' });
    const ok: CallOutcome = {
      kind: 'ok',
      result: { usage: { inputTokens: 50, outputTokens: 50, cachedInputTokens: 0 }, costUsd: 0 },
    };
    stage.settle?.(agent, op('llm.complete'), ok);
    expect(await stage.check(agent, op('llm.complete'), {})).toEqual({ kind: 'allow' });
    stage.settle?.(agent, op('llm.complete'), { kind: 'error', code: 'UNAVAILABLE', reason: 'x' });
    const [status] = await engine.status();
    expect(status?.limits[0]).toMatchObject({ spent: 100, reserved: 0 });
  });
});

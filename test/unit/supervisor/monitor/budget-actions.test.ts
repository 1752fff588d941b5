import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/core/index.js';
import {
  BudgetActions,
  type ResourceSignal,
  SignalBus,
} from '../../../../src/supervisor/monitor/index.js';

function setup() {
  const clock = new ManualClock(0);
  const bus = new SignalBus<ResourceSignal>();
  const received: ResourceSignal[] = [];
  bus.subscribe('a', (s) => {
    received.push(s);
  });
  const budgets = new BudgetActions({ clock, bus });
  budgets.setBudget('a', {
    // seed 000 defaults
    tokens_per_hour: { warning: 8000, critical: 9500, action: 'defer' },
    cpu_percent: { warning: 60, critical: 75, action: 'throttle', cooldownSeconds: 10 },
    memory_bytes: { warning: 200, critical: 240, warningAction: 'throttle', action: 'shutdown' },
    cost_usd: { warning: 5, critical: 10, action: 'reject' },
  });
  return { clock, bus, budgets, received };
}

describe('BudgetActions', () => {
  it('fires nothing under the warning threshold', () => {
    const { budgets, received } = setup();
    expect(
      budgets.evaluate('a', { tokens_per_hour: 7999, cpu_percent: 10, cost_usd: 4.99 }),
    ).toEqual([]);
    expect(received).toEqual([]);
  });

  it('fires the warning, then the critical action at once (a different level), and publishes them', () => {
    const { budgets, received, clock } = setup();
    const warn = budgets.evaluate('a', { tokens_per_hour: 8000 });
    expect(warn).toEqual([
      {
        kind: 'resource.signal',
        agentId: 'a',
        action: 'defer',
        resource: 'tokens_per_hour',
        level: 'warning',
        value: 8000,
        threshold: 8000,
        detail: 'tokens_per_hour 8000 reached the warning threshold 8000: defer',
        at: 0,
      },
    ]);
    clock.advance(1000);
    const crit = budgets.evaluate('a', { tokens_per_hour: 9600 });
    expect(crit.map((s) => [s.level, s.action])).toEqual([['critical', 'defer']]);
    expect(received).toEqual([...warn, ...crit]);
  });

  it('uses the warning action when it differs from the critical one', () => {
    const { budgets } = setup();
    expect(budgets.evaluate('a', { memory_bytes: 210 })[0]!.action).toBe('throttle');
    expect(budgets.evaluate('a', { memory_bytes: 250 })[0]!.action).toBe('shutdown');
    expect(budgets.evaluate('a', { cost_usd: 10.5 })[0]).toMatchObject({
      action: 'reject',
      detail: 'cost_usd 10.50 reached the critical threshold 10: reject',
    });
  });

  it('respects the cooldown per resource and level (default 60 s)', () => {
    const { budgets, clock } = setup();
    const fire = () =>
      budgets.evaluate('a', { tokens_per_hour: 9600, cpu_percent: 80 }).map((s) => s.resource);
    expect(fire()).toEqual(['tokens_per_hour', 'cpu_percent']);
    clock.advance(9_999);
    expect(fire()).toEqual([]);
    clock.advance(1);
    expect(fire()).toEqual(['cpu_percent']);
    clock.advance(50_000);
    expect(fire()).toEqual(['tokens_per_hour', 'cpu_percent']);
  });

  it('keeps cooldowns when the budget is replaced, forgets them when the agent is removed', () => {
    const { budgets } = setup();
    const t = { tokens_per_hour: { warning: 1, critical: 2, action: 'throttle' } } as const;
    budgets.setBudget('b', t);
    expect(budgets.evaluate('b', { tokens_per_hour: 5 })).toHaveLength(1);
    budgets.setBudget('b', t);
    expect(budgets.evaluate('b', { tokens_per_hour: 5 })).toHaveLength(0);
    expect(budgets.removeAgent('b')).toBe(true);
    expect(budgets.evaluate('b', { tokens_per_hour: 5 })).toEqual([]); // no budget, no signals
    budgets.setBudget('b', t);
    expect(budgets.evaluate('b', { tokens_per_hour: 5 })).toHaveLength(1);
    expect(budgets.budgetOf('b')).toBe(t);
  });

  it('works without a bus and skips missing or non-finite usage', () => {
    const budgets = new BudgetActions({ clock: new ManualClock(0) });
    budgets.setBudget('x', { cpu_percent: { warning: 1, critical: 2, action: 'log' } });
    expect(budgets.evaluate('x', {})).toEqual([]);
    expect(budgets.evaluate('x', { cpu_percent: Number.NaN })).toEqual([]);
    expect(budgets.evaluate('x', { cpu_percent: 3 })).toHaveLength(1);
  });

  it('rejects invalid budgets, naming the field and what is allowed', () => {
    const budgets = new BudgetActions();
    expect(() =>
      budgets.setBudget('a', { cpu_percent: { warning: 80, critical: 60, action: 'throttle' } }),
    ).toThrow(
      /budget of agent a: cpu_percent needs 0 <= warning <= critical, got warning 80, critical 60/,
    );
    expect(() =>
      budgets.setBudget('a', { cpu_percent: { warning: 1, critical: 2, action: 'nuke' as never } }),
    ).toThrow(/cpu_percent.action must be one of log, throttle, defer, reject, shutdown/);
    expect(() =>
      budgets.setBudget('a', {
        cpu_percent: { warning: 1, critical: 2, action: 'log', warningAction: 'x' as never },
      }),
    ).toThrow(/warningAction/);
    expect(() =>
      budgets.setBudget('a', {
        cpu_percent: { warning: 1, critical: 2, action: 'log', cooldownSeconds: -1 },
      }),
    ).toThrow(/cooldownSeconds/);
    expect(() =>
      budgets.setBudget('a', { disk_mb: { warning: 1, critical: 2, action: 'log' } } as never),
    ).toThrowError(
      expect.objectContaining({
        code: 'INPUT_INVALID',
        message: expect.stringMatching(/unknown resource "disk_mb"/),
      }),
    );
  });
});

/**
 * The alert engine's state machine with a manual clock and a real (SQLite) store: pending →
 * firing after `for`, repeats, resolution notified once, deduplication by rule and labels,
 * event rules raised and cleared, failing readers, silences, and a restart that neither
 * re-fires nor forgets. A property test drives random condition sequences with random restarts
 * and checks the notifications against the rules of the state machine.
 */
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AlertEngine,
  type AlertEvent,
  type AlertNotification,
  type AlertRule,
  alertFingerprint,
  type SignalSource,
} from '../../../src/alerts/index.js';
import { type LedgerRecord, ManualClock } from '../../../src/core/index.js';
import { migrate, SqliteStore, type Store } from '../../../src/store/index.js';
import { tempDir } from '../../support/services.js';

const T0 = 1_700_000_000_000;
const MIN = 60_000;

function rule(over: Partial<AlertRule> & { name: string }): AlertRule {
  return {
    severity: 'warning',
    signal: 'disk_free_ratio',
    kind: 'sample',
    op: '<',
    threshold: 0.15,
    windowMs: null,
    forMs: 0,
    repeatIntervalMs: 60 * MIN,
    labels: {},
    summary: 'disk free {{value}} below {{threshold}}',
    ...over,
  };
}

let tmp: ReturnType<typeof tempDir>;
let store: Store;

beforeEach(async () => {
  tmp = tempDir('agentvisor-alerts-');
  store = await SqliteStore.open({ file: path.join(tmp.dir, 'agentvisor.db') });
  await migrate(store);
});
afterEach(async () => {
  await store.close();
  tmp.remove();
});

interface Harness {
  engine: AlertEngine;
  clock: ManualClock;
  sent: AlertNotification[];
  events: AlertEvent[];
  records: LedgerRecord[];
  errors: string[];
}

function harness(
  rules: AlertRule[],
  signals: SignalSource,
  options: { clock?: ManualClock; sent?: AlertNotification[]; retentionMs?: number } = {},
): Harness {
  const clock = options.clock ?? new ManualClock(T0);
  const sent = options.sent ?? [];
  const events: AlertEvent[] = [];
  const records: LedgerRecord[] = [];
  const errors: string[] = [];
  const engine = new AlertEngine({
    rules,
    signals,
    store,
    clock,
    notify: (n) => sent.push(n),
    ...(options.retentionMs === undefined ? {} : { resolvedRetentionMs: options.retentionMs }),
    ledger: {
      append: async (r) => {
        records.push(r);
        return { seq: records.length };
      },
    },
    onError: (e, context) => errors.push(`${context}: ${(e as Error).message}`),
  });
  engine.onAlert((e) => events.push(e));
  return { engine, clock, sent, events, records, errors };
}

const summary = (sent: AlertNotification[]) =>
  sent.map((n) => `${n.status}${n.repeat ? '+repeat' : ''}:${n.alert.rule}`);

describe('state machine', () => {
  it('goes pending, fires after `for`, repeats, and resolves once', async () => {
    let free = 0.05;
    const h = harness([rule({ name: 'disk', forMs: 5 * MIN })], {
      disk_free_ratio: () => free,
    });
    await h.engine.evaluate();
    expect(h.sent).toEqual([]);
    expect((await h.engine.list())[0]).toMatchObject({ state: 'pending', value: 0.05 });
    h.clock.advance(4 * MIN);
    await h.engine.evaluate();
    expect(h.sent).toEqual([]);
    h.clock.advance(MIN);
    const report = await h.engine.evaluate();
    expect(report).toMatchObject({ firing: 1, pending: 0, notified: 1 });
    expect(summary(h.sent)).toEqual(['firing:disk']);
    expect(h.sent[0]!.alert).toMatchObject({
      state: 'firing',
      summary: 'disk free 0.05 below 0.15',
      startedAt: new Date(T0).toISOString(),
      firedAt: new Date(T0 + 5 * MIN).toISOString(),
    });
    h.clock.advance(30 * MIN);
    await h.engine.evaluate();
    expect(h.sent).toHaveLength(1);
    h.clock.advance(30 * MIN);
    await h.engine.evaluate();
    expect(summary(h.sent)).toEqual(['firing:disk', 'firing+repeat:disk']);
    free = 0.5;
    h.clock.advance(MIN);
    await h.engine.evaluate();
    await h.engine.evaluate();
    h.clock.advance(120 * MIN);
    await h.engine.evaluate();
    expect(summary(h.sent)).toEqual(['firing:disk', 'firing+repeat:disk', 'resolved:disk']);
    const [view] = await h.engine.list();
    expect(view).toMatchObject({ state: 'resolved', notifications: 3 });
    expect(h.events.map((e) => e.transition)).toEqual(['pending', 'firing', 'repeat', 'resolved']);
    expect(h.records.map((r) => r.type)).toEqual(['alert.fired', 'alert.resolved']);
    expect(h.errors).toEqual([]);
  });

  it('drops a pending alert whose condition ends before `for`, without a word', async () => {
    let free = 0.05;
    const h = harness([rule({ name: 'disk', forMs: 5 * MIN })], { disk_free_ratio: () => free });
    await h.engine.evaluate();
    free = 0.9;
    h.clock.advance(MIN);
    await h.engine.evaluate();
    free = 0.05;
    h.clock.advance(MIN);
    await h.engine.evaluate();
    h.clock.advance(4 * MIN);
    await h.engine.evaluate();
    // The `for` clock restarted when the condition came back: 4 min is not enough.
    expect(h.sent).toEqual([]);
    expect(h.events.map((e) => e.transition)).toEqual(['pending', 'cleared', 'pending']);
    h.clock.advance(MIN);
    await h.engine.evaluate();
    expect(summary(h.sent)).toEqual(['firing:disk']);
  });

  it('deduplicates by rule and labels', async () => {
    const silent = new Map([
      ['coder', 300],
      ['planner', 500],
    ]);
    const h = harness(
      [
        rule({
          name: 'unresponsive',
          signal: 'agent_silence_seconds',
          op: '>',
          threshold: 120,
          labels: { team: 'core' },
          summary: 'agent {{agent}} silent',
        }),
      ],
      {
        agent_silence_seconds: () =>
          [...silent].map(([agent, value]) => ({ labels: { agent }, value })),
      },
    );
    await h.engine.evaluate();
    h.clock.advance(MIN);
    await h.engine.evaluate();
    expect(h.sent.map((n) => n.alert.summary).sort()).toEqual([
      'agent coder silent',
      'agent planner silent',
    ]);
    const alerts = await h.engine.list();
    expect(alerts).toHaveLength(2);
    expect(alerts.map((a) => a.fingerprint).sort()).toEqual(
      [
        alertFingerprint('unresponsive', { agent: 'coder', team: 'core' }),
        alertFingerprint('unresponsive', { team: 'core', agent: 'planner' }),
      ].sort(),
    );
    silent.delete('coder');
    h.clock.advance(MIN);
    await h.engine.evaluate();
    expect(h.sent.slice(2).map((n) => `${n.status} ${n.alert.labels['agent']}`)).toEqual([
      'resolved coder',
    ]);
  });

  it('compares with every operator', async () => {
    const ops = ['>', '>=', '<', '<=', '==', '!='] as const;
    const h = harness(
      ops.map((op, i) =>
        rule({ name: `r${i}`, signal: 'bus_dead_letters', op, threshold: 100, summary: op }),
      ),
      { bus_dead_letters: () => 100 },
    );
    await h.engine.evaluate();
    expect(h.sent.map((n) => n.alert.summary).sort()).toEqual(['<=', '==', '>='].sort());
  });
});

describe('persistence', () => {
  it('does not re-fire after a restart, and repeats on schedule', async () => {
    const rules = [rule({ name: 'disk' })];
    const signals = { disk_free_ratio: () => 0.01 };
    const sent: AlertNotification[] = [];
    const clock = new ManualClock(T0);
    await harness(rules, signals, { clock, sent }).engine.evaluate();
    clock.advance(10 * MIN);
    const second = harness(rules, signals, { clock, sent });
    await second.engine.evaluate();
    expect(summary(sent)).toEqual(['firing:disk']);
    clock.advance(50 * MIN);
    await second.engine.evaluate();
    expect(summary(sent)).toEqual(['firing:disk', 'firing+repeat:disk']);
  });

  it('keeps the `for` clock of a pending alert across a restart', async () => {
    const rules = [rule({ name: 'disk', forMs: 5 * MIN })];
    const signals = { disk_free_ratio: () => 0.01 };
    const clock = new ManualClock(T0);
    const sent: AlertNotification[] = [];
    await harness(rules, signals, { clock, sent }).engine.evaluate();
    clock.advance(5 * MIN);
    await harness(rules, signals, { clock, sent }).engine.evaluate();
    expect(summary(sent)).toEqual(['firing:disk']);
  });

  it('fires again for an alert resolved before the retention but not yet purged', async () => {
    let free = 0.01;
    const h = harness(
      [rule({ name: 'disk' })],
      { disk_free_ratio: () => free },
      { retentionMs: MIN },
    );
    await h.engine.evaluate();
    free = 0.9;
    await h.engine.evaluate();
    free = 0.01;
    h.clock.advance(2 * MIN);
    await h.engine.evaluate();
    expect(summary(h.sent)).toEqual(['firing:disk', 'resolved:disk', 'firing:disk']);
    expect(await h.engine.list()).toMatchObject([{ state: 'firing', notifications: 3 }]);
  });

  it('resolves alerts of a rule that was removed', async () => {
    const clock = new ManualClock(T0);
    const sent: AlertNotification[] = [];
    await harness(
      [rule({ name: 'old' })],
      { disk_free_ratio: () => 0.01 },
      { clock, sent },
    ).engine.evaluate();
    clock.advance(MIN);
    await harness(
      [rule({ name: 'new', threshold: 0 })],
      { disk_free_ratio: () => 0.01 },
      {
        clock,
        sent,
      },
    ).engine.evaluate();
    expect(summary(sent)).toEqual(['firing:old', 'resolved:old']);
  });
});

describe('event rules', () => {
  const ledger = rule({
    name: 'ledger_verification_failed',
    signal: 'ledger_verification_failed',
    kind: 'event',
    threshold: null,
    severity: 'critical',
    summary: 'ledger bad at {{value}}',
  });

  it('fires once however often raised, and resolves when cleared', async () => {
    const h = harness([ledger], {});
    await h.engine.raise(
      'ledger_verification_failed',
      {},
      {
        value: 42,
        annotations: { first_bad_seq: '42' },
      },
    );
    await h.engine.raise('ledger_verification_failed', {}, { value: 42 });
    await h.engine.evaluate();
    expect(summary(h.sent)).toEqual(['firing:ledger_verification_failed']);
    expect(h.sent[0]!.alert).toMatchObject({
      summary: 'ledger bad at 42',
      annotations: { first_bad_seq: '42' },
    });
    h.clock.advance(61 * MIN);
    await h.engine.evaluate();
    expect(h.sent).toHaveLength(2);
    await h.engine.clear('ledger_verification_failed');
    await h.engine.clear('ledger_verification_failed');
    await h.engine.evaluate();
    expect(summary(h.sent)).toEqual([
      'firing:ledger_verification_failed',
      'firing+repeat:ledger_verification_failed',
      'resolved:ledger_verification_failed',
    ]);
  });

  it('clears what an event reader no longer lists', async () => {
    const critical = new Set(['global', 'agent:a1']);
    const h = harness(
      [
        rule({
          name: 'budget_critical',
          signal: 'budget_critical',
          kind: 'event',
          threshold: null,
          summary: 'budget {{budget}}',
        }),
      ],
      {
        budget_critical: () =>
          [...critical].map((budget) => ({
            labels: { budget, limit: 'cost_per_day' },
            value: 0.97,
          })),
      },
    );
    await h.engine.raise('budget_critical', { budget: 'agent:a1', limit: 'cost_per_day' });
    // Raised: notified at once, before any evaluation.
    expect(summary(h.sent)).toEqual(['firing:budget_critical']);
    await h.engine.evaluate();
    expect(h.sent.map((n) => `${n.status} ${n.alert.labels['budget']}`).sort()).toEqual([
      'firing agent:a1',
      'firing global',
    ]);
    critical.clear();
    await h.engine.evaluate();
    expect(
      h.sent
        .slice(2)
        .map((n) => `${n.status} ${n.alert.labels['budget']}`)
        .sort(),
    ).toEqual(['resolved agent:a1', 'resolved global']);
  });

  it('refuses to raise a sampled rule and ignores a disabled one', async () => {
    const h = harness([rule({ name: 'disk' })], {});
    await expect(h.engine.raise('disk')).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(h.engine.raise('not_configured')).resolves.toBeUndefined();
  });
});

describe('robustness', () => {
  it('leaves alerts alone when a reader fails, and evaluates the other rules', async () => {
    let failing = false;
    const h = harness(
      [
        rule({ name: 'disk' }),
        rule({ name: 'dlq', signal: 'bus_dead_letters', op: '>', threshold: 1 }),
      ],
      {
        disk_free_ratio: () => {
          if (failing) throw new Error('statfs failed');
          return 0.01;
        },
        bus_dead_letters: () => 5,
      },
    );
    await h.engine.evaluate();
    failing = true;
    h.clock.advance(MIN);
    const report = await h.engine.evaluate();
    expect(report.skipped).toEqual(['disk']);
    expect(report.firing).toBe(2);
    expect(summary(h.sent).sort()).toEqual(['firing:disk', 'firing:dlq']);
    expect(h.errors).toEqual(['alert signal disk_free_ratio: statfs failed']);
  });

  it('holds back notifications while silenced, and sends the due repeat after', async () => {
    let free = 0.01;
    const h = harness([rule({ name: 'disk' })], { disk_free_ratio: () => free });
    await h.engine.evaluate();
    const [alert] = await h.engine.list();
    await h.engine.silence(alert!.fingerprint, 120 * MIN);
    h.clock.advance(90 * MIN);
    await h.engine.evaluate();
    expect(summary(h.sent)).toEqual(['firing:disk']);
    h.clock.advance(31 * MIN);
    await h.engine.evaluate();
    expect(summary(h.sent)).toEqual(['firing:disk', 'firing+repeat:disk']);
    await h.engine.silence(alert!.fingerprint, 1000 * MIN);
    free = 0.9;
    await h.engine.evaluate();
    expect(h.sent).toHaveLength(2);
    expect((await h.engine.list())[0]).toMatchObject({ state: 'resolved' });
    await expect(h.engine.silence('0'.repeat(64), 0)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});

describe('property: notifications follow the state machine, restarts change nothing', () => {
  it('holds for random condition sequences', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            holds: fc.boolean(),
            stepMin: fc.integer({ min: 1, max: 40 }),
            restart: fc.boolean(),
          }),
          { minLength: 1, maxLength: 25 },
        ),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 90 }),
        async (steps, forMin, repeatMin) => {
          run++;
          const outcomes: string[][] = [];
          for (const restarts of [false, true]) {
            // Each pass starts from an empty table (alerts of another pass's rule would be
            // resolved as a rule that no longer exists).
            await store.db.deleteFrom('alerts').execute();
            const name = `p${run}_${restarts ? 'r' : 'n'}`;
            const rules = [rule({ name, forMs: forMin * MIN, repeatIntervalMs: repeatMin * MIN })];
            let holds = false;
            const signals = { disk_free_ratio: () => (holds ? 0.01 : 0.9) };
            const clock = new ManualClock(T0);
            const sent: AlertNotification[] = [];
            let engine = harness(rules, signals, { clock, sent }).engine;
            // The reference: when the condition started holding (at evaluations), what was sent.
            let since: number | undefined;
            let firing = false;
            let lastSent = 0;
            for (const step of steps) {
              if (restarts && step.restart)
                engine = harness(rules, signals, { clock, sent }).engine;
              holds = step.holds;
              const before = sent.length;
              await engine.evaluate();
              const now = clock.now();
              const got = sent.slice(before).map((n) => `${n.status}${n.repeat ? '+' : ''}`);
              let expected: string[] = [];
              if (holds) {
                since ??= now;
                if (!firing && now - since >= forMin * MIN) {
                  firing = true;
                  lastSent = now;
                  expected = ['firing'];
                } else if (firing && now - lastSent >= repeatMin * MIN) {
                  lastSent = now;
                  expected = ['firing+'];
                }
              } else {
                if (firing) expected = ['resolved'];
                since = undefined;
                firing = false;
              }
              expect(got).toEqual(expected);
              clock.advance(step.stepMin * MIN);
            }
            outcomes.push(
              sent.map((n) => `${n.status}${n.repeat ? '+' : ''}@${n.alert.updatedAt}`),
            );
          }
          expect(outcomes[1]).toEqual(outcomes[0]);
        },
      ),
      { numRuns: 40 },
    );
  });
});

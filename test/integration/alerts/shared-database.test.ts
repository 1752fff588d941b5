/**
 * Several nodes on one database notify once. Two engines (two store handles, as two processes
 * would hold) evaluate the same rules at the same moments, on SQLite and on PostgreSQL: each
 * firing, repeat and resolution is claimed by exactly one of them, whichever wins the
 * conditional update, and a third engine started later (a restart) neither re-fires nor forgets.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AlertEngine, type AlertNotification, type AlertRule } from '../../../src/alerts/index.js';
import { ManualClock } from '../../../src/core/index.js';
import type { Store } from '../../../src/store/index.js';
import { type FreshStore, openFreshStore } from '../../support/fresh-store.js';
import { postgresAvailable } from '../../support/services.js';

const hasPostgres = await postgresAvailable();
const MIN = 60_000;

const rules: AlertRule[] = [
  {
    name: 'dlq',
    severity: 'warning',
    signal: 'bus_dead_letters',
    kind: 'sample',
    op: '>',
    threshold: 100,
    windowMs: null,
    forMs: 0,
    repeatIntervalMs: 30 * MIN,
    labels: {},
    summary: 'dlq {{value}}',
  },
  {
    name: 'backlog',
    severity: 'warning',
    signal: 'bus_queue_depth',
    kind: 'sample',
    op: '>',
    threshold: 100,
    windowMs: null,
    forMs: 2 * MIN,
    repeatIntervalMs: 30 * MIN,
    labels: {},
    summary: 'queue {{queue}}',
  },
];

describe.each([
  ['sqlite', true],
  ['postgres', hasPostgres],
] as const)('two engines on one %s database', (dialect, available) => {
  let fresh: FreshStore | undefined;
  const extra: Store[] = [];
  afterEach(async () => {
    for (const s of extra.splice(0)) await s.close();
    await fresh?.cleanup();
    fresh = undefined;
  });

  it.skipIf(!available)('notify once per firing, repeat and resolution', async () => {
    fresh = await openFreshStore(dialect);
    const second = await fresh.reopen();
    extra.push(second);
    const clock = new ManualClock(1_800_000_000_000);
    let high = true;
    const signals = {
      bus_dead_letters: () => (high ? 150 : 3),
      bus_queue_depth: () =>
        ['coder', 'planner'].map((queue) => ({ labels: { queue }, value: high ? 500 : 0 })),
    };
    const sent: Array<{ node: string; n: AlertNotification }> = [];
    const errors: string[] = [];
    const engine = (node: string, store: Store) =>
      new AlertEngine({
        rules,
        signals,
        store,
        clock,
        notify: (n) => sent.push({ node, n }),
        onError: (e, context) => errors.push(`${node} ${context}: ${(e as Error).message}`),
      });
    const a = engine('a', fresh.store);
    const b = engine('b', second);
    const both = async () => {
      await Promise.all([a.evaluate(), b.evaluate(), a.evaluate(), b.evaluate()]);
    };
    const got = () =>
      sent
        .map(
          ({ n }) =>
            `${n.status}${n.repeat ? '+' : ''}:${n.alert.rule}:${n.alert.labels['queue'] ?? ''}`,
        )
        .sort();

    await both();
    expect(got()).toEqual(['firing:dlq:']);
    clock.advance(2 * MIN);
    await both();
    expect(got()).toEqual(['firing:backlog:coder', 'firing:backlog:planner', 'firing:dlq:']);
    clock.advance(30 * MIN);
    await both();
    expect(got()).toHaveLength(6);
    expect(got().filter((s) => s.startsWith('firing+'))).toHaveLength(3);
    // A node that starts now (a restart) sees the alerts as they are.
    const later = await fresh.reopen();
    extra.push(later);
    const c = engine('c', later);
    await c.evaluate();
    expect(got()).toHaveLength(6);
    high = false;
    clock.advance(MIN);
    await Promise.all([both(), c.evaluate()]);
    expect(got().filter((s) => s.startsWith('resolved'))).toEqual([
      'resolved:backlog:coder',
      'resolved:backlog:planner',
      'resolved:dlq:',
    ]);
    expect(got()).toHaveLength(9);
    expect(errors).toEqual([]);
  });
});

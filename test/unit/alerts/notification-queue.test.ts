/**
 * The notification queue with in-memory notifiers: enqueue never waits, failures are retried
 * with backoff and each attempt recorded, a notifier that never succeeds is given up on without
 * holding up the others, order is kept per notifier, severity filters apply, a full queue drops
 * the oldest, and no record or log line carries a notifier's secret.
 */
import { describe, expect, it } from 'vitest';
import {
  type AlertNotification,
  type DeliveryRecord,
  NotificationQueue,
  type Notifier,
} from '../../../src/alerts/index.js';
import type { AlertSeverity, LedgerRecord } from '../../../src/core/index.js';

const SECRET_URL = 'https://hooks.example.test/services/T000/B000/s3cretT0kenValue';

function notification(
  rule: string,
  status: 'firing' | 'resolved' = 'firing',
  severity: AlertSeverity = 'warning',
): AlertNotification {
  return {
    kind: 'alert.notification',
    status,
    repeat: false,
    alert: {
      kind: 'alert',
      fingerprint: rule.padEnd(64, '0'),
      rule,
      severity,
      state: status,
      labels: {},
      value: 1,
      summary: rule,
      annotations: {},
      startedAt: new Date(0).toISOString(),
      firedAt: new Date(0).toISOString(),
      resolvedAt: null,
      updatedAt: new Date(0).toISOString(),
      lastNotifiedAt: null,
      notifications: 1,
      silencedUntil: null,
    },
  };
}

function fakeNotifier(
  name: string,
  behaviour: (n: AlertNotification, attempt: number) => Promise<void> | void,
  minSeverity: AlertSeverity = 'info',
): Notifier & { got: string[] } {
  const got: string[] = [];
  const attempts = new Map<string, number>();
  return {
    name,
    type: 'fake',
    minSeverity,
    target: 'memory',
    secrets: [SECRET_URL],
    got,
    async send(n) {
      const key = `${n.alert.rule}:${n.status}`;
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      await behaviour(n, attempt);
      got.push(key);
    },
  };
}

function queueWith(notifiers: Notifier[], options: { capacity?: number } = {}) {
  const records: DeliveryRecord[] = [];
  const ledger: LedgerRecord[] = [];
  const logs: string[] = [];
  const queue = new NotificationQueue({
    notifiers,
    maxAttempts: 3,
    initialBackoffMs: 1,
    maxBackoffMs: 5,
    ...options,
    onRecord: (r) => records.push(r),
    ledger: {
      append: async (r) => {
        ledger.push(r);
        return { seq: ledger.length };
      },
    },
    log: {
      info: (fields, message) => logs.push(`${message} ${JSON.stringify(fields)}`),
      warn: (fields, message) => logs.push(`${message} ${JSON.stringify(fields)}`),
    },
  });
  return { queue, records, ledger, logs };
}

describe('NotificationQueue', () => {
  it('retries a failing notifier with backoff and records every attempt', async () => {
    const flaky = fakeNotifier('flaky', (_n, attempt) => {
      if (attempt < 3) throw new Error(`POST ${SECRET_URL} answered HTTP 500`);
    });
    const { queue, records, ledger, logs } = queueWith([flaky]);
    queue.enqueue(notification('disk'));
    await queue.idle();
    expect(flaky.got).toEqual(['disk:firing']);
    expect(records.map((r) => `${r.attempt}:${r.outcome}`)).toEqual([
      '1:failed',
      '2:failed',
      '3:delivered',
    ]);
    expect(ledger.map((e) => e.type)).toEqual(['alert.notify', 'alert.notify', 'alert.notify']);
    expect(records[0]!.error).toBe('POST [redacted] answered HTTP 500');
    const everything = JSON.stringify({ records, ledger, logs });
    expect(everything).not.toContain('s3cretT0kenValue');
    expect(queue.stats()).toMatchObject({ delivered: 1, failedAttempts: 2, gaveUp: 0 });
  });

  it('gives up after max attempts without holding up another notifier', async () => {
    const dead = fakeNotifier('dead', () => {
      throw new Error('connection refused');
    });
    const ok = fakeNotifier('ok', () => {});
    const { queue, records, logs } = queueWith([dead, ok]);
    queue.enqueue(notification('a'));
    queue.enqueue(notification('a', 'resolved'));
    await queue.idle();
    expect(ok.got).toEqual(['a:firing', 'a:resolved']);
    expect(
      records
        .filter((r) => r.notifier === 'dead')
        .map((r) => `${r.status}:${r.attempt}:${r.outcome}`),
    ).toEqual([
      'firing:1:failed',
      'firing:2:failed',
      'firing:3:failed',
      'firing:3:gave_up',
      'resolved:1:failed',
      'resolved:2:failed',
      'resolved:3:failed',
      'resolved:3:gave_up',
    ]);
    expect(logs.some((l) => l.startsWith('alert notification not delivered'))).toBe(true);
  });

  it('returns from enqueue before any delivery starts', async () => {
    let release: () => void = () => {};
    const slow = fakeNotifier(
      'slow',
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    );
    const { queue } = queueWith([slow]);
    const started = performance.now();
    for (let i = 0; i < 100; i++) queue.enqueue(notification(`r${i}`));
    expect(performance.now() - started).toBeLessThan(50);
    expect(slow.got).toEqual([]);
    await new Promise((r) => setTimeout(r, 10));
    release();
    await queue.close();
  });

  it('keeps order per notifier, filters by severity, drops the oldest when full', async () => {
    const critical = fakeNotifier('pager', () => {}, 'critical');
    const all = fakeNotifier('all', () => {});
    const { queue, records } = queueWith([critical, all], { capacity: 2 });
    queue.enqueue(notification('w1', 'firing', 'warning'));
    queue.enqueue(notification('c1', 'firing', 'critical'));
    queue.enqueue(notification('c1', 'resolved', 'critical'));
    await queue.idle();
    expect(critical.got).toEqual(['c1:firing', 'c1:resolved']);
    // The worker had not started when the third arrived: the oldest of "all" was dropped.
    expect(all.got).toEqual(['c1:firing', 'c1:resolved']);
    expect(
      records.filter((r) => r.outcome === 'dropped').map((r) => `${r.notifier}:${r.rule}`),
    ).toEqual(['all:w1']);
  });
});

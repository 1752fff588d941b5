/**
 * @module What people and receivers see of an alert: the API's and the CLI's view, the events
 * the dashboard listens to, and the notifications the notifiers send. Plain readonly data
 * discriminated by `kind`, with times as ISO-8601 strings.
 */
import type { AlertSeverity } from '../core/index.js';
import type { AlertTable } from '../store/index.js';
import type { AlertLabels } from './alert-rule.js';

/** An alert's state. `inactive` is never stored: it is what a pending alert that cleared becomes. */
export type AlertState = 'pending' | 'firing' | 'resolved';

/** One alert. */
export interface AlertView {
  readonly kind: 'alert';
  readonly fingerprint: string;
  readonly rule: string;
  readonly severity: AlertSeverity;
  readonly state: AlertState;
  readonly labels: AlertLabels;
  /** The signal's value at the last evaluation (an event's value for event alerts). */
  readonly value: number | null;
  readonly summary: string;
  readonly annotations: Readonly<Record<string, string>>;
  /** When the condition became true. */
  readonly startedAt: string;
  readonly firedAt: string | null;
  readonly resolvedAt: string | null;
  readonly updatedAt: string;
  readonly lastNotifiedAt: string | null;
  readonly notifications: number;
  /** Notifications are held back until then; `null` when not silenced. */
  readonly silencedUntil: string | null;
}

/** What changed, for in-process listeners (the dashboard). */
export type AlertTransition = 'pending' | 'firing' | 'repeat' | 'resolved' | 'cleared';

/** An alert changed state in this process (`cleared`: a pending alert whose condition ended). */
export interface AlertEvent {
  readonly kind: 'alert.event';
  readonly transition: AlertTransition;
  readonly alert: AlertView;
}

/** A notification to send: an alert fired, fires still (a repeat), or resolved. */
export interface AlertNotification {
  readonly kind: 'alert.notification';
  readonly status: 'firing' | 'resolved';
  /** A firing alert notified again after its repeat interval. */
  readonly repeat: boolean;
  readonly alert: AlertView;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function parseObject(text: string): Record<string, string> {
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' ? (value as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/** The view of a stored row. */
export function alertViewOf(row: AlertTable): AlertView {
  return {
    kind: 'alert',
    fingerprint: row.fingerprint,
    rule: row.rule,
    severity: row.severity as AlertSeverity,
    state: row.state as AlertState,
    labels: parseObject(row.labels),
    value: row.value === null ? null : Number(row.value),
    summary: row.summary,
    annotations: parseObject(row.annotations),
    startedAt: iso(Number(row.started_at)) as string,
    firedAt: iso(row.fired_at === null ? null : Number(row.fired_at)),
    resolvedAt: iso(row.resolved_at === null ? null : Number(row.resolved_at)),
    updatedAt: iso(Number(row.updated_at)) as string,
    lastNotifiedAt: iso(row.notified_at === null ? null : Number(row.notified_at)),
    notifications: Number(row.notifications),
    silencedUntil: iso(row.silenced_until === null ? null : Number(row.silenced_until)),
  };
}

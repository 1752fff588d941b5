/**
 * @module The `Notifier` seam: where alert notifications go (a webhook, an email address; the
 * dashboard listens in-process instead). A notifier sends one notification per call and throws
 * when it was not delivered; retries, timeouts between attempts and records are the queue's
 * job. Also the plain-text rendering every notifier shares.
 */
import type { AlertSeverity } from '../core/index.js';
import { formatValue } from './alert-rule.js';
import type { AlertNotification } from './alert-view.js';

/** A destination for notifications. */
export interface Notifier {
  readonly name: string;
  /** `webhook`, `email` ... */
  readonly type: string;
  /** Notifications of alerts below this severity are not sent here. */
  readonly minSeverity: AlertSeverity;
  /** Where it sends, safe to show (a URL's origin, a mail server). */
  readonly target: string;
  /** Values that must never appear in logs, errors or records (tokens, passwords). */
  readonly secrets: readonly string[];
  /** One attempt; rejects when the notification was not accepted. */
  send(notification: AlertNotification, signal: AbortSignal): Promise<void>;
  /** Releases connections. */
  close?(): Promise<void>;
}

const RANK: Record<AlertSeverity, number> = { critical: 0, warning: 1, info: 2 };

/** True when `severity` is at least as urgent as `minimum`. */
export function severityAtLeast(severity: AlertSeverity, minimum: AlertSeverity): boolean {
  return RANK[severity] <= RANK[minimum];
}

/** `[FIRING:critical] agent_unresponsive agent=coder` (or `RESOLVED`). */
export function notificationTitle(n: AlertNotification): string {
  const labels = Object.entries(n.alert.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const status = n.status === 'firing' ? 'FIRING' : 'RESOLVED';
  return `[${status}:${n.alert.severity}] ${n.alert.rule}${labels === '' ? '' : ` ${labels}`}`;
}

/** The notification as plain text lines (title, summary, then the facts). */
export function notificationLines(n: AlertNotification): string[] {
  const a = n.alert;
  const lines = [notificationTitle(n), a.summary, ''];
  lines.push(`rule:      ${a.rule}`, `severity:  ${a.severity}`);
  for (const [k, v] of Object.entries(a.labels)) lines.push(`${k}: ${v}`);
  if (a.value !== null) lines.push(`value:     ${formatValue(a.value)}`);
  lines.push(`since:     ${a.firedAt ?? a.startedAt}`);
  if (n.status === 'resolved' && a.resolvedAt !== null) lines.push(`resolved:  ${a.resolvedAt}`);
  if (n.repeat) lines.push('(repeated: the alert is still firing)');
  for (const [k, v] of Object.entries(a.annotations)) lines.push(`${k}: ${v}`);
  lines.push(`fingerprint: ${a.fingerprint}`);
  return lines;
}

/**
 * @module An alerting rule as the engine runs it: the configured rule (`alerts.rules.<name>`)
 * with its durations in milliseconds, plus the three small functions every part of the module
 * agrees on: how a value is compared with the threshold, how an alert is identified (a
 * fingerprint of the rule and its labels, as Alertmanager deduplicates), and how a summary
 * template is filled in.
 */
import { createHash } from 'node:crypto';
import {
  ALERT_SIGNALS,
  type AlertComparison,
  type AlertSeverity,
  type AlertSignalKind,
  type AlertSignalName,
  type AlertsConfig,
} from '../core/index.js';

/** Labels of an alert or a signal sample: names to values. */
export type AlertLabels = Readonly<Record<string, string>>;

/** One rule, ready to evaluate. */
export interface AlertRule {
  readonly name: string;
  readonly severity: AlertSeverity;
  readonly signal: AlertSignalName;
  /** `sample`: compared with the threshold at every evaluation; `event`: raised and cleared. */
  readonly kind: AlertSignalKind;
  readonly op: AlertComparison;
  /** `null` for event rules. */
  readonly threshold: number | null;
  /** The window of a windowed signal; `null` otherwise. */
  readonly windowMs: number | null;
  /** How long the condition must hold before the alert fires. */
  readonly forMs: number;
  /** How often a firing alert is notified again. */
  readonly repeatIntervalMs: number;
  /** Added to every alert of the rule. */
  readonly labels: AlertLabels;
  /** `{{label}}`, `{{value}}` and `{{threshold}}` are filled in. */
  readonly summary: string;
}

/**
 * The enabled rules of a parsed `alerts` section, in name order.
 *
 * @example
 * const rules = alertRulesFromConfig(config.alerts);
 * rules.find((r) => r.name === 'disk_space_low')?.threshold; // 0.15
 */
export function alertRulesFromConfig(config: AlertsConfig): AlertRule[] {
  return Object.entries(config.rules)
    .filter(([, r]) => r.enabled)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, r]) => ({
      name,
      severity: r.severity,
      signal: r.signal,
      kind: ALERT_SIGNALS[r.signal].kind,
      op: r.op,
      threshold: r.threshold,
      windowMs: r.window,
      forMs: r.for,
      repeatIntervalMs: r.repeat_interval,
      labels: { ...r.labels },
      summary: r.summary,
    }));
}

/** True when `value op threshold` holds. NaN never holds. */
export function compare(op: AlertComparison, value: number, threshold: number): boolean {
  switch (op) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '==':
      return value === threshold;
    case '!=':
      return !Number.isNaN(value) && value !== threshold;
  }
}

/** Labels sorted by name, so equal label sets serialise equally. */
export function sortedLabels(labels: AlertLabels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(labels).sort()) out[key] = labels[key] as string;
  return out;
}

/**
 * The identity of an alert: SHA-256 (hex) of the rule name and its sorted labels. Two
 * evaluations, two nodes or two process lifetimes that see the same rule and labels name the
 * same alert.
 */
export function alertFingerprint(rule: string, labels: AlertLabels): string {
  return createHash('sha256')
    .update(JSON.stringify([rule, Object.entries(sortedLabels(labels))]))
    .digest('hex');
}

/** A value as people read it: integers as they are, others to four significant digits. */
export function formatValue(value: number | null): string {
  if (value === null) return '';
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(4)));
}

/**
 * Fills a summary template: `{{name}}` becomes the label's value, `{{value}}` the signal's
 * value, `{{threshold}}` the rule's threshold; an unknown name becomes empty.
 */
export function renderSummary(
  template: string,
  labels: AlertLabels,
  value: number | null,
  threshold: number | null,
): string {
  return template.replace(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_m, name: string) => {
    if (name === 'value') return formatValue(value);
    if (name === 'threshold') return formatValue(threshold);
    return labels[name] ?? '';
  });
}

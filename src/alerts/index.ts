/**
 * @module Alerts (issue 9; seed 002 "Alerting Rules"): rules over named signals evaluated by an
 * engine whose state lives in the store (pending → firing → resolved, deduplicated, repeated),
 * notifiers (webhook with a Slack-compatible body, email over SMTP, in-process listeners for
 * the dashboard) behind a retrying queue, the kernel operations, and the same rules as a
 * Prometheus alerting-rules file.
 */

// Rules and the engine
export { notifiersFromConfig } from './alert-config.js';
export {
  AlertEngine,
  type AlertEngineOptions,
  type AlertListOptions,
  type EvaluationReport,
  type RaiseOptions,
} from './alert-engine.js';
// Kernel operations
export { alertsListArgs, alertsSilenceArgs, registerAlertOperations } from './alert-operations.js';
export {
  type AlertLabels,
  type AlertRule,
  alertFingerprint,
  alertRulesFromConfig,
  compare,
  formatValue,
  renderSummary,
} from './alert-rule.js';
export type {
  AlertEvent,
  AlertNotification,
  AlertState,
  AlertTransition,
  AlertView,
} from './alert-view.js';
// Windows over telemetry
export { type CounterValues, CounterWindow } from './counter-window.js';
// Notifiers
export { EmailNotifier, type EmailNotifierOptions } from './email-notifier.js';
export { LatencyWindow } from './latency-window.js';
export {
  type AlertLog,
  type DeliveryOutcome,
  type DeliveryRecord,
  type DeliveryStats,
  NotificationQueue,
  type NotificationQueueOptions,
} from './notification-queue.js';
export {
  type Notifier,
  notificationLines,
  notificationTitle,
  severityAtLeast,
} from './notifier.js';
// Prometheus export
export {
  type PrometheusRule,
  type PrometheusRuleFile,
  prometheusAlertName,
  prometheusExpression,
  prometheusRules,
  prometheusRulesYaml,
  SIGNAL_LABELS,
  SIGNAL_METRICS,
} from './prometheus-rules.js';
export { displayUrl, scrubSecrets, urlSecrets } from './secret-redaction.js';
export {
  type SignalQuery,
  type SignalReader,
  type SignalReading,
  type SignalSample,
  type SignalSource,
  samplesOf,
} from './signal-source.js';
export {
  alertmanagerPayload,
  slackPayload,
  WebhookNotifier,
  type WebhookNotifierOptions,
} from './webhook-notifier.js';

/**
 * @module The rules as a Prometheus alerting-rules file, for people who run Prometheus and
 * Alertmanager against `GET /metrics`. Each signal maps to a PromQL expression over metrics
 * the node really exports (the telemetry registry's, plus the gauges the alert system feeds
 * it), so a rule fires in Prometheus when it fires here. Checked by `promtool check rules` and
 * `promtool test rules` in the integration suite.
 */
import { stringify } from 'yaml';
import { type AlertSignalName, formatDuration } from '../core/index.js';
import { type AlertRule, formatValue } from './alert-rule.js';

/** Metric names the expressions use, by signal (the registry must export each of them). */
export const SIGNAL_METRICS: Readonly<Record<AlertSignalName, readonly string[]>> = {
  agent_silence_seconds: ['agentvisor_agent_heartbeat_timestamp_seconds'],
  agent_error_ratio: ['agentvisor_agent_ops_total'],
  bus_queue_depth: ['agentvisor_bus_queue_depth'],
  api_latency_p95_seconds: ['api_request_duration_seconds_bucket'],
  llm_cost_usd: ['llm_cost_dollars_total'],
  disk_free_ratio: ['agentvisor_disk_free_ratio'],
  bus_dead_letters: ['agentvisor_bus_dead_letters'],
  ledger_verification_failed: ['agentvisor_ledger_verification_failed'],
  budget_critical: ['agentvisor_budget_critical'],
};

/** The labels each signal's series carry (what `{{name}}` in a summary can refer to). */
export const SIGNAL_LABELS: Readonly<Record<AlertSignalName, readonly string[]>> = {
  agent_silence_seconds: ['agent'],
  agent_error_ratio: ['agent'],
  bus_queue_depth: ['queue'],
  api_latency_p95_seconds: [],
  llm_cost_usd: [],
  disk_free_ratio: [],
  bus_dead_letters: [],
  ledger_verification_failed: [],
  budget_critical: ['budget', 'limit'],
};

/** The PromQL value of a signal over a window (`[5m]`). */
function signalExpression(signal: AlertSignalName, window: string): string {
  switch (signal) {
    case 'agent_silence_seconds':
      return 'time() - agentvisor_agent_heartbeat_timestamp_seconds';
    case 'agent_error_ratio':
      return `(sum by (agent) (rate(agentvisor_agent_ops_total{outcome="error"}[${window}])) / sum by (agent) (rate(agentvisor_agent_ops_total[${window}])))`;
    case 'bus_queue_depth':
      return 'agentvisor_bus_queue_depth';
    case 'api_latency_p95_seconds':
      return `histogram_quantile(0.95, sum by (le) (rate(api_request_duration_seconds_bucket[${window}])))`;
    case 'llm_cost_usd':
      return `sum(increase(llm_cost_dollars_total[${window}]))`;
    case 'disk_free_ratio':
      return 'agentvisor_disk_free_ratio';
    case 'bus_dead_letters':
      return 'agentvisor_bus_dead_letters';
    case 'ledger_verification_failed':
      return 'agentvisor_ledger_verification_failed';
    case 'budget_critical':
      return 'agentvisor_budget_critical';
  }
}

/** `agent_unresponsive` → `AgentUnresponsive` (Prometheus' naming for alerts). */
export function prometheusAlertName(rule: string): string {
  return rule
    .split('_')
    .filter((p) => p !== '')
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join('');
}

/** A rule's PromQL condition. */
export function prometheusExpression(rule: AlertRule): string {
  const base = signalExpression(rule.signal, formatDuration(rule.windowMs ?? 300_000));
  // An event signal's gauge is non-zero (the event's value) while the alert is raised.
  if (rule.kind === 'event') return `${base} > 0`;
  return `${base} ${rule.op} ${formatValue(rule.threshold)}`;
}

/** A summary template in Go template syntax: labels, `$value`, the threshold written in. */
export function prometheusSummary(rule: AlertRule): string {
  const known = new Set([...SIGNAL_LABELS[rule.signal], ...Object.keys(rule.labels)]);
  return rule.summary.replace(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_m, name: string) => {
    if (name === 'value') return '{{ $value }}';
    if (name === 'threshold') return formatValue(rule.threshold);
    return known.has(name) ? `{{ $labels.${name} }}` : '';
  });
}

/** One rule of the file. */
export interface PrometheusRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** The rules file's content. */
export interface PrometheusRuleFile {
  readonly groups: ReadonlyArray<{
    readonly name: string;
    readonly rules: readonly PrometheusRule[];
  }>;
}

/**
 * The rules as a Prometheus rules file.
 *
 * @example
 * writeFileSync('agentvisor-alerts.yml', prometheusRulesYaml(alertRulesFromConfig(config.alerts)));
 */
export function prometheusRules(rules: readonly AlertRule[]): PrometheusRuleFile {
  return {
    groups: [
      {
        name: 'agentvisor',
        rules: rules.map((rule) => ({
          alert: prometheusAlertName(rule.name),
          expr: prometheusExpression(rule),
          ...(rule.forMs > 0 ? { for: formatDuration(rule.forMs) } : {}),
          labels: { severity: rule.severity, ...rule.labels },
          annotations: { summary: prometheusSummary(rule), rule: rule.name },
        })),
      },
    ],
  };
}

/** {@link prometheusRules} as YAML text, with a header saying where it came from. */
export function prometheusRulesYaml(rules: readonly AlertRule[]): string {
  return `# Prometheus alerting rules exported by \`agentvisor alerts rules\` from the alerts config.\n# Load with rule_files: in prometheus.yml; check with \`promtool check rules FILE\`.\n${stringify(prometheusRules(rules), { lineWidth: 0 })}`;
}

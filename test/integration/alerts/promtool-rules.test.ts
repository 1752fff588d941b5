/**
 * The exported Prometheus alerting rules pass Prometheus' own tools: `promtool check rules` (the
 * file is valid) and `promtool test rules` (each default rule fires, with its labels and summary,
 * on series shaped like what `/metrics` exports, and stays quiet before its `for`). Without
 * promtool the suite skips with the reason, except under `AGENTVISOR_REQUIRE_SERVICES=1` (CI).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  alertRulesFromConfig,
  type PrometheusRule,
  prometheusRules,
  prometheusRulesYaml,
} from '../../../src/alerts/index.js';
import { configSchema, ManualClock } from '../../../src/core/index.js';
import { MetricsRegistry, TelemetryAggregator } from '../../../src/telemetry/index.js';
import { tempDir } from '../../support/services.js';

const PROMTOOL = '/usr/bin/promtool';

function promtoolAvailable(): boolean {
  if (existsSync(PROMTOOL)) return true;
  const reason = `${PROMTOOL} not found (Debian package "prometheus")`;
  if (process.env['AGENTVISOR_REQUIRE_SERVICES'] === '1') {
    throw new Error(`AGENTVISOR_REQUIRE_SERVICES=1 but ${reason}`);
  }
  console.warn(`[skip] promtool rules checks skipped: ${reason}`);
  return false;
}

const rules = alertRulesFromConfig(configSchema.parse({}).alerts);
const exported = prometheusRules(rules).groups[0]!.rules;
const byAlert = new Map<string, PrometheusRule>(exported.map((r) => [r.alert, r]));

/** The annotations Prometheus renders for `alert` with these labels and this value. */
function expectedAnnotations(alert: string, labels: Record<string, string>, value: string) {
  const rule = byAlert.get(alert)!;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(rule.annotations)) {
    out[k] = v
      .replace(/\{\{ \$labels\.([a-z_]+) \}\}/g, (_m, name: string) => labels[name] ?? '')
      .replace(/\{\{ \$value \}\}/g, value);
  }
  return out;
}

interface Case {
  alert: string;
  /** Series labels of the alert (besides alertname and the rule's labels). */
  labels: Record<string, string>;
  /** When it fires (`eval_time`), and one minute earlier it must not (when it has a `for`). */
  at: string;
  quietAt?: string;
  value?: string;
}

const cases: Case[] = [
  { alert: 'AgentUnresponsive', labels: { agent: 'coder' }, at: '5m' },
  { alert: 'AgentErrorRate', labels: { agent: 'coder' }, at: '8m', quietAt: '4m' },
  { alert: 'QueueBacklog', labels: { queue: 'coder' }, at: '12m', quietAt: '9m' },
  { alert: 'ApiLatencyP95', labels: {}, at: '8m', quietAt: '4m' },
  { alert: 'LlmCostSpike', labels: {}, at: '20m' },
  { alert: 'DiskSpaceLow', labels: {}, at: '8m', quietAt: '4m' },
  { alert: 'DeadLetterQueue', labels: {}, at: '2m' },
  { alert: 'LedgerVerificationFailed', labels: {}, at: '2m', value: '42' },
  {
    alert: 'BudgetCritical',
    labels: { budget: 'global', limit: 'cost_per_day' },
    at: '2m',
    value: '0.97',
  },
];

describe.skipIf(!promtoolAvailable())('promtool and the exported rules', () => {
  const tmp = tempDir('agentvisor-promtool-rules-');
  afterAll(() => tmp.remove());
  const rulesFile = path.join(tmp.dir, 'agentvisor-alerts.yml');

  it('passes promtool check rules', () => {
    writeFileSync(rulesFile, prometheusRulesYaml(rules));
    const result = spawnSync(PROMTOOL, ['check', 'rules', rulesFile], { encoding: 'utf8' });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('the gauges the rules watch pass promtool check metrics', async () => {
    const telemetry = new TelemetryAggregator({ clock: new ManualClock(1_800_000_000_000) });
    const registry = new MetricsRegistry({
      telemetry,
      runtime: {
        agentHeartbeats: () => [{ agent: 'coder', atMs: 1_800_000_000_000 }],
        busQueues: async () => [{ queue: 'coder', depth: 3 }],
        deadLetters: async () => 2,
        diskFreeRatio: async () => 0.42,
        ledgerVerificationFailed: () => 0,
        budgetsCritical: () => [{ budget: 'global', limit: 'cost_per_day', fraction: 0.97 }],
        alerts: () => [
          { alertname: 'disk_space_low', severity: 'critical', state: 'firing', count: 1 },
        ],
      },
    });
    const { body } = await registry.renderMetrics();
    const result = spawnSync(PROMTOOL, ['check', 'metrics'], { input: body, encoding: 'utf8' });
    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({
      status: 0,
      stdout: '',
      stderr: '',
    });
    expect(body).toContain('agentvisor_bus_queue_depth{queue="coder"} 3');
  });

  it('passes promtool test rules: every default rule fires on matching series', () => {
    writeFileSync(rulesFile, prometheusRulesYaml(rules));
    // One sample a minute for 30 minutes; the shapes are what /metrics exports.
    const series = [
      // Heartbeat at time 0 and never again: silent for more than 120 s from 3m on.
      { series: 'agentvisor_agent_heartbeat_timestamp_seconds{agent="coder"}', values: '0x30' },
      // 6 errors and 30 successes a minute: an error ratio of 1/6.
      { series: 'agentvisor_agent_ops_total{agent="coder",outcome="error"}', values: '0+6x30' },
      { series: 'agentvisor_agent_ops_total{agent="coder",outcome="ok"}', values: '0+30x30' },
      { series: 'agentvisor_bus_queue_depth{queue="coder"}', values: '150x30' },
      // Every request took between 5 and 10 s.
      { series: 'api_request_duration_seconds_bucket{le="1"}', values: '0x30' },
      { series: 'api_request_duration_seconds_bucket{le="5"}', values: '0x30' },
      { series: 'api_request_duration_seconds_bucket{le="10"}', values: '0+10x30' },
      { series: 'api_request_duration_seconds_bucket{le="+Inf"}', values: '0+10x30' },
      // One dollar a minute.
      { series: 'llm_cost_dollars_total{provider="p",model="m"}', values: '0+1x30' },
      { series: 'agentvisor_disk_free_ratio', values: '0.1x30' },
      { series: 'agentvisor_bus_dead_letters', values: '150x30' },
      { series: 'agentvisor_ledger_verification_failed', values: '42x30' },
      {
        series: 'agentvisor_budget_critical{budget="global",limit="cost_per_day"}',
        values: '0.97x30',
      },
    ];
    const alertRuleTests = cases.flatMap((c) => {
      const rule = byAlert.get(c.alert);
      if (rule === undefined) throw new Error(`no exported rule ${c.alert}`);
      const firing = {
        eval_time: c.at,
        alertname: c.alert,
        exp_alerts: [
          {
            exp_labels: { ...rule.labels, ...c.labels },
            exp_annotations: expectedAnnotations(c.alert, c.labels, c.value ?? ''),
          },
        ],
      };
      return c.quietAt === undefined
        ? [firing]
        : [{ eval_time: c.quietAt, alertname: c.alert, exp_alerts: [] }, firing];
    });
    const testFile = path.join(tmp.dir, 'alerts.test.yml');
    writeFileSync(
      testFile,
      stringify({
        rule_files: [rulesFile],
        evaluation_interval: '1m',
        tests: [{ interval: '1m', input_series: series, alert_rule_test: alertRuleTests }],
      }),
    );
    const result = spawnSync(PROMTOOL, ['test', 'rules', testFile], { encoding: 'utf8' });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('SUCCESS');
    expect(cases.map((c) => c.alert).sort()).toEqual([...byAlert.keys()].sort());
  });
});

/**
 * The alerts' smaller parts: the config section (defaults, overrides, errors that name the path
 * and what is allowed), the latency and counter windows, the Prometheus export (every metric it
 * names is one `/metrics` exports), the webhook bodies, secret scrubbing and the CLI's
 * `alerts rules`.
 */
import { describe, expect, it } from 'vitest';
import {
  type AlertNotification,
  alertmanagerPayload,
  alertRulesFromConfig,
  CounterWindow,
  displayUrl,
  LatencyWindow,
  notifiersFromConfig,
  prometheusRules,
  SIGNAL_METRICS,
  scrubSecrets,
  slackPayload,
  urlSecrets,
} from '../../../src/alerts/index.js';
import { runCli } from '../../../src/cli/program.js';
import {
  AgentvisorError,
  configSchema,
  DEFAULT_ALERT_RULES,
  formatDuration,
  ManualClock,
  parseDuration,
  validateConfig,
} from '../../../src/core/index.js';
import { MetricsRegistry, TelemetryAggregator } from '../../../src/telemetry/index.js';

function configProblem(alerts: unknown): string {
  try {
    validateConfig({ alerts });
  } catch (error) {
    expect(error).toBeInstanceOf(AgentvisorError);
    expect((error as AgentvisorError).code).toBe('CONFIG_INVALID');
    return (error as AgentvisorError).message;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('alerts config', () => {
  it('has the seed defaults', () => {
    const rules = alertRulesFromConfig(configSchema.parse({}).alerts);
    const byName = Object.fromEntries(rules.map((r) => [r.name, r]));
    expect(Object.keys(byName).sort()).toEqual(Object.keys(DEFAULT_ALERT_RULES).sort());
    expect(byName['agent_unresponsive']).toMatchObject({ threshold: 120, forMs: 0 });
    expect(byName['agent_error_rate']).toMatchObject({ threshold: 0.1, windowMs: 300_000 });
    expect(byName['queue_backlog']).toMatchObject({ threshold: 100, forMs: 600_000 });
    expect(byName['api_latency_p95']).toMatchObject({ threshold: 5 });
    expect(byName['llm_cost_spike']).toMatchObject({ threshold: 10, windowMs: 3_600_000 });
    expect(byName['disk_space_low']).toMatchObject({ op: '<', threshold: 0.15 });
    expect(byName['dead_letter_queue']).toMatchObject({ threshold: 100 });
    expect(byName['ledger_verification_failed']).toMatchObject({ kind: 'event', threshold: null });
    expect(byName['budget_critical']).toMatchObject({ kind: 'event', severity: 'critical' });
  });

  it('overrides one field of a default and adds new rules', () => {
    const config = validateConfig({
      alerts: {
        evaluation_interval: '30s',
        rules: {
          disk_space_low: { threshold: 0.05, for: '1m' },
          queue_backlog: { enabled: false },
          dlq_page: {
            signal: 'bus_dead_letters',
            threshold: 1000,
            severity: 'critical',
            labels: { team: 'ops' },
          },
        },
      },
    }).config.alerts;
    expect(config.evaluation_interval).toBe(30_000);
    const rules = alertRulesFromConfig(config);
    expect(rules.find((r) => r.name === 'disk_space_low')).toMatchObject({
      threshold: 0.05,
      forMs: 60_000,
      op: '<',
    });
    expect(rules.find((r) => r.name === 'queue_backlog')).toBeUndefined();
    expect(rules.find((r) => r.name === 'dlq_page')).toMatchObject({
      op: '>',
      labels: { team: 'ops' },
    });
  });

  it('names the path and what is allowed for every bad field', () => {
    expect(configProblem({ rules: { disk_space_low: { for: 'soon' } } })).toContain(
      'alerts.rules.disk_space_low.for: expected a duration like "30s", "5m" or "1h30m"',
    );
    expect(configProblem({ rules: { mine: { threshold: 1 } } })).toContain(
      'alerts.rules.mine.signal: a new rule must name its signal: one of agent_silence_seconds',
    );
    expect(configProblem({ rules: { mine: { signal: 'cpu' } } })).toMatch(
      /alerts\.rules\.mine\.signal: expected one of agent_silence_seconds, .*budget_critical/,
    );
    expect(configProblem({ rules: { budget_critical: { threshold: 2 } } })).toContain(
      'alerts.rules.budget_critical.threshold: signal budget_critical is raised by an event and has no threshold',
    );
    expect(configProblem({ rules: { disk_space_low: { window: '5m' } } })).toContain(
      'alerts.rules.disk_space_low.window: signal disk_free_ratio has no window; windowed signals: agent_error_ratio',
    );
    expect(configProblem({ rules: { disk_space_low: { severity: 'page' } } })).toContain(
      'alerts.rules.disk_space_low.severity: expected one of critical, warning, info',
    );
    expect(configProblem({ rules: { disk_space_low: { colour: 'red' } } })).toContain(
      'alerts.rules.disk_space_low: unknown key "colour"',
    );
    expect(configProblem({ notifiers: [{ type: 'sms', name: 'x' }] })).toContain(
      'alerts.notifiers.0.type: expected webhook or email',
    );
    expect(configProblem({ notifiers: [{ type: 'webhook', name: 'x' }] })).toContain(
      'alerts.notifiers.0.url: set exactly one of url and url_env',
    );
    expect(
      configProblem({
        notifiers: [{ type: 'email', name: 'm', host: 'h', from: 'a@b.example', to: ['nope'] }],
      }),
    ).toContain('alerts.notifiers.0.to.0');
    expect(configProblem({ delivery: { initial_backoff: '10m', max_backoff: '1m' } })).toContain(
      'alerts.delivery.initial_backoff: initial_backoff must not exceed max_backoff',
    );
  });

  it('reports a bad webhook URL or a missing secret without echoing it', () => {
    const secret = 'not a url but a s3cret';
    const config = validateConfig({
      alerts: { notifiers: [{ type: 'webhook', name: 'hook', url: secret }] },
    }).config.alerts;
    let message = '';
    try {
      notifiersFromConfig(config, {});
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('alerts.notifiers.0 (hook).url: expected an http:// or https:// URL');
    expect(message).not.toContain('s3cret');
    const fromEnv = validateConfig({
      alerts: {
        notifiers: [
          {
            type: 'email',
            name: 'mail',
            host: 'h',
            from: 'a@b.example',
            to: ['c@d.example'],
            user: 'u',
            password_env: 'SMTP_PW',
          },
        ],
      },
    }).config.alerts;
    expect(() => notifiersFromConfig(fromEnv, {})).toThrow(
      'alerts.notifiers.0 (mail).password_env: environment variable SMTP_PW is not set',
    );
  });

  it('parses and formats durations', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration(15)).toBe(15_000);
    expect(parseDuration('5 minutes')).toBeUndefined();
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(0)).toBe('0s');
  });
});

describe('LatencyWindow', () => {
  it('estimates the p95 of the window within a bucket', () => {
    const w = new LatencyWindow({ windowMs: 300_000 });
    const t0 = 1_700_000_000_000;
    for (let i = 1; i <= 1000; i++) w.record(i * 10, t0 + i); // 10 ms .. 10 s
    const p95 = w.quantile(0.95, 300_000, t0 + 2000)!;
    expect(p95).toBeGreaterThan(9.5 * 0.91);
    expect(p95).toBeLessThan(9.5 * 1.09);
    // Five minutes later those answers have left the window.
    expect(w.quantile(0.95, 300_000, t0 + 320_000)).toBeUndefined();
  });
});

describe('CounterWindow', () => {
  it('gives the increase over the window, or since the first snapshot', () => {
    const counts = new Map<string, number[]>([['a', [10, 1]]]);
    const t0 = 1_000_000;
    const w = new CounterWindow(() => counts, t0);
    counts.set('a', [20, 3]);
    counts.set('b', [5, 5]);
    expect(w.increase(t0 + 60_000, 300_000)).toEqual(
      new Map([
        ['a', [10, 2]],
        ['b', [5, 5]],
      ]),
    );
    counts.set('a', [30, 3]);
    expect(w.increase(t0 + 400_000, 300_000).get('a')).toEqual([10, 0]);
  });
});

describe('Prometheus export', () => {
  const rules = alertRulesFromConfig(configSchema.parse({}).alerts);

  it('writes one rule per alert rule, with the threshold, `for` and labels', () => {
    const file = prometheusRules(rules);
    const byName = Object.fromEntries(file.groups[0]!.rules.map((r) => [r.alert, r]));
    expect(byName['AgentUnresponsive']).toEqual({
      alert: 'AgentUnresponsive',
      expr: 'time() - agentvisor_agent_heartbeat_timestamp_seconds > 120',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'Agent {{ $labels.agent }} has shown no activity for more than 120 s',
        rule: 'agent_unresponsive',
      },
    });
    expect(byName['DiskSpaceLow']).toMatchObject({
      expr: 'agentvisor_disk_free_ratio < 0.15',
      for: '5m',
    });
    expect(byName['LlmCostSpike']!.expr).toBe('sum(increase(llm_cost_dollars_total[1h])) > 10');
    expect(byName['LedgerVerificationFailed']!.expr).toBe(
      'agentvisor_ledger_verification_failed > 0',
    );
  });

  it('names only metrics that /metrics exports', async () => {
    const telemetry = new TelemetryAggregator({ clock: new ManualClock(1_700_000_000_000) });
    telemetry.record({
      kind: 'op',
      callId: '1',
      op: 'x',
      actor: 'agent:a1',
      outcome: 'error',
      durationUs: 5,
      at: 1,
    });
    telemetry.apiRequest({ method: 'GET', endpoint: '/x', statusCode: 200, durationMs: 3 });
    telemetry.modelUsage('a1', {
      provider: 'p',
      model: 'm',
      inputTokens: 1,
      outputTokens: 1,
      costUsd: 0.1,
    });
    const registry = new MetricsRegistry({
      telemetry,
      runtime: {
        agentHeartbeats: () => [{ agent: 'a', atMs: 1 }],
        busQueues: async () => [{ queue: 'a', depth: 1 }],
        deadLetters: async () => 0,
        diskFreeRatio: async () => 0.5,
        ledgerVerificationFailed: () => 0,
        budgetsCritical: () => [{ budget: 'global', limit: 'cost_per_day', fraction: 0.97 }],
        alerts: () => [{ alertname: 'disk', severity: 'critical', state: 'firing', count: 1 }],
      },
    });
    const { body } = await registry.renderMetrics();
    for (const metric of Object.values(SIGNAL_METRICS).flat()) {
      expect(body, metric).toMatch(new RegExp(`^${metric}[{ ]`, 'm'));
    }
  });
});

describe('webhook bodies', () => {
  const n: AlertNotification = {
    kind: 'alert.notification',
    status: 'firing',
    repeat: false,
    alert: {
      kind: 'alert',
      fingerprint: 'f'.repeat(64),
      rule: 'agent_unresponsive',
      severity: 'critical',
      state: 'firing',
      labels: { agent: 'coder' },
      value: 130,
      summary: 'Agent coder has shown no activity for more than 120 s',
      annotations: {},
      startedAt: '2026-01-01T00:00:00.000Z',
      firedAt: '2026-01-01T00:00:00.000Z',
      resolvedAt: null,
      updatedAt: '2026-01-01T00:00:00.000Z',
      lastNotifiedAt: null,
      notifications: 1,
      silencedUntil: null,
    },
  };

  it('sends Alertmanager webhook JSON', () => {
    expect(alertmanagerPayload(n, 'ops')).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'ops',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'agent_unresponsive', severity: 'critical', agent: 'coder' },
          annotations: { summary: n.alert.summary, value: '130' },
          fingerprint: n.alert.fingerprint,
        },
      ],
    });
  });

  it('sends a Slack-compatible {text, blocks} body', () => {
    const body = slackPayload(n);
    expect(body.text).toBe(
      '[FIRING:critical] agent_unresponsive agent=coder: Agent coder has shown no activity for more than 120 s',
    );
    expect(body.blocks.map((b) => b.type)).toEqual(['section', 'context']);
  });
});

describe('secrets', () => {
  it('scrubs a URL, its path and its token wherever they appear', () => {
    const url =
      'https://user:pa55word@hooks.example.test/services/T000/B000/tok3nTok3nTok3n?key=abc123456';
    const secrets = urlSecrets(url);
    const text = `POST ${url} failed; path /services/T000/B000/tok3nTok3nTok3n?key=abc123456, token tok3nTok3nTok3n, pass pa55word`;
    const out = scrubSecrets(text, secrets);
    expect(out).not.toMatch(/tok3n|pa55word|abc123456/);
    expect(displayUrl(url)).toBe('https://hooks.example.test');
  });
});

describe('agentvisor alerts rules', () => {
  it('prints the Prometheus rules of the config', async () => {
    const out: string[] = [];
    const code = await runCli(
      ['node', 'agentvisor', '--data-dir', '/nonexistent-av', 'alerts', 'rules'],
      {
        out: (s) => out.push(s),
        err: () => {},
        isTTY: false,
      },
    );
    expect(code).toBe(0);
    expect(out.join('')).toContain('- alert: AgentUnresponsive');
    expect(out.join('')).toContain('expr: agentvisor_disk_free_ratio < 0.15');
  });
});

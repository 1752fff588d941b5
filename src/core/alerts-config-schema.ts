/**
 * @module The `alerts` section of agentvisor.yaml: alerting rules over named signals with seed
 * 002's defaults ("Alerting Rules": agent unresponsive, error rate, queue backlog, API latency,
 * LLM cost, disk space; plus the dead-letter queue, ledger verification and budget critical of
 * issue 9), the notifiers (webhook, email) and how notifications are retried. A rule named like
 * a default overrides only the fields it sets; any other name is a new rule and must say which
 * signal and threshold it watches. Durations are Prometheus-style (`30s`, `5m`, `1h30m`) or a
 * number of seconds, and are parsed to milliseconds.
 */
import { z } from 'zod';

/** How a signal is produced: sampled at every evaluation, or raised by an event and cleared. */
export type AlertSignalKind = 'sample' | 'event';

/** What the engine knows about each signal it can watch. */
export interface AlertSignalSpec {
  readonly kind: AlertSignalKind;
  /** For signals computed over a time window: the window a rule gets when it names none. */
  readonly defaultWindowMs?: number;
  readonly description: string;
}

/** Every signal a rule may name. */
export const ALERT_SIGNALS = {
  agent_silence_seconds: {
    kind: 'sample',
    description: 'seconds since a running agent last showed activity (per agent)',
  },
  agent_error_ratio: {
    kind: 'sample',
    defaultWindowMs: 300_000,
    description: "share of an agent's kernel calls that failed over the window (per agent)",
  },
  bus_queue_depth: {
    kind: 'sample',
    description: 'messages waiting for a bus consumer (per queue)',
  },
  api_latency_p95_seconds: {
    kind: 'sample',
    defaultWindowMs: 300_000,
    description: '95th percentile of HTTP API answer times over the window',
  },
  llm_cost_usd: {
    kind: 'sample',
    defaultWindowMs: 3_600_000,
    description: 'dollars spent on model calls over the window',
  },
  disk_free_ratio: {
    kind: 'sample',
    description: "free share of the data directory's file system",
  },
  bus_dead_letters: { kind: 'sample', description: 'messages in the dead-letter queue' },
  ledger_verification_failed: {
    kind: 'event',
    description: 'ledger verification found a bad entry (raised by the verifier)',
  },
  budget_critical: {
    kind: 'event',
    description: 'a budget reached its critical threshold (raised by the budget engine)',
  },
} as const satisfies Record<string, AlertSignalSpec>;

/** A signal's name. */
export type AlertSignalName = keyof typeof ALERT_SIGNALS;

const SIGNAL_NAMES = Object.keys(ALERT_SIGNALS) as [AlertSignalName, ...AlertSignalName[]];

/** Severities, most urgent first. */
export const ALERT_SEVERITIES = ['critical', 'warning', 'info'] as const;
/** An alert's severity. */
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** Comparisons a rule may make between the signal and its threshold. */
export const ALERT_COMPARISONS = ['>', '>=', '<', '<=', '==', '!='] as const;
/** A rule's comparison. */
export type AlertComparison = (typeof ALERT_COMPARISONS)[number];

const DURATION_PATTERN = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;

/**
 * Parses a Prometheus-style duration (`90s`, `5m`, `1h30m`, `0s`) or a number of seconds into
 * milliseconds; `undefined` when it is neither.
 *
 * @example
 * parseDuration('1h30m'); // 5_400_000
 * parseDuration(15); // 15_000
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined;
  }
  if (typeof value !== 'string' || value === '') return undefined;
  const m = DURATION_PATTERN.exec(value.trim());
  if (m === null) return undefined;
  const [, d, h, min, s, ms] = m.map((x) => (x === undefined ? 0 : Number(x)));
  return (
    (d as number) * 86_400_000 +
    (h as number) * 3_600_000 +
    (min as number) * 60_000 +
    (s as number) * 1000 +
    (ms as number)
  );
}

/** Formats milliseconds as the shortest Prometheus duration (`5m`, `1h30m`, `0s`). */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  const parts: string[] = [];
  let rest = Math.round(ms);
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}

/** A duration field, parsed to milliseconds, within [min, max] ms. */
function duration(minMs: number, maxMs: number) {
  const bounds = `from ${formatDuration(minMs)} to ${formatDuration(maxMs)}`;
  return z.union([z.number(), z.string()]).transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a duration like "30s", "5m" or "1h30m" (or a number of seconds), ${bounds}`,
      });
      return z.NEVER;
    }
    if (ms < minMs || ms > maxMs) {
      ctx.addIssue({ code: 'custom', message: `duration out of range: allowed ${bounds}` });
      return z.NEVER;
    }
    return ms;
  });
}

const DAY = 86_400_000;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const RESERVED_LABELS = new Set(['alertname', 'severity']);
const NAME = /^[a-z][a-z0-9_]{0,62}$/;
const severity = z.enum(ALERT_SEVERITIES, {
  error: `expected one of ${ALERT_SEVERITIES.join(', ')}`,
});

/** A rule as written: every field optional, so a default rule can be changed one field at a time. */
const ruleInputSchema = z
  .object({
    /** Off: the rule is neither evaluated nor exported. */
    enabled: z.boolean().optional(),
    severity: severity.optional(),
    /** The signal the rule watches. */
    signal: z
      .enum(SIGNAL_NAMES, { error: `expected one of ${SIGNAL_NAMES.join(', ')}` })
      .optional(),
    /** How the signal is compared with the threshold (default `>`). */
    op: z
      .enum(ALERT_COMPARISONS, { error: `expected one of ${ALERT_COMPARISONS.join(' ')}` })
      .optional(),
    threshold: z.number().finite().optional(),
    /** The time window of a windowed signal (error ratio, latency p95, LLM cost). */
    window: duration(10_000, DAY).optional(),
    /** How long the condition must hold before the alert fires (0: at once). */
    for: duration(0, 7 * DAY).optional(),
    /** A firing alert is notified again this often. */
    repeat_interval: duration(60_000, 30 * DAY).optional(),
    /** Extra labels on every alert of the rule (routing keys for receivers). */
    labels: z
      .record(
        z.string().regex(LABEL_NAME, 'label names are letters, digits and "_"'),
        z.string().max(200),
      )
      .optional(),
    /** One line for people; `{{label}}` inserts a label's value, `{{threshold}}` the threshold. */
    summary: z.string().min(1).max(500).optional(),
  })
  .strict();

/** A rule with every field decided. Durations in milliseconds. */
export interface AlertRuleConfig {
  readonly enabled: boolean;
  readonly severity: AlertSeverity;
  readonly signal: AlertSignalName;
  readonly op: AlertComparison;
  /** `null` for event signals, which have no threshold. */
  readonly threshold: number | null;
  /** `null` for signals without a window. */
  readonly window: number | null;
  readonly for: number;
  readonly repeat_interval: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly summary: string;
}

const H4 = 4 * 3_600_000;

/** The default rules (seed 002 "Alerting Rules" and issue 9), by name. */
export const DEFAULT_ALERT_RULES: Readonly<Record<string, AlertRuleConfig>> = {
  agent_unresponsive: {
    enabled: true,
    severity: 'critical',
    signal: 'agent_silence_seconds',
    op: '>',
    threshold: 120,
    window: null,
    for: 0,
    repeat_interval: H4,
    labels: {},
    summary: 'Agent {{agent}} has shown no activity for more than {{threshold}} s',
  },
  agent_error_rate: {
    enabled: true,
    severity: 'warning',
    signal: 'agent_error_ratio',
    op: '>',
    threshold: 0.1,
    window: 300_000,
    for: 300_000,
    repeat_interval: H4,
    labels: {},
    summary: 'Agent {{agent}} error rate is above {{threshold}}',
  },
  queue_backlog: {
    enabled: true,
    severity: 'warning',
    signal: 'bus_queue_depth',
    op: '>',
    threshold: 100,
    window: null,
    for: 600_000,
    repeat_interval: H4,
    labels: {},
    summary: 'Queue {{queue}} has more than {{threshold}} messages waiting',
  },
  api_latency_p95: {
    enabled: true,
    severity: 'warning',
    signal: 'api_latency_p95_seconds',
    op: '>',
    threshold: 5,
    window: 300_000,
    for: 300_000,
    repeat_interval: H4,
    labels: {},
    summary: 'API p95 latency is above {{threshold}} s',
  },
  llm_cost_spike: {
    enabled: true,
    severity: 'warning',
    signal: 'llm_cost_usd',
    op: '>',
    threshold: 10,
    window: 3_600_000,
    for: 0,
    repeat_interval: H4,
    labels: {},
    summary: 'LLM costs exceeded {{threshold}} dollars in the last hour',
  },
  disk_space_low: {
    enabled: true,
    severity: 'critical',
    signal: 'disk_free_ratio',
    op: '<',
    threshold: 0.15,
    window: null,
    for: 300_000,
    repeat_interval: H4,
    labels: {},
    summary: 'Free disk space of the data directory is below {{threshold}}',
  },
  dead_letter_queue: {
    enabled: true,
    severity: 'warning',
    signal: 'bus_dead_letters',
    op: '>',
    threshold: 100,
    window: null,
    for: 0,
    repeat_interval: H4,
    labels: {},
    summary: 'The dead-letter queue holds more than {{threshold}} messages',
  },
  ledger_verification_failed: {
    enabled: true,
    severity: 'critical',
    signal: 'ledger_verification_failed',
    op: '>',
    threshold: null,
    window: null,
    for: 0,
    repeat_interval: H4,
    labels: {},
    summary: 'Ledger verification failed at entry {{value}}',
  },
  budget_critical: {
    enabled: true,
    severity: 'critical',
    signal: 'budget_critical',
    op: '>',
    threshold: null,
    window: null,
    for: 0,
    repeat_interval: H4,
    labels: {},
    summary:
      'Budget {{budget}} reached its critical threshold on {{limit}} ({{value}} of the limit)',
  },
};

const notifierBase = {
  /** How the notifier is named in records and the API. */
  name: z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, "_" and "-"'),
  /** Alerts below this severity are not sent here. */
  min_severity: severity.default('info'),
  /** One attempt's time limit. */
  timeout: duration(100, 120_000).default(10_000),
};

/** A webhook notifier: POSTs JSON (or a Slack-compatible `{text, blocks}` body). */
const webhookNotifierSchema = z
  .object({
    type: z.literal('webhook'),
    ...notifierBase,
    /** The URL (it may hold a token: it is never logged). Prefer `url_env`. */
    url: z.string().min(1).optional(),
    /** The environment variable holding the URL. */
    url_env: z.string().min(1).optional(),
    /** `json` (the alert as data) or `slack` (an incoming-webhook message). */
    format: z.enum(['json', 'slack'], { error: 'expected json or slack' }).default('json'),
    /** Extra request headers; their values are treated as secrets. */
    headers: z.record(z.string(), z.string()).default({}),
  })
  .strict();

/** An email notifier over SMTP. */
const emailNotifierSchema = z
  .object({
    type: z.literal('email'),
    ...notifierBase,
    host: z.string().min(1),
    port: z.number().int().min(1).max(65_535).default(587),
    /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
    secure: z.boolean().default(false),
    user: z.string().min(1).optional(),
    /** The password (never logged). Prefer `password_env`. */
    password: z.string().optional(),
    /** The environment variable holding the password. */
    password_env: z.string().min(1).optional(),
    from: z.email(),
    to: z.array(z.email()).min(1).max(100),
  })
  .strict();

const notifierSchema = z.discriminatedUnion('type', [webhookNotifierSchema, emailNotifierSchema], {
  error: 'expected webhook or email',
});

/** A configured notifier. */
export type AlertNotifierConfig = z.output<typeof notifierSchema>;

const deliverySchema = z
  .object({
    /** Tries per notification and notifier, the first included. */
    max_attempts: z.number().int().min(1).max(20).default(5),
    /** Wait before the first retry; doubles each time (with jitter) up to `max_backoff`. */
    initial_backoff: duration(1, 600_000).default(1000),
    max_backoff: duration(1, 3_600_000).default(300_000),
    /** Notifications waiting at most; past it the oldest is dropped (and recorded). */
    queue_capacity: z.number().int().min(1).max(100_000).default(1000),
  })
  .strict();

/** The `alerts` section as written. */
const alertsInputSchema = z
  .object({
    /** Off: no rule is evaluated and nothing is sent (the rules still export). */
    enabled: z.boolean().default(true),
    /** How often the rules are evaluated. */
    evaluation_interval: duration(1000, 3_600_000).default(15_000),
    /** How long resolved alerts stay listed. */
    resolved_retention: duration(60_000, 90 * DAY).default(DAY),
    notifiers: z.array(notifierSchema).max(50).default([]),
    delivery: deliverySchema.default(deliverySchema.parse({})),
    /** Rules by name: a default's name changes that rule, any other name adds one. */
    rules: z
      .record(
        z.string().regex(NAME, 'rule names are lower-case letters, digits and "_"'),
        ruleInputSchema,
      )
      .default({}),
  })
  .strict();

/** Resolves the written rules against the defaults, reporting what a rule lacks or misuses. */
function resolveRules(
  input: Record<string, z.output<typeof ruleInputSchema>>,
  ctx: z.RefinementCtx,
): Record<string, AlertRuleConfig> {
  const out: Record<string, AlertRuleConfig> = { ...DEFAULT_ALERT_RULES };
  for (const [name, rule] of Object.entries(input)) {
    const at = (field: string) => ['rules', name, field];
    const base = DEFAULT_ALERT_RULES[name];
    const signal = rule.signal ?? base?.signal;
    if (signal === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: at('signal'),
        message: `a new rule must name its signal: one of ${SIGNAL_NAMES.join(', ')} (defaults: ${Object.keys(DEFAULT_ALERT_RULES).join(', ')})`,
      });
      continue;
    }
    const spec: AlertSignalSpec = ALERT_SIGNALS[signal];
    if (spec.kind === 'event') {
      for (const field of ['threshold', 'op', 'window'] as const) {
        if (rule[field] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: at(field),
            message: `signal ${signal} is raised by an event and has no ${field}; allowed: enabled, severity, signal, for, repeat_interval, labels, summary`,
          });
        }
      }
    } else if (rule.threshold === undefined && (base === undefined || base.signal !== signal)) {
      ctx.addIssue({
        code: 'custom',
        path: at('threshold'),
        message: `a rule over ${signal} needs a threshold (a number)`,
      });
      continue;
    }
    if (rule.window !== undefined && spec.defaultWindowMs === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: at('window'),
        message: `signal ${signal} has no window; windowed signals: ${SIGNAL_NAMES.filter((s) => (ALERT_SIGNALS[s] as AlertSignalSpec).defaultWindowMs !== undefined).join(', ')}`,
      });
    }
    for (const label of Object.keys(rule.labels ?? {})) {
      if (RESERVED_LABELS.has(label)) {
        ctx.addIssue({
          code: 'custom',
          path: [...at('labels'), label],
          message: `label "${label}" is set by the rule itself; choose another name`,
        });
      }
    }
    const sameSignal = base !== undefined && base.signal === signal;
    out[name] = {
      enabled: rule.enabled ?? base?.enabled ?? true,
      severity: rule.severity ?? base?.severity ?? 'warning',
      signal,
      op: rule.op ?? (sameSignal ? base.op : '>'),
      threshold: spec.kind === 'event' ? null : (rule.threshold ?? base?.threshold ?? 0),
      window:
        spec.defaultWindowMs === undefined
          ? null
          : (rule.window ?? (sameSignal ? base.window : null) ?? spec.defaultWindowMs),
      for: rule.for ?? base?.for ?? 0,
      repeat_interval: rule.repeat_interval ?? base?.repeat_interval ?? H4,
      labels: { ...(base?.labels ?? {}), ...(rule.labels ?? {}) },
      summary:
        rule.summary ??
        (sameSignal ? base.summary : `${name}: ${signal} ${rule.op ?? '>'} {{threshold}}`),
    };
  }
  return out;
}

/** The `alerts` section. */
export const alertsConfigSchema = alertsInputSchema.transform((input, ctx) => {
  const names = new Set<string>();
  input.notifiers.forEach((n, i) => {
    if (names.has(n.name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['notifiers', i, 'name'],
        message: `notifier name "${n.name}" is used twice`,
      });
    }
    names.add(n.name);
    if (n.type === 'webhook' && (n.url === undefined) === (n.url_env === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['notifiers', i, 'url'],
        message: 'set exactly one of url and url_env',
      });
    }
    if (n.type === 'email' && n.password !== undefined && n.password_env !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['notifiers', i, 'password'],
        message: 'set at most one of password and password_env',
      });
    }
  });
  if (input.delivery.initial_backoff > input.delivery.max_backoff) {
    ctx.addIssue({
      code: 'custom',
      path: ['delivery', 'initial_backoff'],
      message: 'initial_backoff must not exceed max_backoff',
    });
  }
  return { ...input, rules: resolveRules(input.rules, ctx) };
});

/** The parsed `alerts` section: durations in milliseconds, every rule complete. */
export type AlertsConfig = z.output<typeof alertsConfigSchema>;

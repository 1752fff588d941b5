/**
 * @module Alerts in a running node: the engine over the configured rules, fed by signals read
 * from the real system — supervised agents' last activity, the kernel's per-agent error ratio
 * (telemetry counters over a window), the bus's backlog and dead letters, API answer times
 * (recorded by the HTTP server through {@link AlertSystem.recordApiLatency}), model spend in
 * the window from `llm_usage`, free space on the data directory's file system; budget critical
 * raised by the budget engine and cleared when spend falls back, ledger verification failures
 * raised by whoever verifies. Notifications go through the retrying queue to the configured
 * webhooks and mail servers; the dashboard listens with {@link AlertSystem.onAlert}. Also
 * registers `alerts.list` and `alerts.silence`, and supplies the runtime gauges `/metrics`
 * exports for the Prometheus version of the same rules.
 */
import { statfs } from 'node:fs/promises';
import { sql } from 'kysely';
import {
  AlertEngine,
  type AlertEvent,
  type AlertListOptions,
  type AlertView,
  alertRulesFromConfig,
  CounterWindow,
  type EvaluationReport,
  LatencyWindow,
  NotificationQueue,
  type Notifier,
  notifiersFromConfig,
  prometheusRulesYaml,
  registerAlertOperations,
  type SignalSource,
} from '../alerts/index.js';
import type { Clock } from '../core/index.js';
import type { BusStats } from '../team/index.js';
import type { MetricsRegistryOptions } from '../telemetry/index.js';
import type { AgentSupervision } from './agent-supervision.js';
import type { AgentvisorSystem } from './agentvisor-system.js';
import type { Logger } from './logger.js';

/** The gauges `/metrics` reads from the alert system. */
export type AlertMetricSources = NonNullable<MetricsRegistryOptions['runtime']>;

/** Options for {@link openAlertSystem}. */
export interface AlertSystemOptions {
  readonly system: AgentvisorSystem;
  /** Supervision supplies agents' activity; without it the unresponsive rule has no data. */
  readonly supervision?: AgentSupervision;
  readonly logger: Logger;
  /** Default: the kernel's clock. */
  readonly clock?: Clock;
  /** Environment for notifier secrets (`url_env`, `password_env`); default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Notifiers besides the configured ones. */
  readonly notifiers?: readonly Notifier[];
  /** Readers that replace the built-in ones (tests; a node with its own disk probe). */
  readonly signals?: SignalSource;
}

/** Alerts of a running node. */
export interface AlertSystem {
  readonly engine: AlertEngine;
  readonly queue: NotificationQueue;
  /** Pass to `new MetricsRegistry({ ..., runtime })` so `/metrics` has what the rules watch. */
  readonly metricSources: AlertMetricSources;
  /** Evaluates every `alerts.evaluation_interval` (nothing when `alerts.enabled` is false). */
  start(): void;
  /** Stops evaluating, abandons pending retries and closes notifier connections. */
  stop(): Promise<void>;
  /** One evaluation now. */
  evaluate(): Promise<EvaluationReport>;
  list(options?: AlertListOptions): Promise<AlertView[]>;
  /** Every alert transition in this process (the dashboard's feed); returns the unsubscribe. */
  onAlert(listener: (event: AlertEvent) => void): () => void;
  /** One HTTP answer's time (call from the server's onResponse hook). O(1), no allocation. */
  recordApiLatency(ms: number): void;
  /** Ledger verification found a bad entry: raises `ledger_verification_failed`. */
  ledgerVerificationFailed(firstBadSeq: number, detail?: string): Promise<void>;
  /** A later verification passed: the alert resolves. */
  ledgerVerificationPassed(): Promise<void>;
  /** The rules as a Prometheus alerting-rules file. */
  prometheusRules(): string;
}

/** Supervision states in which an agent is expected to show activity. */
const RUNNING_STATES: ReadonlySet<string> = new Set([
  'spawned',
  'active',
  'fault',
  'recovery',
  'restarted',
  'failed',
]);

/**
 * Builds the alert system of a node and registers its operations (call once per system).
 *
 * @example
 * const alerts = openAlertSystem({ system, supervision, logger });
 * app.addHook('onResponse', async (_req, reply) => alerts.recordApiLatency(reply.elapsedTime));
 * alerts.onAlert((e) => journal.publish('alert', e));
 * alerts.start();
 * // on shutdown: await alerts.stop();
 */
export function openAlertSystem(options: AlertSystemOptions): AlertSystem {
  const { system, supervision, logger } = options;
  const config = system.config.alerts;
  const clock = options.clock ?? system.kernel.clock;
  const rules = config.enabled ? alertRulesFromConfig(config) : [];
  const onError = (error: unknown, context: string) =>
    logger.warn(
      { err: { message: (error as Error)?.message ?? String(error) }, context },
      'alerts',
    );
  const queue = new NotificationQueue({
    notifiers: config.enabled
      ? [...notifiersFromConfig(config, options.env ?? process.env), ...(options.notifiers ?? [])]
      : [],
    maxAttempts: config.delivery.max_attempts,
    initialBackoffMs: config.delivery.initial_backoff,
    maxBackoffMs: config.delivery.max_backoff,
    capacity: config.delivery.queue_capacity,
    ledger: system.ledger,
    log: logger,
  });

  const longest = (signal: string, fallback: number) =>
    Math.max(fallback, ...rules.filter((r) => r.signal === signal).map((r) => r.windowMs ?? 0));
  const latency = new LatencyWindow({ windowMs: longest('api_latency_p95_seconds', 300_000) });
  const agentCounters = new CounterWindow(() => {
    // Keyed by agent name, the label: ids sharing a name (restarts) add up.
    const out = new Map<string, number[]>();
    for (const a of system.telemetry.metricSources().agents()) {
      const v = out.get(a.name) ?? [0, 0];
      out.set(a.name, [(v[0] as number) + a.ops, (v[1] as number) + a.errors]);
    }
    return out;
  }, clock.now());

  const heartbeats = () =>
    (supervision?.list() ?? [])
      .filter((a) => RUNNING_STATES.has(a.state) && a.lastActivityAt !== null)
      .map((a) => ({ agent: a.name, atMs: a.lastActivityAt as number }));
  let statsCache: { at: number; stats: Promise<BusStats | undefined> } | undefined;
  const busStats = (now: number) => {
    if (statsCache === undefined || statsCache.at !== now) {
      statsCache = {
        at: now,
        stats: system.bus.bus.stats().catch((error) => {
          onError(error, 'bus stats');
          return undefined;
        }),
      };
    }
    return statsCache.stats;
  };
  const diskFree = async () => {
    const s = await statfs(system.dataDir);
    return s.blocks > 0 ? s.bavail / s.blocks : undefined;
  };

  const builtIn: SignalSource = {
    agent_silence_seconds: ({ now }) =>
      heartbeats().map((h) => ({
        labels: { agent: h.agent },
        value: Math.max(0, (now - h.atMs) / 1000),
      })),
    agent_error_ratio: ({ now, windowMs }) =>
      [...agentCounters.increase(now, windowMs ?? 300_000)]
        .filter(([, [calls]]) => (calls as number) > 0)
        .map(([agent, [calls, errors]]) => ({
          labels: { agent },
          value: (errors as number) / (calls as number),
        })),
    bus_queue_depth: async ({ now }) =>
      (await busStats(now))?.consumers.map((c) => ({ labels: { queue: c.name }, value: c.queued })),
    bus_dead_letters: async ({ now }) => (await busStats(now))?.dlqSize,
    api_latency_p95_seconds: ({ now, windowMs }) =>
      latency.quantile(0.95, windowMs ?? 300_000, now),
    llm_cost_usd: async ({ now, windowMs }) => {
      const from = new Date(now - (windowMs ?? 3_600_000)).toISOString();
      const row = await system.store.db
        .selectFrom('llm_usage')
        .select(sql<number | string | null>`sum(cost_usd)`.as('usd'))
        .where('ts', '>=', from)
        .executeTakeFirst();
      // Rows the usage recorder has not flushed yet count too.
      let pending = 0;
      for (const r of system.gatewaySystem.usage.pending()) if (r.ts >= from) pending += r.cost_usd;
      return Number(row?.usd ?? 0) + pending;
    },
    disk_free_ratio: () => diskFree(),
    // Raised by the budget engine at once; this reader clears what is no longer critical.
    budget_critical: async () => {
      const budgets = system.config.gateway.budgets;
      if (budgets.length === 0) return [];
      const status = await system.gatewaySystem.budgets.status();
      return status.flatMap((b, i) =>
        b.limits
          .filter((l) => l.fraction >= (budgets[i]?.critical_at ?? 1))
          .map((l) => ({ labels: { budget: b.budget, limit: l.limit }, value: l.fraction })),
      );
    },
  };
  const signals: SignalSource = { ...builtIn, ...(options.signals ?? {}) };

  const engine = new AlertEngine({
    rules,
    signals,
    store: system.store,
    clock,
    resolvedRetentionMs: config.resolved_retention,
    notify: (n) => queue.enqueue(n),
    ledger: system.ledger,
    onError,
  });
  registerAlertOperations(system.kernel, engine);

  const ruleNamesOf = (signal: string) =>
    new Set(rules.filter((r) => r.signal === signal).map((r) => r.name));
  const ledgerRules = ruleNamesOf('ledger_verification_failed');
  const budgetRules = ruleNamesOf('budget_critical');
  system.gatewaySystem.budgets.onAction((event) => {
    if (event.threshold !== 'critical' && event.threshold !== 'limit') return;
    for (const rule of budgetRules) {
      engine
        .raise(
          rule,
          { budget: event.budget, limit: event.limit },
          { value: event.fraction, annotations: { window: event.window, action: event.action } },
        )
        .catch((error) => onError(error, 'budget alert'));
    }
  });

  const metricSources: AlertMetricSources = {
    agentHeartbeats: heartbeats,
    busQueues: async () =>
      (await busStats(clock.now()))?.consumers.map((c) => ({ queue: c.name, depth: c.queued })),
    deadLetters: async () => (await busStats(clock.now()))?.dlqSize,
    diskFreeRatio: () => diskFree().catch(() => undefined),
    ledgerVerificationFailed: () => {
      let seq = 0;
      for (const a of engine.activeAlerts()) {
        if (ledgerRules.has(a.rule) && a.state === 'firing') seq = Math.max(seq, a.value ?? 1);
      }
      return seq;
    },
    budgetsCritical: () => {
      const out = new Map<string, { budget: string; limit: string; fraction: number }>();
      for (const a of engine.activeAlerts()) {
        if (!budgetRules.has(a.rule) || a.state !== 'firing') continue;
        const budget = a.labels['budget'] ?? '';
        const limit = a.labels['limit'] ?? '';
        out.set(`${budget}\u0000${limit}`, { budget, limit, fraction: a.value ?? 1 });
      }
      return out.values();
    },
    alerts: () => {
      const counts = new Map<
        string,
        { alertname: string; severity: string; state: string; count: number }
      >();
      for (const a of engine.activeAlerts()) {
        const key = `${a.rule}\u0000${a.severity}\u0000${a.state}`;
        const c = counts.get(key) ?? {
          alertname: a.rule,
          severity: a.severity,
          state: a.state,
          count: 0,
        };
        c.count++;
        counts.set(key, c);
      }
      return counts.values();
    },
  };

  return {
    engine,
    queue,
    metricSources,
    start() {
      if (config.enabled) engine.start(config.evaluation_interval);
    },
    async stop() {
      await engine.stop();
      await queue.close();
    },
    evaluate: () => engine.evaluate(),
    list: (listOptions) => engine.list(listOptions),
    onAlert: (listener) => engine.onAlert(listener),
    recordApiLatency(ms) {
      latency.record(ms, clock.now());
    },
    async ledgerVerificationFailed(firstBadSeq, detail) {
      for (const rule of ledgerRules) {
        await engine.raise(
          rule,
          {},
          {
            value: firstBadSeq,
            annotations: {
              first_bad_seq: String(firstBadSeq),
              ...(detail === undefined ? {} : { detail: detail.slice(0, 500) }),
            },
          },
        );
      }
    },
    async ledgerVerificationPassed() {
      for (const rule of ledgerRules) await engine.clear(rule);
    },
    prometheusRules: () => prometheusRulesYaml(alertRulesFromConfig(config)),
  };
}

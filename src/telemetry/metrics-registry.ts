/**
 * @module The Prometheus `GET /metrics` content. A prom-client registry of its own (never the
 * global one, so two kernels in one process never mix) whose every metric is read from the
 * {@link TelemetryAggregator} by collect callbacks at scrape time: the hot paths only bump the
 * aggregator's counters and pay nothing for Prometheus. Metric names follow seed 002
 * ("Observability & Monitoring": `agent_tasks_total`, `agent_task_duration_seconds`,
 * `agent_active_tasks`, `api_requests_total`, `api_request_duration_seconds`,
 * `llm_tokens_total`, `llm_request_duration_seconds`, `llm_cost_dollars_total`); supervisor
 * metrics are `agentvisor_*`. The node's runtime gauges the alerting rules watch (heartbeats, bus
 * backlog and dead letters, free disk, event alerts) are read from {@link RuntimeMetricSources}.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { registerCollectedHistogram } from './collected-histogram.js';
import type { TelemetryAggregator } from './telemetry-aggregator.js';
import { FAULT_KINDS } from './telemetry-events.js';

/** Options for {@link MetricsRegistry}. */
export interface MetricsRegistryOptions {
  /** The aggregator every metric is read from. */
  telemetry: TelemetryAggregator;
  /** The ledger's current size (entries), exported as `agentvisor_ledger_entries` when given. */
  ledgerSize?: () => number | Promise<number>;
  /** Gauges read from the running node (the alert system supplies them; see below). */
  runtime?: RuntimeMetricSources;
}

/**
 * Gauges of the running node that the alerting rules (and their Prometheus export) need and the
 * aggregator does not count: supervised agents' last heartbeat, bus backlog and dead letters,
 * free disk, and the event alerts raised now. A source that answers `undefined` exports nothing.
 */
export interface RuntimeMetricSources {
  /** Last heartbeat (ms since the epoch) of every agent that should be running, by name. */
  agentHeartbeats(): Iterable<{ readonly agent: string; readonly atMs: number }>;
  /** Messages waiting per bus consumer. */
  busQueues(): Promise<Iterable<{ readonly queue: string; readonly depth: number }> | undefined>;
  /** Messages in the dead-letter queue. */
  deadLetters(): Promise<number | undefined>;
  /** Free share (0-1) of the data directory's file system. */
  diskFreeRatio(): Promise<number | undefined>;
  /** First bad seq of a failed ledger verification still unresolved; 0 when none. */
  ledgerVerificationFailed(): number;
  /** Budgets at their critical threshold now, with the fraction of the limit used. */
  budgetsCritical(): Iterable<{
    readonly budget: string;
    readonly limit: string;
    readonly fraction: number;
  }>;
  /** Alerts by rule, severity and state (pending, firing). */
  alerts(): Iterable<{
    readonly alertname: string;
    readonly severity: string;
    readonly state: string;
    readonly count: number;
  }>;
}

/** What `GET /metrics` answers with. */
export interface RenderedMetrics {
  readonly contentType: string;
  readonly body: string;
}

type Labels = Record<string, string>;

/**
 * The metrics endpoint's registry.
 *
 * @example
 * const metrics = new MetricsRegistry({ telemetry, ledgerSize: async () => (await ledger.head()).size });
 * app.get('/metrics', async (_req, reply) => {
 *   const { contentType, body } = await metrics.renderMetrics();
 *   reply.type(contentType).send(body);
 * });
 */
export class MetricsRegistry {
  readonly registry = new Registry();
  readonly #telemetry: TelemetryAggregator;

  constructor(options: MetricsRegistryOptions) {
    this.#telemetry = options.telemetry;
    this.#supervisorMetrics();
    this.#operationMetrics();
    this.#agentMetrics();
    this.#seedMetrics();
    if (options.runtime !== undefined) this.#runtimeMetrics(options.runtime);
    const ledgerSize = options.ledgerSize;
    if (ledgerSize !== undefined) {
      new Gauge({
        name: 'agentvisor_ledger_entries',
        help: 'Entries in the signed ledger.',
        registers: [this.registry],
        async collect() {
          this.set(await ledgerSize());
        },
      });
    }
  }

  /** The exposition text and its content type, collected now. */
  async renderMetrics(): Promise<RenderedMetrics> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** A counter whose values are recomputed from `read` at every scrape. */
  #counter(
    name: string,
    help: string,
    labelNames: string[],
    read: (add: (labels: Labels, value: number) => void) => void,
  ): void {
    new Counter({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        read((labels, value) => this.inc(labels, value));
      },
    });
  }

  /** A gauge whose values are recomputed from `read` at every scrape (same labels add up). */
  #gauge(
    name: string,
    help: string,
    labelNames: string[],
    read: (add: (labels: Labels, value: number) => void) => void,
  ): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        read((labels, value) => this.inc(labels, value));
      },
    });
  }

  #supervisorMetrics(): void {
    const t = this.#telemetry;
    this.#counter(
      'agentvisor_agent_failures_total',
      'Agents that ended failed (restart limit reached or refused).',
      [],
      (add) => add({}, t.systemMetrics().failures),
    );
    this.#counter(
      'agentvisor_faults_total',
      'Faults detected, by fault type.',
      ['fault'],
      (add) => {
        const byKind = t.systemMetrics().faultsByKind;
        for (const fault of FAULT_KINDS) add({ fault }, byKind[fault]);
      },
    );
    this.#gauge(
      'agentvisor_agents_active',
      'Agents not in a terminal state (exited, failed).',
      [],
      (add) => add({}, t.systemMetrics().activeAgents),
    );
  }

  #operationMetrics(): void {
    const sources = this.#telemetry.metricSources();
    this.#counter(
      'agentvisor_ops_total',
      'Kernel operation calls, by operation and outcome.',
      ['operation', 'outcome'],
      (add) => {
        for (const { name, stats } of sources.operations()) {
          add({ operation: name, outcome: 'ok' }, stats.ok);
          add({ operation: name, outcome: 'denied' }, stats.denied);
          add({ operation: name, outcome: 'rejected' }, stats.rejected);
          add({ operation: name, outcome: 'error' }, stats.errors);
        }
      },
    );
    registerCollectedHistogram(this.registry, {
      name: 'agentvisor_op_duration_seconds',
      help: 'Kernel operation call duration, by operation.',
      *series() {
        for (const { name, durations } of sources.operations()) {
          yield { labels: { operation: name }, buckets: durations };
        }
      },
    });
  }

  #agentMetrics(): void {
    const sources = this.#telemetry.metricSources();
    const perAgent = (
      name: string,
      help: string,
      field: 'spawns' | 'restarts' | 'exits' | 'crashes' | 'faults',
    ) =>
      this.#counter(name, help, ['agent'], (add) => {
        for (const a of sources.agents()) add({ agent: a.name }, a[field]);
      });
    perAgent('agentvisor_agent_spawns_total', 'Agent starts (first spawns), by agent.', 'spawns');
    perAgent('agentvisor_agent_restarts_total', 'Agent restarts, by agent.', 'restarts');
    perAgent('agentvisor_agent_exits_total', 'Agent exits, by agent.', 'exits');
    perAgent('agentvisor_agent_crashes_total', 'Agent crashes, by agent.', 'crashes');
    perAgent('agentvisor_agent_faults_total', 'Faults detected, by agent.', 'faults');
    this.#counter(
      'agentvisor_agent_ops_total',
      'Operation calls made by agents, by agent and outcome.',
      ['agent', 'outcome'],
      (add) => {
        for (const a of sources.agents()) {
          add({ agent: a.name, outcome: 'ok' }, a.ops - a.errors - a.denials - a.rejections);
          add({ agent: a.name, outcome: 'denied' }, a.denials);
          add({ agent: a.name, outcome: 'rejected' }, a.rejections);
          add({ agent: a.name, outcome: 'error' }, a.errors);
        }
      },
    );
    this.#gauge(
      'agentvisor_agent_last_activity_timestamp_seconds',
      'When the agent was last active (Unix time).',
      ['agent'],
      (add) => {
        // Several ids may share a name; the newest activity speaks for the name.
        const latest = new Map<string, number>();
        for (const a of sources.agents())
          latest.set(a.name, Math.max(latest.get(a.name) ?? 0, a.lastActivity));
        for (const [agent, ms] of latest) add({ agent }, ms / 1000);
      },
    );
  }

  #seedMetrics(): void {
    const sources = this.#telemetry.metricSources();
    this.#counter(
      'agent_tasks_total',
      'Total tasks processed by agent.',
      ['agent', 'status'],
      (add) => {
        for (const c of sources.tasks()) add(c.labels as Labels, c.value);
      },
    );
    registerCollectedHistogram(this.registry, {
      name: 'agent_task_duration_seconds',
      help: 'Task processing time.',
      series: () => sources.taskDurations(),
    });
    this.#gauge('agent_active_tasks', 'Currently processing tasks.', ['agent'], (add) => {
      for (const a of sources.agents()) add({ agent: a.name }, a.activeTasks);
    });
    this.#counter(
      'api_requests_total',
      'Total API requests.',
      ['method', 'endpoint', 'status_code'],
      (add) => {
        for (const c of sources.apiRequests()) add(c.labels as Labels, c.value);
      },
    );
    registerCollectedHistogram(this.registry, {
      name: 'api_request_duration_seconds',
      help: 'API request latency.',
      series: () => sources.apiDurations(),
    });
    this.#counter(
      'llm_tokens_total',
      'Total tokens consumed.',
      ['provider', 'model', 'direction'],
      (add) => {
        for (const m of sources.models()) {
          add({ provider: m.provider, model: m.model, direction: 'input' }, m.inputTokens);
          add({ provider: m.provider, model: m.model, direction: 'output' }, m.outputTokens);
        }
      },
    );
    registerCollectedHistogram(this.registry, {
      name: 'llm_request_duration_seconds',
      help: 'LLM API call latency.',
      *series() {
        for (const m of sources.models()) {
          yield { labels: { provider: m.provider, model: m.model }, buckets: m.durations };
        }
      },
    });
    this.#counter(
      'llm_cost_dollars_total',
      'Cumulative API cost in dollars.',
      ['provider', 'model'],
      (add) => {
        for (const m of sources.models()) add({ provider: m.provider, model: m.model }, m.costUsd);
      },
    );
  }

  #runtimeMetrics(runtime: RuntimeMetricSources): void {
    const registers = [this.registry];
    this.#gauge(
      'agentvisor_agent_heartbeat_timestamp_seconds',
      'Last heartbeat of each agent that should be running (Unix time).',
      ['agent'],
      (add) => {
        for (const a of runtime.agentHeartbeats()) add({ agent: a.agent }, a.atMs / 1000);
      },
    );
    new Gauge({
      name: 'agentvisor_bus_queue_depth',
      help: 'Messages waiting for a bus consumer.',
      labelNames: ['queue'],
      registers,
      async collect() {
        this.reset();
        for (const q of (await runtime.busQueues()) ?? []) this.set({ queue: q.queue }, q.depth);
      },
    });
    const single = (name: string, help: string, read: () => Promise<number | undefined>) =>
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          this.reset();
          const value = await read();
          if (value !== undefined) this.set(value);
        },
      });
    single('agentvisor_bus_dead_letters', 'Messages in the dead-letter queue.', () =>
      runtime.deadLetters(),
    );
    single(
      'agentvisor_disk_free_ratio',
      "Free share of the data directory's file system (0-1).",
      () => runtime.diskFreeRatio(),
    );
    single(
      'agentvisor_ledger_verification_failed',
      'First bad entry of a failed ledger verification not yet resolved; 0 when none.',
      async () => runtime.ledgerVerificationFailed(),
    );
    this.#gauge(
      'agentvisor_budget_critical',
      'Fraction of the limit used, for each budget limit at its critical threshold now.',
      ['budget', 'limit'],
      (add) => {
        for (const b of runtime.budgetsCritical()) {
          add({ budget: b.budget, limit: b.limit }, b.fraction);
        }
      },
    );
    this.#gauge(
      'agentvisor_alerts',
      'Alerts pending or firing, by rule, severity and state.',
      ['alertname', 'severity', 'state'],
      (add) => {
        for (const a of runtime.alerts()) {
          add({ alertname: a.alertname, severity: a.severity, state: a.state }, a.count);
        }
      },
    );
  }
}

/**
 * @module The telemetry aggregator: the kernel's measure stage and the supervisor's counters.
 * Counts every call per operation and outcome, keeps system metrics (spawns, exits, crashes,
 * faults, restarts, active agents, total ops) and per-agent metrics (ops, errors, denials,
 * tokens, restarts, faults, last activity), a ring buffer of the last 1024 events (op calls,
 * lifecycle changes and faults together), and the histogram counts the `/metrics` endpoint
 * reads at scrape time. It records facts about calls, never their arguments, and every text
 * field passes {@link redact} before it is stored.
 */
import type { CallEvent, Clock, TelemetryStage } from '../core/index.js';
import {
  API_DURATION_BOUNDS_S,
  BucketCounts,
  MODEL_DURATION_BOUNDS_S,
  OP_DURATION_BOUNDS_S,
  TASK_DURATION_BOUNDS_S,
} from './bucket-counts.js';
import { redact } from './redact.js';
import {
  type AgentFaultEvent,
  type AgentLifecycleState,
  type AgentMetrics,
  type AgentStateEvent,
  type ApiRequest,
  FAULT_KINDS,
  type FaultAction,
  type FaultKind,
  type ModelUsage,
  type SystemMetrics,
  type TaskOutcome,
  type TelemetryEvent,
} from './telemetry-events.js';

/** Per-operation counters. */
export interface OperationStats {
  calls: number;
  ok: number;
  denied: number;
  rejected: number;
  errors: number;
  /** Sum of durations, for the average. */
  totalUs: number;
  maxUs: number;
}

/** A point-in-time copy of the aggregator's state. */
export interface TelemetrySnapshot {
  readonly totalCalls: number;
  readonly operations: Readonly<Record<string, OperationStats>>;
  /** The most recent events, oldest first: op calls, lifecycle changes and faults. */
  readonly recent: readonly TelemetryEvent[];
  readonly startedAt: number;
  readonly system: Readonly<SystemMetrics>;
  /** Per-agent counters by agent id. */
  readonly agents: Readonly<Record<string, AgentMetrics>>;
}

/** Events kept in the ring buffer (seed 001 §: "last 1024 events"). */
export const EVENT_BUFFER_SIZE = 1024;

/** Options for {@link TelemetryAggregator}. */
export interface TelemetryAggregatorOptions {
  /** Stamps lifecycle and fault events and `startedAt`; op events carry their own `at`. */
  clock?: Clock;
}

/** An operation's counters plus its duration histogram and its name as it may be stored. */
interface OperationState {
  readonly stats: OperationStats;
  readonly durations: BucketCounts;
  /** The name after redaction; identical (same string) in practice. */
  readonly storedName: string;
}

/** What the aggregator knows about an actor string: its stored form and its agent, if any. */
interface ActorState {
  readonly storedActor: string;
  readonly agent: AgentMetrics | undefined;
}

/** A labelled histogram series kept for the metrics registry. */
export interface LabelledBuckets {
  readonly labels: Readonly<Record<string, string>>;
  readonly buckets: BucketCounts;
}

/** Token and cost totals for one provider and model. */
export interface ModelTotals {
  readonly provider: string;
  readonly model: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  readonly durations: BucketCounts;
}

/** A labelled counter value kept for the metrics registry. */
export interface LabelledCount {
  readonly labels: Readonly<Record<string, string>>;
  value: number;
}

const TERMINAL: ReadonlySet<AgentLifecycleState> = new Set(['exited', 'failed']);
const AGENT_ACTOR_PREFIX = 'agent:';
// Actor strings are few (principals), but a cap keeps a stream of distinct actors from growing
// the cache without bound; agents' entries are kept in their own map and never dropped.
const ACTOR_CACHE_LIMIT = 10_000;

function emptyAgent(agentId: string, name: string): AgentMetrics {
  return {
    agentId,
    name,
    state: undefined,
    ops: 0,
    errors: 0,
    denials: 0,
    rejections: 0,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    spawns: 0,
    exits: 0,
    restarts: 0,
    crashes: 0,
    faults: 0,
    activeTasks: 0,
    lastActivity: 0,
  };
}

function zeroFaults(): Record<FaultKind, number> {
  const out = {} as Record<FaultKind, number>;
  for (const k of FAULT_KINDS) out[k] = 0;
  return out;
}

/**
 * Aggregates call, lifecycle, fault, task, model and HTTP events. `record` (the per-call hot
 * path) is O(1) and allocates nothing for an operation and actor it has seen before.
 *
 * @example
 * const telemetry = new TelemetryAggregator();
 * const kernel = new Kernel({ identity, ledger, telemetry });
 * telemetry.agentEvent(agent.id, agent.name, 'spawned');
 * telemetry.snapshot().system.activeAgents; // 1
 */
export class TelemetryAggregator implements TelemetryStage {
  readonly #clock: Clock | undefined;
  readonly #ops = new Map<string, OperationState>();
  readonly #actors = new Map<string, ActorState>();
  /** Per-agent counters by agent id. */
  readonly #agents = new Map<string, AgentMetrics>();
  readonly #ring: Array<TelemetryEvent | undefined> = new Array(EVENT_BUFFER_SIZE);
  #next = 0;
  #total = 0;
  readonly #startedAt: number;
  readonly #system = {
    spawns: 0,
    exits: 0,
    crashes: 0,
    faults: 0,
    restarts: 0,
    failures: 0,
  };
  readonly #faultsByKind = zeroFaults();
  readonly #tasks = new Map<string, LabelledCount>();
  readonly #taskDurations = new Map<string, LabelledBuckets>();
  readonly #models = new Map<string, ModelTotals>();
  readonly #apiRequests = new Map<string, LabelledCount>();
  readonly #apiDurations = new Map<string, LabelledBuckets>();

  constructor(options: TelemetryAggregatorOptions = {}) {
    this.#clock = options.clock;
    this.#startedAt = this.#now();
  }

  #now(): number {
    return this.#clock === undefined ? Date.now() : this.#clock.now();
  }

  /** The kernel's measure stage: one call, any outcome. */
  record(event: CallEvent): void {
    this.#total++;
    let op = this.#ops.get(event.op);
    if (op === undefined) op = this.#newOperation(event.op);
    const stats = op.stats;
    stats.calls++;
    const outcome = event.outcome;
    if (outcome === 'ok') stats.ok++;
    else if (outcome === 'denied') stats.denied++;
    else if (outcome === 'rejected') stats.rejected++;
    else stats.errors++;
    const us = event.durationUs;
    stats.totalUs += us;
    if (us > stats.maxUs) stats.maxUs = us;
    op.durations.observe(us);

    let actor = this.#actors.get(event.actor);
    if (actor === undefined) actor = this.#newActor(event.actor);
    const agent = actor.agent;
    if (agent !== undefined) {
      agent.ops++;
      if (outcome === 'error') agent.errors++;
      else if (outcome === 'denied') agent.denials++;
      else if (outcome === 'rejected') agent.rejections++;
      agent.lastActivity = event.at;
    }

    // Names and actors are checked once, when first seen; only a name that needed redaction
    // costs a copy of the event.
    const stored =
      op.storedName === event.op && actor.storedActor === event.actor
        ? event
        : { ...event, op: op.storedName, actor: actor.storedActor };
    this.#push(stored);
  }

  #newOperation(name: string): OperationState {
    const state: OperationState = {
      stats: { calls: 0, ok: 0, denied: 0, rejected: 0, errors: 0, totalUs: 0, maxUs: 0 },
      durations: new BucketCounts(OP_DURATION_BOUNDS_S, 1e6),
      storedName: redact(name),
    };
    this.#ops.set(name, state);
    return state;
  }

  #newActor(actor: string): ActorState {
    const agent = actor.startsWith(AGENT_ACTOR_PREFIX)
      ? this.#agent(actor.slice(AGENT_ACTOR_PREFIX.length), undefined)
      : undefined;
    const state: ActorState = { storedActor: redact(actor), agent };
    if (this.#actors.size >= ACTOR_CACHE_LIMIT) this.#actors.clear();
    this.#actors.set(actor, state);
    return state;
  }

  /** The agent's counters, created on first sight; a known name replaces an id placeholder. */
  #agent(agentId: string, name: string | undefined): AgentMetrics {
    let agent = this.#agents.get(agentId);
    if (agent === undefined) {
      agent = emptyAgent(redact(agentId), name === undefined ? redact(agentId) : redact(name));
      this.#agents.set(agentId, agent);
    } else if (name !== undefined && agent.name !== name) {
      agent.name = redact(name);
    }
    return agent;
  }

  #push(event: TelemetryEvent): void {
    this.#ring[this.#next] = event;
    this.#next = (this.#next + 1) % EVENT_BUFFER_SIZE;
  }

  /**
   * An agent changed lifecycle state (one call per `supervisor.state` transition). `spawned`
   * counts a spawn, `restarted` a restart, `exited` an exit, `failed` a failure; `fault`,
   * `recovery` and `active` count nothing (the fault itself is reported by {@link fault}).
   */
  agentEvent(agentId: string, name: string, state: AgentLifecycleState, detail?: string): void {
    const agent = this.#agent(agentId, name);
    const at = this.#now();
    agent.state = state;
    agent.lastActivity = at;
    if (state === 'spawned') {
      agent.spawns++;
      this.#system.spawns++;
    } else if (state === 'restarted') {
      agent.restarts++;
      this.#system.restarts++;
    } else if (state === 'exited') {
      agent.exits++;
      this.#system.exits++;
    } else if (state === 'failed') {
      this.#system.failures++;
    }
    const event: AgentStateEvent =
      detail === undefined
        ? { kind: 'agent', agentId: agent.agentId, agent: agent.name, state, at }
        : {
            kind: 'agent',
            agentId: agent.agentId,
            agent: agent.name,
            state,
            detail: redact(detail),
            at,
          };
    this.#push(event);
  }

  /** The fault detector saw a fault (one call per `supervisor.fault` entry). */
  fault(
    agentId: string,
    name: string,
    fault: FaultKind,
    action: FaultAction,
    detail?: string,
  ): void {
    const agent = this.#agent(agentId, name);
    const at = this.#now();
    agent.faults++;
    agent.lastActivity = at;
    this.#system.faults++;
    this.#faultsByKind[fault]++;
    if (fault === 'crash') {
      agent.crashes++;
      this.#system.crashes++;
    }
    const base = {
      kind: 'fault',
      agentId: agent.agentId,
      agent: agent.name,
      fault,
      action,
      at,
    } as const;
    const event: AgentFaultEvent =
      detail === undefined ? base : { ...base, detail: redact(detail) };
    this.#push(event);
  }

  /** A model call finished: tokens and cost per agent and per provider and model. */
  modelUsage(agentId: string | undefined, usage: ModelUsage): void {
    const key = `${usage.provider}\u0000${usage.model}`;
    let totals = this.#models.get(key);
    if (totals === undefined) {
      totals = {
        provider: redact(usage.provider),
        model: redact(usage.model),
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
        durations: new BucketCounts(MODEL_DURATION_BOUNDS_S, 1),
      };
      this.#models.set(key, totals);
    }
    totals.inputTokens += usage.inputTokens;
    totals.outputTokens += usage.outputTokens;
    totals.costUsd += usage.costUsd ?? 0;
    if (usage.durationMs !== undefined) totals.durations.observe(usage.durationMs / 1000);
    if (agentId !== undefined) {
      const agent = this.#agent(agentId, undefined);
      agent.inputTokens += usage.inputTokens;
      agent.outputTokens += usage.outputTokens;
      agent.costUsd += usage.costUsd ?? 0;
      agent.lastActivity = this.#now();
    }
  }

  /** An agent started a task (the `agent_active_tasks` gauge goes up). */
  taskStarted(agentId: string, name: string): void {
    const agent = this.#agent(agentId, name);
    agent.activeTasks++;
    agent.lastActivity = this.#now();
  }

  /** An agent finished a task started with {@link taskStarted}. */
  taskFinished(agentId: string, name: string, outcome: TaskOutcome): void {
    const agent = this.#agent(agentId, name);
    if (agent.activeTasks > 0) agent.activeTasks--;
    agent.lastActivity = this.#now();
    // Keyed by name, the metric label, so two ids sharing a name share one series.
    const countKey = `${agent.name}\u0000${outcome.status}`;
    let count = this.#tasks.get(countKey);
    if (count === undefined) {
      count = { labels: { agent: agent.name, status: outcome.status }, value: 0 };
      this.#tasks.set(countKey, count);
    }
    count.value++;
    const durationKey = `${agent.name}\u0000${outcome.taskType}`;
    let series = this.#taskDurations.get(durationKey);
    if (series === undefined) {
      series = {
        labels: { agent: agent.name, task_type: redact(outcome.taskType) },
        buckets: new BucketCounts(TASK_DURATION_BOUNDS_S, 1),
      };
      this.#taskDurations.set(durationKey, series);
    }
    series.buckets.observe(outcome.durationMs / 1000);
  }

  /** The HTTP server answered a request. */
  apiRequest(request: ApiRequest): void {
    const status = String(request.statusCode);
    const countKey = `${request.method}\u0000${request.endpoint}\u0000${status}`;
    let count = this.#apiRequests.get(countKey);
    if (count === undefined) {
      count = {
        labels: {
          method: request.method,
          endpoint: redact(request.endpoint),
          status_code: status,
        },
        value: 0,
      };
      this.#apiRequests.set(countKey, count);
    }
    count.value++;
    const durationKey = `${request.method}\u0000${request.endpoint}`;
    let series = this.#apiDurations.get(durationKey);
    if (series === undefined) {
      series = {
        labels: { method: request.method, endpoint: redact(request.endpoint) },
        buckets: new BucketCounts(API_DURATION_BOUNDS_S, 1),
      };
      this.#apiDurations.set(durationKey, series);
    }
    series.buckets.observe(request.durationMs / 1000);
  }

  /** System-wide counters (a copy). */
  systemMetrics(): SystemMetrics {
    let active = 0;
    for (const agent of this.#agents.values()) {
      if (agent.state !== undefined && !TERMINAL.has(agent.state)) active++;
    }
    return {
      ...this.#system,
      faultsByKind: { ...this.#faultsByKind },
      activeAgents: active,
      totalOps: this.#total,
    };
  }

  /** A copy of the counters and the recent events, oldest first. */
  snapshot(options: { recent?: number } = {}): TelemetrySnapshot {
    const limit = options.recent ?? EVENT_BUFFER_SIZE;
    const recent: TelemetryEvent[] = [];
    for (let i = 0; i < EVENT_BUFFER_SIZE && limit > 0; i++) {
      const e = this.#ring[(this.#next + i) % EVENT_BUFFER_SIZE];
      if (e !== undefined) recent.push(e);
    }
    const operations: Record<string, OperationStats> = {};
    for (const op of this.#ops.values()) operations[op.storedName] = { ...op.stats };
    const agents: Record<string, AgentMetrics> = {};
    for (const agent of this.#agents.values()) agents[agent.agentId] = { ...agent };
    return {
      totalCalls: this.#total,
      operations,
      recent: limit > 0 ? recent.slice(-limit) : [],
      startedAt: this.#startedAt,
      system: this.systemMetrics(),
      agents,
    };
  }

  /**
   * Live views for the metrics registry, read at scrape time. Callers must not modify them;
   * they are not copies, so a scrape costs no allocation per series.
   */
  metricSources(): MetricSources {
    const ops = this.#ops;
    return {
      *operations() {
        for (const op of ops.values())
          yield { name: op.storedName, stats: op.stats, durations: op.durations };
      },
      agents: () => this.#agents.values(),
      tasks: () => this.#tasks.values(),
      taskDurations: () => this.#taskDurations.values(),
      models: () => this.#models.values(),
      apiRequests: () => this.#apiRequests.values(),
      apiDurations: () => this.#apiDurations.values(),
    };
  }
}

/** What {@link TelemetryAggregator.metricSources} exposes to the metrics registry. */
export interface MetricSources {
  operations(): Iterable<{
    readonly name: string;
    readonly stats: Readonly<OperationStats>;
    readonly durations: BucketCounts;
  }>;
  agents(): Iterable<Readonly<AgentMetrics>>;
  tasks(): Iterable<LabelledCount>;
  taskDurations(): Iterable<LabelledBuckets>;
  models(): Iterable<ModelTotals>;
  apiRequests(): Iterable<LabelledCount>;
  apiDurations(): Iterable<LabelledBuckets>;
}

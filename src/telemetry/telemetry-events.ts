/**
 * @module The records the telemetry aggregator keeps: lifecycle and fault events beside the
 * kernel's op events in one ring buffer, and the system and per-agent counters it hands out in
 * snapshots. Plain readonly data discriminated by `kind`, as the ledger's entries are.
 */
import type { CallEvent } from '../core/index.js';

/** Agent lifecycle states (seed 001; the `to` of a `supervisor.state` ledger entry). */
export type AgentLifecycleState =
  | 'spawned'
  | 'active'
  | 'fault'
  | 'recovery'
  | 'restarted'
  | 'exited'
  | 'failed';

/** Fault types the fault detector reports (the `fault` of a `supervisor.fault` entry). */
export type FaultKind =
  | 'cpu_quota'
  | 'memory_limit'
  | 'op_flood'
  | 'watchdog_timeout'
  | 'capability_violation'
  | 'policy_violation'
  | 'crash';

/** Every fault kind, in a stable order (for zero-filled counters and metric labels). */
export const FAULT_KINDS: readonly FaultKind[] = [
  'cpu_quota',
  'memory_limit',
  'op_flood',
  'watchdog_timeout',
  'capability_violation',
  'policy_violation',
  'crash',
];

/** What the supervisor did about a fault. */
export type FaultAction = 'log' | 'throttle' | 'suspend' | 'kill' | 'restart';

/** An agent changed lifecycle state. Text fields are redacted before they are stored. */
export interface AgentStateEvent {
  readonly kind: 'agent';
  readonly agentId: string;
  readonly agent: string;
  readonly state: AgentLifecycleState;
  readonly detail?: string;
  readonly at: number;
}

/** The fault detector saw a fault. Text fields are redacted before they are stored. */
export interface AgentFaultEvent {
  readonly kind: 'fault';
  readonly agentId: string;
  readonly agent: string;
  readonly fault: FaultKind;
  readonly action: FaultAction;
  readonly detail?: string;
  readonly at: number;
}

/** Anything in the ring buffer: an op call, a lifecycle change or a fault. */
export type TelemetryEvent = CallEvent | AgentStateEvent | AgentFaultEvent;

/** System-wide counters, cumulative since the aggregator started (seed 001 "System Metrics"). */
export interface SystemMetrics {
  spawns: number;
  exits: number;
  /** Faults of kind `crash` (lifecycle changes to `fault` count nothing, so a crash counts once). */
  crashes: number;
  faults: number;
  faultsByKind: Record<FaultKind, number>;
  restarts: number;
  failures: number;
  /** Agents not in a terminal state (exited, failed). */
  activeAgents: number;
  totalOps: number;
}

/** Per-agent counters (seed 001 "Per-Agent Metrics"). */
export interface AgentMetrics {
  agentId: string;
  name: string;
  /** Last lifecycle state seen; `undefined` when only op events were seen. */
  state: AgentLifecycleState | undefined;
  ops: number;
  errors: number;
  denials: number;
  rejections: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  spawns: number;
  exits: number;
  restarts: number;
  crashes: number;
  faults: number;
  activeTasks: number;
  /** Epoch ms of the last op, lifecycle change, fault, task or model call. */
  lastActivity: number;
}

/** A model call's usage, fed to {@link TelemetryAggregator.modelUsage}. */
export interface ModelUsage {
  /** Provider name, e.g. "anthropic", "openai" (label `provider`). */
  readonly provider: string;
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd?: number;
  readonly durationMs?: number;
}

/** A finished task, fed to {@link TelemetryAggregator.taskFinished}. */
export interface TaskOutcome {
  readonly taskType: string;
  readonly status: 'success' | 'failure';
  readonly durationMs: number;
}

/** A served HTTP request, fed to {@link TelemetryAggregator.apiRequest}. */
export interface ApiRequest {
  readonly method: string;
  /** The route pattern (e.g. "/v1/agents/:id"), never the raw path: it is a metric label. */
  readonly endpoint: string;
  readonly statusCode: number;
  readonly durationMs: number;
}

/** @module Telemetry: the kernel's measure stage, its snapshots, Prometheus metrics, traces and redaction. */

// Aggregation (the kernel's measure stage and the supervisor's counters)
export { BucketCounts } from './bucket-counts.js';
// OpenTelemetry traces
export { AGENTVISOR_ATTR, GEN_AI } from './genai-attributes.js';
// Prometheus `GET /metrics`
export {
  MetricsRegistry,
  type MetricsRegistryOptions,
  type RenderedMetrics,
} from './metrics-registry.js';
// Redaction
export { REDACTED, redact } from './redact.js';
export {
  EVENT_BUFFER_SIZE,
  type MetricSources,
  type OperationStats,
  TelemetryAggregator,
  type TelemetryAggregatorOptions,
  type TelemetrySnapshot,
} from './telemetry-aggregator.js';
export {
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
export {
  type ModelCallDescription,
  type ModelCallUsage,
  type TracedAgent,
  Tracing,
  type TracingConfig,
} from './tracing.js';

/** @module Telemetry: the kernel's measure stage and its snapshots. */
export {
  EVENT_BUFFER_SIZE,
  type OperationStats,
  TelemetryAggregator,
  type TelemetrySnapshot,
} from './telemetry-aggregator.js';

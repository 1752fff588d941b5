/**
 * @module Agentvisor's public API. Each module's own `index.ts` is its contract; this file
 * re-exports what embedders use most.
 */
// Core: errors, config, the kernel and its gate
export * from './core/index.js';
// The ledger
export * from './ledger/index.js';
// The data layer
export { openStore, PostgresStore, SqliteStore, type Store } from './store/index.js';
// The assembled system
export { type AgentvisorSystem, openSystem } from './system/index.js';
// Teams: the bus, the orchestrator, the collaboration patterns, hooks
export {
  type Bus,
  type BusMessage,
  broadcast,
  handoff,
  InProcessBus,
  type PatternContext,
  parallel,
  peerConsult,
  RedisStreamsBus,
  sequential,
} from './team/index.js';
// Telemetry
export { TelemetryAggregator, type TelemetrySnapshot } from './telemetry/index.js';

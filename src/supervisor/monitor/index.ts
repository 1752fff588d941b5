/**
 * @module Supervisor monitoring: what the supervisor measures and decides about running agents.
 * Resource windows and rates (seed 001 §15), operation profiles (§17), fault detection with
 * recovery presets (seed 001 fault handling), and resource budget signals (seed 000).
 * Everything here is pure bookkeeping; the supervisor acts on what it returns.
 */

// Budget actions and the signal bus
export {
  type AgentBudget,
  BudgetActions,
  type BudgetActionsOptions,
  type BudgetThreshold,
  type BudgetUsage,
} from './budget-actions.js';
// Profiler
export { type DurationSummary, nearestRank, summariseDurations } from './duration-stats.js';
// Fault detection
export {
  type Fault,
  FaultDetector,
  type FaultDetectorOptions,
  type ReportedFault,
  type ResourceReadings,
} from './fault-detector.js';
export {
  DEFAULT_FAULT_LIMITS,
  FAULT_ACTIONS,
  type FaultAction,
  type FaultLimits,
  type FaultOverrides,
  PERMISSIVE_POLICY,
  type RecoveryPolicy,
  type RecoveryPreset,
  recoveryPreset,
  STRICT_POLICY,
} from './fault-policy.js';
// Resource monitor
export { type IntervalTimer, systemIntervalTimer } from './interval-timer.js';
export {
  PidusageSampler,
  type ProcessReading,
  type ProcessSampler,
} from './process-sampler.js';
export {
  type AggregateProfile,
  type OperationProfile,
  OTHER_OPERATION,
  PROFILE_SAMPLES,
  Profiler,
  type ProfilerOptions,
} from './profiler.js';
export {
  type AgentResourceView,
  type AgentUsage,
  HISTORY_WINDOWS,
  type MonitorSnapshot,
  ResourceMonitor,
  type ResourceMonitorOptions,
  type ResourceRates,
  type ResourceWindow,
  type SystemResourceTotals,
  type UsageReport,
} from './resource-monitor.js';
export {
  BUDGET_ACTIONS,
  BUDGET_RESOURCES,
  type BudgetAction,
  type BudgetLevel,
  type BudgetResource,
  type ResourceSignal,
} from './resource-signal.js';
export {
  type AgentSignal,
  SignalBus,
  type SignalBusOptions,
  type SignalListener,
} from './signal-bus.js';

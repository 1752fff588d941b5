/**
 * @module Supervisor: the supervision core. A {@link Supervisor} starts, watches and restarts
 * {@link SupervisedChild}ren by an Erlang/OTP strategy (one_for_one, one_for_all,
 * rest_for_one) with restart modes, per-child `auto_restart` limits (seed 001), a backoff
 * schedule (seed 002) and a restart intensity beyond which it escalates to its parent; a
 * supervisor is itself a child, so supervisors form trees. The {@link DependencyGraph} holds
 * required, optional and peer dependencies between agents (seed 001 §16): start order,
 * cascades, chain queries, no cycles. Pure and deterministic: no processes of its own, time and
 * timers injected; agent runners are adapted to {@link SupervisedChild} by the caller.
 */

// Timers
export { type DelayTimer, ManualDelayTimer, systemDelayTimer } from './delay-timer.js';
// Dependencies
export {
  DEPENDENCY_KINDS,
  type DeclaredAgent,
  type DependencyEdge,
  DependencyGraph,
  type DependencyKind,
  type DependencyQuery,
} from './dependency-graph.js';
export * from './monitor/index.js';
export { type RestartIntensity, RestartIntensityWindow } from './restart-intensity.js';
// Restart policy
export {
  backoffDelayMs,
  checkBackoffSchedule,
  DEFAULT_BACKOFF_SECONDS,
  RESTART_MODES,
  RESTART_STRATEGIES,
  type RestartMode,
  type RestartStrategy,
  restartGroup,
  restartModeOf,
  shouldRestart,
} from './restart-policy.js';
// The supervised seam
export type {
  ChildExit,
  ChildExitKind,
  ChildRuntimeInfo,
  SupervisedChild,
} from './supervised-child.js';
// The supervisor, its states and events
export { Supervisor, type SupervisorOptions, type SupervisorStatus } from './supervisor.js';
export {
  CHILD_STATES,
  type ChildInfo,
  type ChildSpec,
  type ChildState,
  type ChildStateEvent,
  type ChildStatus,
  type EscalationEvent,
  type SupervisorEvent,
} from './supervisor-event.js';

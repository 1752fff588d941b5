/**
 * @module The agent's self (seed 003): identity and keys, constitution, goal stack and
 * snapshots. The heartbeat engine and the supervisor build on these.
 */

// Identity
export {
  AGENT_STATES,
  type AgentIdentity,
  AgentRegistry,
  type AgentState,
  agentKeyId,
  definitionDigest,
  type EnsureIdentityResult,
  type SecretSealer,
  verifyAgentSignature,
} from './agent-registry.js';
// Constitution
export { Constitution, type Directive, type NewDirective } from './constitution.js';
// Goals
export {
  GOAL_SEALED_FIELDS,
  GOAL_STATUSES,
  GOAL_TRANSITIONS,
  type Goal,
  type GoalHistoryEntry,
  type GoalStatus,
  type GoalStatusKind,
  goalContentHash,
  isFinished,
} from './goal-record.js';
export {
  type GoalChangeOptions,
  GoalStack,
  type GoalTamperFinding,
  type NewGoal,
} from './goal-stack.js';
// Snapshots
export { SnapshotSchedule, type SnapshotScheduleOptions } from './snapshot-schedule.js';
export {
  DEFAULT_SNAPSHOT_RETENTION,
  type LatestSnapshot,
  type RefusedSnapshot,
  type Snapshot,
  type SnapshotInfo,
  SnapshotStore,
} from './snapshot-store.js';

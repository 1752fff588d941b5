/**
 * @module The daemon runtime (seed 003): agents with identity and a constitution, goal stacks, a
 * heartbeat loop (perceive → remember → reflect → deliberate → act → learn), perception sources,
 * deliberation strategies, tools (built-in, MCP, sandboxed modules), the tool-call journal that
 * keeps side effects from repeating after a crash, and snapshots. Every side effect of an agent
 * goes through the kernel gate as an operation.
 */

// Identity, constitution, goals, snapshots
export * from './agent/index.js';
export type {
  Decision,
  DeliberationContext,
  DirectiveView,
  GoalView,
  PlannedAction,
  ToolView,
  TranscriptTurn,
} from './deliberation/decision.js';
// Deliberation
export type { Deliberator } from './deliberation/deliberator.js';
export { LlmDeliberator, type LlmDeliberatorOptions } from './deliberation/llm-deliberator.js';
export { fromWireToolName, toWireToolName } from './deliberation/tool-names.js';
export {
  type Candidate,
  defaultUtilityDeliberator,
  UtilityDeliberator,
  type UtilityDeliberatorOptions,
} from './deliberation/utility-deliberator.js';
// Perception
export { FileWatchSource } from './perception/file-watch-source.js';
export { InboxSource, TASK_SUBJECT_PREFIX } from './perception/inbox-source.js';
export {
  AttentionFilter,
  type AttentionOptions,
  type Observation,
  type ObservationKind,
} from './perception/observation.js';
export { Perceiver, type Perception } from './perception/perceiver.js';
export type { PerceptionSource } from './perception/perception-source.js';
export { TimerSource } from './perception/timer-source.js';
export { WebhookSource } from './perception/webhook-source.js';
// The runtime
export { AdaptiveInterval } from './runtime/adaptive-interval.js';
export { AgentDaemon, type AgentDaemonOptions, type DaemonStatus } from './runtime/agent-daemon.js';
export { type AgentGate, InlineGate } from './runtime/agent-gate.js';
export {
  AgentHost,
  type AgentHostOptions,
  DEFAULT_AGENT_CAPABILITIES,
  type SpawnedAgent,
  type SpawnOptions,
} from './runtime/agent-host.js';
export {
  AgentOps,
  type PersistedPlan,
  type RuntimeState,
  type ToolCallOutcome,
  type ToolCallRequest,
} from './runtime/agent-ops.js';
export type { IsolatedAgentSpec } from './runtime/gate-protocol.js';
export {
  type AgentProfile,
  BeatError,
  type BeatReport,
  HeartbeatEngine,
  type PhaseTimings,
} from './runtime/heartbeat-engine.js';
export type { HostedAgent, HostedAgents } from './runtime/hosted-agent.js';
export { Inbox, type InboxMessage, MAX_MESSAGE_CHARS } from './runtime/inbox.js';
export { IpcGate, serveGate } from './runtime/ipc-gate.js';
export {
  type DaemonHandle,
  IsolatedDaemon,
  type IsolatedDaemonOptions,
  isolateEntryPath,
} from './runtime/isolated-daemon.js';
export type {
  DaemonOperationServices,
  ToolHooks,
} from './runtime/operations/operation-scope.js';
export { type TaskUsage, taskUsage } from './runtime/operations/task-usage.js';
export {
  classifyError,
  DEFAULT_RECOVERY,
  type ErrorKind,
  type RecoveryAction,
  type RecoveryPolicy,
  retryDelayMs,
} from './runtime/recovery.js';
export { type JournalAdmission, type ToolCallRecord, ToolJournal } from './runtime/tool-journal.js';
// Sandboxes and tools
export * from './sandbox/index.js';
export * from './tools/index.js';

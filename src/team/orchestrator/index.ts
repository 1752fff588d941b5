/**
 * @module The orchestrator and the 7-phase algorithm: team runs, their steps and subtasks.
 */
export {
  ALGORITHM_PHASES,
  type AlgorithmPhase,
  RETRYABLE_PHASES,
  type RetryablePhase,
} from './algorithm-phases.js';
export {
  type Plan,
  parseModelJson,
  planSchema,
  type Verdict,
  verdictSchema,
} from './model-replies.js';
export {
  Orchestrator,
  type OrchestratorOptions,
  type RunApprovals,
  type RunEvent,
  type RunMemory,
  type TeamMember,
} from './orchestrator.js';
export {
  type RunState,
  type RunStatus,
  type RunStep,
  type SubtaskRecord,
  type SubtaskResult,
  type TeamRun,
  TeamRunStore,
} from './run-store.js';

/**
 * @module Error handling by kind (seed 003, "Error Hierarchy" and "Recovery Strategies"). Each
 * failure of a beat is classified by its error code into a kind, and the agent's configuration
 * says what to do for that kind: retry (with exponential backoff), skip, suspend or terminate.
 */
import { type ErrorCode, isAgentvisorError } from '../../core/index.js';

/** The seed's error kinds, as Agentvisor classifies them. */
export type ErrorKind = 'model' | 'tool' | 'timeout' | 'budget' | 'memory' | 'fatal';

/** What to do about an error. */
export type RecoveryAction = 'retry' | 'skip' | 'suspend' | 'terminate';

/** The recovery action per error kind. */
export type RecoveryPolicy = Readonly<Record<ErrorKind, RecoveryAction>>;

/** Defaults: transient problems retry, a broken tool call is skipped, budget suspends. */
export const DEFAULT_RECOVERY: RecoveryPolicy = Object.freeze({
  model: 'retry',
  tool: 'skip',
  timeout: 'retry',
  budget: 'suspend',
  memory: 'retry',
  fatal: 'terminate',
});

const KIND_BY_CODE: Partial<Record<ErrorCode, ErrorKind>> = {
  UPSTREAM_FAILED: 'model',
  UPSTREAM_UNAVAILABLE: 'model',
  MODEL_OUTPUT_INVALID: 'model',
  MODEL_UNKNOWN: 'model',
  TOOL_FAILED: 'tool',
  SANDBOX_CRASHED: 'tool',
  POLICY_DENIED: 'tool',
  INPUT_INVALID: 'tool',
  NOT_FOUND: 'tool',
  PAYLOAD_TOO_LARGE: 'tool',
  TIMEOUT: 'timeout',
  BUDGET_EXCEEDED: 'budget',
  RATE_LIMITED: 'budget',
  STORE_UNAVAILABLE: 'memory',
  UNAVAILABLE: 'memory',
};

/** The kind of an error, from its code; anything unrecognised is fatal. */
export function classifyError(error: unknown): ErrorKind {
  if (!isAgentvisorError(error)) return 'fatal';
  return KIND_BY_CODE[error.code] ?? 'fatal';
}

/** Delay before retry number `attempt` (1-based): exponential from `baseMs`, capped, jittered. */
export function retryDelayMs(attempt: number, baseMs: number, capMs = 60_000): number {
  const exp = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  // Full jitter keeps a fleet of agents that failed together from retrying together.
  return Math.round(exp / 2 + Math.random() * (exp / 2));
}

/**
 * @module Hooks (seed 002 "Hook System Events"): operator modules and commands that run at
 * the points of an agent's life named by the seed. `PreToolUse` hooks may deny or amend a tool
 * call; the others observe. Every hook has a time limit, and its failures are recorded, never
 * thrown at the agent.
 */

// Running hooks
export { MAX_HOOK_ANSWER_BYTES } from './command-hook.js';
// What hooks answer and what a run yields
export { type PreToolUseAnswer, preToolUseAnswerSchema } from './hook-answer.js';
// Configuration (the `hooks:` section of agentvisor.yaml)
export {
  DEFAULT_HOOK_TIMEOUT_MS,
  HOOK_ON_ERROR,
  type HookConfig,
  type HookConfigInput,
  hookConfigSchema,
  hookMatchSchema,
  hooksConfigSchema,
  MAX_HOOK_TIMEOUT_MS,
  parseHooksConfig,
} from './hook-config-schema.js';
// Events and their payloads
export { HOOK_EVENTS, type HookEvent, isHookEvent, TOOL_EVENTS } from './hook-events.js';
export {
  type HookAllow,
  type HookDeny,
  type HookOutcome,
  hookDenialError,
} from './hook-outcome.js';
export {
  HOOK_OUTPUT_MAX_CHARS,
  type HookPayload,
  type HookPayloadInput,
  hookPayloadSchemas,
  STOP_OUTCOMES,
} from './hook-payloads.js';
export { HOOK_RUN_OUTCOMES, type HookRecord, type HookRunOutcome } from './hook-record.js';
export { HookRunner, type HookRunnerOptions } from './hook-runner.js';
export type { HookContext, HookFunction } from './module-hook.js';
export { compileNameGlob } from './name-glob.js';

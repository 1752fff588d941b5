/**
 * @module What `HookRunner.run` returns: the combined answer of an event's hooks, plus the
 * records of the hooks that ran. Only `PreToolUse` can end in a deny or amended arguments.
 */
import { AgentvisorError } from '../../core/index.js';
import type { HookRecord } from './hook-record.js';

/** The hooks let the call (or event) proceed. */
export interface HookAllow {
  readonly decision: 'allow';
  /**
   * Present when a `PreToolUse` hook amended the arguments: the last amendment, as JSON. The
   * caller must validate these against the tool's schema again before running the tool, as
   * it did the agent's original arguments: a hook is operator code, not a schema.
   */
  readonly args?: Record<string, unknown>;
  /** One record per hook that ran, in order. */
  readonly records: readonly HookRecord[];
}

/** A `PreToolUse` hook refused the call (or failed with `on_error: deny`). */
export interface HookDeny {
  readonly decision: 'deny';
  /** The hook's reason, or why a fail-closed hook failed. */
  readonly reason: string;
  /** The hook that denied, as its position in the `hooks:` list. */
  readonly hookIndex: number;
  readonly records: readonly HookRecord[];
}

/** The combined answer of an event's hooks. */
export type HookOutcome = HookAllow | HookDeny;

/**
 * The error a caller raises for a denied tool call: `POLICY_DENIED`, naming the hook.
 *
 * @example
 * const outcome = await hooks.run('PreToolUse', payload);
 * if (outcome.decision === 'deny') throw hookDenialError(outcome, payload.tool);
 */
export function hookDenialError(deny: HookDeny, tool: string): AgentvisorError {
  return new AgentvisorError(
    'POLICY_DENIED',
    `${tool}: denied by hook hooks[${deny.hookIndex}]: ${deny.reason}`,
    { details: { tool, hookIndex: deny.hookIndex, reason: deny.reason } },
  );
}

/**
 * @module The hook events of seed 002 ("Hook System Events"): the points in an agent's life
 * where operator-supplied hooks run. Only {@link TOOL_EVENTS} hooks can change what happens
 * (`PreToolUse` may deny or amend a call); every other event is observed.
 */

/** Every hook event, in the seed's order. */
export const HOOK_EVENTS = [
  'SessionStart',
  'SessionEnd',
  'UserPromptSubmit',
  'Stop',
  'SubagentStop',
  'PreToolUse',
  'PostToolUse',
  'PreCompact',
] as const;

/** One of {@link HOOK_EVENTS}. */
export type HookEvent = (typeof HOOK_EVENTS)[number];

/** The events whose payload names a tool, so a hook's `match.tool` glob means something. */
export const TOOL_EVENTS: readonly HookEvent[] = ['PreToolUse', 'PostToolUse'];

/** True when `value` is one of {@link HOOK_EVENTS}. */
export function isHookEvent(value: unknown): value is HookEvent {
  return typeof value === 'string' && (HOOK_EVENTS as readonly string[]).includes(value);
}

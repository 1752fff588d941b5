/**
 * @module What each hook event tells its hooks: one zod schema per event of seed 002. The
 * runner validates a payload before any hook sees it, so a hook can rely on these shapes, and
 * a caller's mistake is reported as `INPUT_INVALID` instead of reaching operator code.
 */
import { z } from 'zod';
import type { HookEvent } from './hook-events.js';

/**
 * Longest tool output, in characters, that `PostToolUse` hooks receive. A tool may return
 * megabytes; a hook that logs or inspects it needs the head, and every command hook gets the
 * payload through a pipe, so the text is cut here and `outputTruncated` says so.
 */
export const HOOK_OUTPUT_MAX_CHARS = 16_384;

const agentName = z.string().min(1).max(128);
const idText = z.string().min(1).max(128);
const toolName = z.string().min(1).max(256);
/** Tool arguments: a JSON object, as the tool registry receives them. */
const toolArgs = z.record(z.string(), z.unknown());

/** `SessionStart`: an agent session begins (load context). */
export const sessionStartPayloadSchema = z.strictObject({
  agent: agentName,
  agentId: idText,
  reason: z.string().max(1024).optional(),
});

/** `SessionEnd`: an agent session ends (persist state, clean up). */
export const sessionEndPayloadSchema = sessionStartPayloadSchema;

/** `UserPromptSubmit`: a person submitted a prompt or task text. */
export const userPromptSubmitPayloadSchema = z.strictObject({
  agent: agentName.optional(),
  taskId: idText.optional(),
  text: z.string(),
});

/** How a task or an agent's run ended, for `Stop` and `SubagentStop`. */
export const STOP_OUTCOMES = ['completed', 'failed', 'cancelled'] as const;

/** `Stop`: a task completed (the seed triggers VERIFY here). */
export const stopPayloadSchema = z.strictObject({
  agent: agentName,
  taskId: idText.optional(),
  outcome: z.enum(STOP_OUTCOMES),
});

/** `SubagentStop`: a child agent completed its part (the parent aggregates). */
export const subagentStopPayloadSchema = stopPayloadSchema;

/** `PreToolUse`: an agent is about to call a tool; hooks may deny or amend the call. */
export const preToolUsePayloadSchema = z.strictObject({
  agent: agentName,
  agentId: idText,
  tool: toolName,
  args: toolArgs,
  taskId: idText.optional(),
});

/** `PostToolUse`: a tool call finished; `output` is cut to {@link HOOK_OUTPUT_MAX_CHARS}. */
export const postToolUsePayloadSchema = z
  .strictObject({
    agent: agentName,
    agentId: idText.optional(),
    tool: toolName,
    args: toolArgs,
    taskId: idText.optional(),
    ok: z.boolean(),
    output: z.string(),
    /** Set by a caller that already cut the output itself. */
    outputTruncated: z.boolean().optional(),
    durationMs: z.number().nonnegative(),
  })
  .transform((p) => ({
    ...p,
    output:
      p.output.length > HOOK_OUTPUT_MAX_CHARS ? p.output.slice(0, HOOK_OUTPUT_MAX_CHARS) : p.output,
    outputTruncated: p.outputTruncated === true || p.output.length > HOOK_OUTPUT_MAX_CHARS,
  }));

/** `PreCompact`: a component (transcript, memory tier...) is about to compact `items` entries. */
export const preCompactPayloadSchema = z.strictObject({
  agent: agentName,
  component: z.string().min(1).max(128),
  items: z.number().int().nonnegative(),
});

/** The payload schema of every event. */
export const hookPayloadSchemas = {
  SessionStart: sessionStartPayloadSchema,
  SessionEnd: sessionEndPayloadSchema,
  UserPromptSubmit: userPromptSubmitPayloadSchema,
  Stop: stopPayloadSchema,
  SubagentStop: subagentStopPayloadSchema,
  PreToolUse: preToolUsePayloadSchema,
  PostToolUse: postToolUsePayloadSchema,
  PreCompact: preCompactPayloadSchema,
} as const satisfies Record<HookEvent, z.ZodType>;

/** What a caller passes to `HookRunner.run` for event `E`. */
export type HookPayloadInput<E extends HookEvent> = z.input<(typeof hookPayloadSchemas)[E]>;

/** What a hook of event `E` receives (after validation and output truncation). */
export type HookPayload<E extends HookEvent> = z.output<(typeof hookPayloadSchemas)[E]>;

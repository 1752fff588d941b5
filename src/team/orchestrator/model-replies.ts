/**
 * @module What the orchestrator asks the model for and how it reads the answers: a plan (the
 * approach, the pattern, subtasks with a role and success criteria) and a verdict (pass, or the
 * phase that failed and the subtasks that did). Replies are JSON inside the text; anything else
 * is MODEL_OUTPUT_INVALID with what was wrong, which the orchestrator shows the model once.
 */
import { z } from 'zod';
import { AgentvisorError } from '../../core/index.js';
import { RETRYABLE_PHASES } from './algorithm-phases.js';

/** One subtask of a plan. */
export const plannedSubtaskSchema = z
  .object({
    title: z.string().trim().min(1).max(500),
    role: z.string().trim().min(1).max(64),
    description: z.string().max(20_000).default(''),
    criteria: z.array(z.string().trim().min(1).max(2000)).max(20).default([]),
  })
  .strip();

/** A plan: how the team will do the task. */
export const planSchema = z
  .object({
    approach: z.string().max(20_000).default(''),
    pattern: z.enum(['sequential', 'parallel']).default('sequential'),
    subtasks: z.array(plannedSubtaskSchema).min(1, 'a plan needs at least one subtask'),
    criteria: z.array(z.string().trim().min(1).max(2000)).max(50).default([]),
  })
  .strip();

/** A parsed plan. */
export type Plan = z.output<typeof planSchema>;

/** The verify phase's verdict. */
export const verdictSchema = z
  .object({
    pass: z.boolean(),
    reason: z.string().max(20_000).default(''),
    failing_phase: z.enum(RETRYABLE_PHASES).optional(),
    /** Positions (0-based) of the subtasks that failed their criteria. */
    failed_subtasks: z.array(z.number().int().min(0)).max(100).default([]),
  })
  .strip();

/** A parsed verdict. */
export type Verdict = z.output<typeof verdictSchema>;

/**
 * The JSON object in a model's reply (the first `{` to the last `}`, so prose or a code fence
 * around it does not matter), validated by `schema`.
 *
 * @example
 * const plan = parseModelJson(planSchema, reply, 'plan');
 */
export function parseModelJson<T>(schema: z.ZodType<T>, text: string, what: string): T {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start === -1 || end < start) {
    throw new AgentvisorError(
      'MODEL_OUTPUT_INVALID',
      `the ${what} reply holds no JSON object; answer with one JSON object`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text.slice(start, end + 1));
  } catch (error) {
    throw new AgentvisorError(
      'MODEL_OUTPUT_INVALID',
      `the ${what} reply is not valid JSON (${(error as Error).message})`,
    );
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new AgentvisorError(
      'MODEL_OUTPUT_INVALID',
      `the ${what} reply does not fit: ${parsed.error.issues
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ')}`,
    );
  }
  return parsed.data;
}

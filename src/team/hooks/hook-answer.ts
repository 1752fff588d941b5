/**
 * @module What a `PreToolUse` hook may answer, and its reading. A hook allows, denies with a
 * reason, or allows with amended arguments; returning nothing (or printing nothing) allows.
 * The answer is strict: a misspelt `arg` would otherwise be an amendment silently dropped.
 */
import { z } from 'zod';

/** Longest deny reason kept; it is shown to the agent and recorded. */
export const MAX_DENY_REASON_CHARS = 2000;

/** The answer of a `PreToolUse` hook. */
export const preToolUseAnswerSchema = z.discriminatedUnion('decision', [
  z.strictObject({
    decision: z.literal('allow'),
    /** Replacement arguments; the next hook, and then the tool, see these instead. */
    args: z.record(z.string(), z.unknown()).optional(),
  }),
  z.strictObject({
    decision: z.literal('deny'),
    reason: z.string().min(1).max(MAX_DENY_REASON_CHARS),
  }),
]);

/** A valid `PreToolUse` answer. */
export type PreToolUseAnswer = z.output<typeof preToolUseAnswerSchema>;

/**
 * Reads a hook's answer: `null`/`undefined` is an allow without opinion; anything else must
 * match {@link preToolUseAnswerSchema}.
 *
 * @throws {Error} naming what is wrong, which the runner records as the hook's error
 * @example
 * readPreToolUseAnswer({ decision: 'deny', reason: 'no rm -rf' });
 */
export function readPreToolUseAnswer(answer: unknown): PreToolUseAnswer {
  if (answer === undefined || answer === null) return { decision: 'allow' };
  const result = preToolUseAnswerSchema.safeParse(answer);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (i) => `${i.path.length === 0 ? 'answer' : i.path.join('.')}: ${i.message}`,
  );
  throw new Error(
    `answer is not {decision: "allow", args?} or {decision: "deny", reason}: ${problems.join('; ')}`,
  );
}

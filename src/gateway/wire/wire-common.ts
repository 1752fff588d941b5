/**
 * @module Helpers shared by the three wire translators: turning a zod failure into one
 * `INPUT_INVALID` message that names the offending field (`messages[2].content: ...`), turning a
 * provider's off-spec answer into a `malformed` {@link ProviderError}, and the small JSON and
 * tool-name utilities every format needs. Kept here so each translator reads as the mapping only.
 */
import { z } from 'zod';
import { AgentvisorError } from '../../core/index.js';
import type { ChatMessage, FinishReason, ToolCall } from '../chat-types.js';
import { ProviderError, type ProviderFailure } from '../provider.js';

/** Error codes a decoded stream may end with: a provider failure kind, or a cut-off stream. */
export type StreamErrorCode = ProviderFailure | 'truncated';

type Issue = z.core.$ZodIssue;

/** Renders a zod path as `messages[2].content`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out === '' ? '(body)' : out;
}

/**
 * Picks the most useful issue. For a union whose input matched one branch's shape (e.g. an array
 * of content parts with one bad part), the deepest branch issue says more than "no branch
 * matched", so it wins; otherwise the union's own message (set by the schema) is used.
 */
function bestIssue(
  issue: Issue,
  prefix: readonly PropertyKey[],
): { path: PropertyKey[]; message: string } {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && Array.isArray(issue.errors) && issue.errors.length > 0) {
    let deepest: Issue | undefined;
    for (const branch of issue.errors) {
      const first = branch[0];
      if (
        first !== undefined &&
        first.path.length > 0 &&
        (deepest === undefined || first.path.length > deepest.path.length)
      )
        deepest = first;
    }
    if (deepest !== undefined) return bestIssue(deepest, path);
  }
  return { path, message: issue.message.replace(/^Invalid input: /, '') };
}

/**
 * Validates a client request body against `schema`, throwing `INPUT_INVALID` with the first
 * problem as `path: message` (and the path in `details`) so a caller can fix it without guessing.
 */
export function parseClientBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const first = result.error.issues[0];
  const { path, message } =
    first === undefined ? { path: [], message: 'invalid request body' } : bestIssue(first, []);
  const where = formatPath(path);
  throw new AgentvisorError('INPUT_INVALID', `${where}: ${message}`, { details: { path: where } });
}

/**
 * Validates a provider answer, throwing a `malformed` {@link ProviderError}: the provider broke
 * its own documented format, which is the gateway's cue to retry elsewhere, not the caller's fault.
 */
export function parseProviderBody<S extends z.ZodType>(
  schema: S,
  body: unknown,
  provider: string,
): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const first = result.error.issues[0];
  const where = first === undefined ? '(body)' : formatPath(first.path);
  throw malformed(provider, `response ${where}: ${first?.message ?? 'unexpected shape'}`);
}

/** A `malformed` provider error. */
export function malformed(provider: string, detail: string, cause?: unknown): ProviderError {
  return new ProviderError({
    provider,
    failure: 'malformed',
    message: `${provider}: malformed answer: ${detail}`,
    cause,
  });
}

/**
 * A JSON object passed through as the very object that was parsed. `z.record` copies keys by
 * assignment, which silently drops an own `"__proto__"` key (JSON.parse makes it a plain
 * property); tool arguments and schemas must round-trip byte for byte, so they are checked for
 * shape here and never copied.
 */
export const jsonObject = z.custom<Record<string, unknown>>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  { message: 'expected a JSON object' },
);

/**
 * Parses tool-call argument text into the JSON object Anthropic (`input`) and Gemini (`args`)
 * require. Models do emit empty or broken argument text; such text becomes `{}` because both
 * APIs reject anything but an object, and failing the whole conversation would be worse.
 */
export function argumentsToObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/**
 * Fills in each tool message's `name` from the assistant call it answers (the nearest earlier
 * call with that id). OpenAI and Anthropic results carry only the id; Gemini matches results to
 * calls by name, so the name must travel with the internal message.
 */
export function resolveToolNames(messages: ChatMessage[]): ChatMessage[] {
  const names = new Map<string, string>();
  return messages.map((m) => {
    if (m.role === 'assistant') for (const c of m.toolCalls ?? []) names.set(c.id, c.name);
    if (m.role === 'tool' && m.name === undefined) {
      const name = names.get(m.toolCallId);
      if (name !== undefined) return { ...m, name };
    }
    return m;
  });
}

/** Splits `data:<mediaType>;base64,<data>` URLs; other URLs stay references. */
export function imageFromUrl(url: string): {
  type: 'image';
  mediaType: string;
  data?: string;
  url?: string;
} {
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (m !== null) return { type: 'image', mediaType: m[1]!, data: m[2]! };
  const ext = /\.(png|jpe?g|gif|webp)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase();
  const mediaType = ext === undefined ? 'image/jpeg' : `image/${ext === 'jpg' ? 'jpeg' : ext}`;
  return { type: 'image', mediaType, url };
}

/** Builds tool calls in index order from partially streamed pieces. */
export function collectToolCalls(
  calls: ReadonlyMap<number, { id: string; name: string; arguments: string }>,
): ToolCall[] {
  return [...calls.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => c);
}

/** The finish reason when a provider does not say one: tool calls imply `tool_calls`. */
export function defaultFinish(hasToolCalls: boolean): FinishReason {
  return hasToolCalls ? 'tool_calls' : 'stop';
}

/** Non-negative integer or 0: usage fields are sometimes null or absent. */
export function count(n: number | null | undefined): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

/** Parses a provider SSE data payload, or returns undefined when it is not JSON. */
export function parseJsonData(data: string): unknown {
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * @module Checks on everything a caller hands to memory. Each failure is an `INPUT_INVALID`
 * naming the field, what was wrong and what is allowed, so an agent (or its author) can fix the
 * call without reading this code.
 */
import { AgentvisorError } from '../core/index.js';
import {
  DEFAULT_MEMORY_BUDGETS,
  MEMORY_COMPONENTS,
  MEMORY_LIMITS,
  type MemoryBudgets,
  type MemoryComponent,
  type MemoryInput,
  type SearchMode,
  type SearchOptions,
} from './memory-types.js';

/** Throws `INPUT_INVALID` as `<field>: <message>`, with the field in the details. */
export function invalid(
  field: string,
  message: string,
  details: Record<string, unknown> = {},
): never {
  throw new AgentvisorError('INPUT_INVALID', `${field}: ${message}`, {
    details: { field, ...details },
  });
}

/** A short, safe rendering of a bad value for an error message. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 80));
  if (value === null || value === undefined) return String(value);
  return typeof value === 'object'
    ? Array.isArray(value)
      ? 'an array'
      : 'an object'
    : String(value);
}

/**
 * PostgreSQL text cannot hold U+0000 while SQLite can; refusing it everywhere keeps the two
 * stores interchangeable.
 */
export function refuseNul(field: string, value: string): string {
  if (value.includes('\u0000'))
    invalid(field, 'contains a NUL character (U+0000), which cannot be stored; remove it');
  return value;
}

/** Throws unless `agentId` is a non-blank string of at most 200 characters. */
export function checkAgentId(agentId: unknown): string {
  if (
    typeof agentId !== 'string' ||
    agentId.trim() === '' ||
    agentId.length > MEMORY_LIMITS.agentIdLength
  )
    invalid(
      'agentId',
      `expected a non-empty string of at most ${MEMORY_LIMITS.agentIdLength} characters, got ${describeValue(agentId)}`,
    );
  return refuseNul('agentId', agentId);
}

/** Throws unless `component` is one of {@link MEMORY_COMPONENTS}. */
export function checkComponent(component: unknown, field = 'component'): MemoryComponent {
  if (!MEMORY_COMPONENTS.includes(component as MemoryComponent))
    invalid(
      field,
      `expected one of ${MEMORY_COMPONENTS.join(', ')}, got ${describeValue(component)}`,
      {
        allowed: MEMORY_COMPONENTS,
      },
    );
  return component as MemoryComponent;
}

/** Throws unless `content` has visible text and fits in 64 KiB of UTF-8. */
export function checkContent(content: unknown, field = 'content'): string {
  if (typeof content !== 'string' || content.trim() === '')
    invalid(field, `expected non-empty text, got ${describeValue(content)}`);
  const bytes = Buffer.byteLength(content, 'utf8');
  if (bytes > MEMORY_LIMITS.contentBytes)
    invalid(
      field,
      `${bytes} bytes of UTF-8 is over the limit of ${MEMORY_LIMITS.contentBytes} (64 KiB); split it or summarise it first`,
      {
        bytes,
        limit: MEMORY_LIMITS.contentBytes,
      },
    );
  return refuseNul(field, content);
}

/** Throws unless `importance` is a number in [0, 1]. */
export function checkImportance(importance: unknown): number {
  if (
    typeof importance !== 'number' ||
    !Number.isFinite(importance) ||
    importance < 0 ||
    importance > 1
  )
    invalid('importance', `expected a number from 0 to 1, got ${describeValue(importance)}`);
  return importance;
}

/** Throws unless `tags` is an array of up to 32 distinct-enough short strings; returns them deduplicated. */
export function checkTags(tags: unknown): string[] {
  if (!Array.isArray(tags))
    invalid('tags', `expected an array of strings, got ${describeValue(tags)}`);
  if (tags.length > MEMORY_LIMITS.tags)
    invalid('tags', `${tags.length} tags is over the limit of ${MEMORY_LIMITS.tags}`);
  for (const [i, tag] of tags.entries()) {
    if (typeof tag !== 'string' || tag.trim() === '' || tag.length > MEMORY_LIMITS.tagLength)
      invalid(
        `tags[${i}]`,
        `expected a non-empty string of at most ${MEMORY_LIMITS.tagLength} characters, got ${describeValue(tag)}`,
      );
  }
  for (const [i, tag] of (tags as string[]).entries()) refuseNul(`tags[${i}]`, tag);
  return [...new Set(tags as string[])];
}

/** Validates a {@link MemoryInput}, filling the defaults. */
export function checkMemoryInput(input: unknown): Required<MemoryInput> {
  if (typeof input !== 'object' || input === null)
    invalid(
      'input',
      `expected { component, content, tags?, importance? }, got ${describeValue(input)}`,
    );
  const value = input as Partial<MemoryInput>;
  return {
    component: checkComponent(value.component),
    content: checkContent(value.content),
    tags: value.tags === undefined ? [] : checkTags(value.tags),
    importance: value.importance === undefined ? 0.5 : checkImportance(value.importance),
  };
}

/** Merges partial budgets over the defaults; each must be a positive integer. */
export function resolveBudgets(budgets: Partial<MemoryBudgets> | undefined): MemoryBudgets {
  const given = Object.entries(budgets ?? {}).filter(([, v]) => v !== undefined);
  const resolved = { ...DEFAULT_MEMORY_BUDGETS, ...Object.fromEntries(given) } as MemoryBudgets;
  for (const key of Object.keys(resolved)) {
    const component = checkComponent(key, 'budgets');
    const value = resolved[component];
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)
      invalid(
        `budgets.${component}`,
        `expected a positive whole number of items, got ${describeValue(value)}`,
      );
  }
  return resolved;
}

/** Throws unless `action` names an action: non-blank, at most 256 characters. */
export function checkAction(action: unknown): string {
  if (
    typeof action !== 'string' ||
    action.trim() === '' ||
    action.length > MEMORY_LIMITS.actionLength
  )
    invalid(
      'action',
      `expected a non-empty string of at most ${MEMORY_LIMITS.actionLength} characters, got ${describeValue(action)}`,
    );
  return refuseNul('action', action);
}

/** Validates an outcome for {@link AgentMemory.recordOutcome}. */
export function checkOutcome(outcome: unknown): {
  success: boolean;
  durationMs?: number;
  note?: string;
} {
  if (typeof outcome !== 'object' || outcome === null)
    invalid('outcome', `expected { success, durationMs?, note? }, got ${describeValue(outcome)}`);
  const { success, durationMs, note } = outcome as Record<string, unknown>;
  if (typeof success !== 'boolean')
    invalid('outcome.success', `expected true or false, got ${describeValue(success)}`);
  if (
    durationMs !== undefined &&
    (typeof durationMs !== 'number' || !Number.isFinite(durationMs) || durationMs < 0)
  )
    invalid(
      'outcome.durationMs',
      `expected a number of milliseconds >= 0, got ${describeValue(durationMs)}`,
    );
  if (note !== undefined && (typeof note !== 'string' || note.length > MEMORY_LIMITS.noteLength))
    invalid(
      'outcome.note',
      `expected a string of at most ${MEMORY_LIMITS.noteLength} characters, got ${describeValue(note)}`,
    );
  if (typeof note === 'string') refuseNul('outcome.note', note);
  return {
    success,
    ...(durationMs === undefined ? {} : { durationMs: durationMs as number }),
    ...(note === undefined ? {} : { note: note as string }),
  };
}

const MODES: readonly SearchMode[] = ['text', 'vector', 'hybrid'];

/** Validates search arguments, filling the defaults. */
export function checkSearch(
  query: unknown,
  options: SearchOptions,
  hasEmbeddings: boolean,
): {
  query: string;
  components: MemoryComponent[];
  limit: number;
  mode: SearchMode;
  includeArchived: boolean;
} {
  if (typeof query !== 'string' || query.length > MEMORY_LIMITS.queryLength)
    invalid(
      'query',
      `expected a string of at most ${MEMORY_LIMITS.queryLength} characters, got ${describeValue(query)}`,
    );
  const components =
    options.components === undefined
      ? [...MEMORY_COMPONENTS]
      : Array.isArray(options.components) && options.components.length > 0
        ? options.components.map((c, i) => checkComponent(c, `components[${i}]`))
        : invalid('components', `expected a non-empty array of ${MEMORY_COMPONENTS.join(', ')}`);
  const limit = options.limit ?? 10;
  if (!Number.isInteger(limit) || limit < 1 || limit > MEMORY_LIMITS.searchLimit)
    invalid(
      'limit',
      `expected a whole number from 1 to ${MEMORY_LIMITS.searchLimit}, got ${describeValue(limit)}`,
    );
  const mode = options.mode ?? (hasEmbeddings ? 'hybrid' : 'text');
  if (!MODES.includes(mode))
    invalid('mode', `expected one of ${MODES.join(', ')}, got ${describeValue(mode)}`);
  if (mode !== 'text' && !hasEmbeddings)
    invalid(
      'mode',
      `"${mode}" search needs an embedding model; pass \`embed\` to AgentMemory or use mode "text"`,
    );
  return { query, components, limit, mode, includeArchived: options.includeArchived === true };
}

/** Validates a `limit` for listings: a whole number from 1 to `max`. */
export function checkLimit(limit: unknown, max: number): number {
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > max)
    invalid('limit', `expected a whole number from 1 to ${max}, got ${describeValue(limit)}`);
  return limit;
}

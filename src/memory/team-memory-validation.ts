/**
 * @module Checks on everything a caller hands to team memory. Like memory-validation.ts, each
 * failure is an `INPUT_INVALID` naming the field, what was wrong and what is allowed.
 */
import { ALGORITHM_PHASES, type AlgorithmPhase } from './algorithm-phases.js';
import { ratingStrength, SIGNAL_TYPES, type SignalType } from './learning-signals.js';
import {
  ACTOR_NAME_PATTERN,
  isMemoryScope,
  type MemoryScope,
  privateScope,
} from './memory-scope.js';
import { MEMORY_LIMITS, type SearchMode } from './memory-types.js';
import {
  checkContent,
  checkImportance,
  checkLimit,
  checkTags,
  describeValue,
  invalid,
  refuseNul,
} from './memory-validation.js';
import type { MemoryActor } from './scope-acl.js';
import type {
  ColdRangeQuery,
  LearningInput,
  SignalInput,
  TeamMemoryInput,
  TeamMemoryKind,
  TeamSearchOptions,
} from './team-memory-types.js';

/** Limits beyond {@link MEMORY_LIMITS}; each is named in the error that enforces it. */
export const TEAM_MEMORY_LIMITS = Object.freeze({
  idLength: 200,
  roles: 32,
  memoryIds: 100,
  coldRangeLimit: 1000,
});

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkName(value: unknown, field: string): string {
  if (typeof value !== 'string' || !ACTOR_NAME_PATTERN.test(value))
    invalid(
      field,
      `expected a lower-case name (a-z or 0-9 first, then a-z, 0-9, ".", "_", "@" or "-"; at most 128), got ${describeValue(value)}`,
    );
  return value;
}

/** Validates who is calling: `{ agent, roles? }`. */
export function checkActor(actor: unknown): MemoryActor {
  if (!isObject(actor)) invalid('actor', `expected { agent, roles? }, got ${describeValue(actor)}`);
  const agent = checkName(actor['agent'], 'actor.agent');
  const roles = actor['roles'];
  if (roles === undefined) return { agent };
  if (!Array.isArray(roles) || roles.length > TEAM_MEMORY_LIMITS.roles)
    invalid(
      'actor.roles',
      `expected an array of at most ${TEAM_MEMORY_LIMITS.roles} role names, got ${describeValue(roles)}`,
    );
  return { agent, roles: roles.map((r, i) => checkName(r, `actor.roles[${i}]`)) };
}

/** Throws unless `scope` is `global`, `agent:<name>` or `team:<name>`. */
export function checkScope(scope: unknown, field = 'scope'): MemoryScope {
  if (!isMemoryScope(scope))
    invalid(
      field,
      `expected "global", "agent:<name>" or "team:<name>" (names: lower-case a-z, 0-9, ".", "_", "@", "-"), got ${describeValue(scope)}`,
    );
  return scope;
}

/** Throws unless `phase` is one of {@link ALGORITHM_PHASES}. */
export function checkPhase(phase: unknown, field = 'phase'): AlgorithmPhase {
  if (!ALGORITHM_PHASES.includes(phase as AlgorithmPhase))
    invalid(field, `expected one of ${ALGORITHM_PHASES.join(', ')}, got ${describeValue(phase)}`, {
      allowed: ALGORITHM_PHASES,
    });
  return phase as AlgorithmPhase;
}

/** Throws unless `id` is a non-blank string of at most 200 characters. */
export function checkId(id: unknown, field = 'id'): string {
  if (typeof id !== 'string' || id.trim() === '' || id.length > TEAM_MEMORY_LIMITS.idLength)
    invalid(
      field,
      `expected a non-empty string of at most ${TEAM_MEMORY_LIMITS.idLength} characters, got ${describeValue(id)}`,
    );
  return refuseNul(field, id);
}

function optional<T>(value: unknown, check: (v: unknown) => T): T | null {
  return value === undefined || value === null ? null : check(value);
}

/** An item or learning, validated and with defaults filled. */
export interface CheckedEntry {
  scope: MemoryScope;
  content: string;
  context: string | null;
  tags: string[];
  importance: number;
  taskId: string | null;
  phase: AlgorithmPhase | null;
}

function checkEntry(
  input: Record<string, unknown>,
  actor: MemoryActor,
  phase: AlgorithmPhase | null,
): CheckedEntry {
  return {
    scope: input['scope'] === undefined ? privateScope(actor.agent) : checkScope(input['scope']),
    content: checkContent(input['content']),
    context: optional(input['context'], (v) => checkContent(v, 'context')),
    tags: input['tags'] === undefined ? [] : checkTags(input['tags']),
    importance: input['importance'] === undefined ? 0.5 : checkImportance(input['importance']),
    taskId: optional(input['taskId'], (v) => checkId(v, 'taskId')),
    phase,
  };
}

/** Validates a {@link TeamMemoryInput}. */
export function checkItemInput(input: unknown, actor: MemoryActor): CheckedEntry {
  if (!isObject(input))
    invalid(
      'input',
      `expected { content, scope?, context?, tags?, ... }, got ${describeValue(input)}`,
    );
  const value = input as Record<string, unknown> & Partial<TeamMemoryInput>;
  return checkEntry(
    value,
    actor,
    optional(value.phase, (v) => checkPhase(v)),
  );
}

/** Validates a {@link LearningInput}; the phase is required. */
export function checkLearningInput(
  input: unknown,
  actor: MemoryActor,
): CheckedEntry & { phase: AlgorithmPhase } {
  if (!isObject(input))
    invalid(
      'input',
      `expected { phase, content, scope?, context?, ... }, got ${describeValue(input)}`,
    );
  const value = input as Record<string, unknown> & Partial<LearningInput>;
  return { ...checkEntry(value, actor, null), phase: checkPhase(value.phase) };
}

/** A signal, validated, with its strength resolved. */
export interface CheckedSignal {
  type: SignalType;
  memoryIds: string[];
  taskId: string | null;
  phase: AlgorithmPhase | null;
  strength: number;
  note: string | null;
}

/** Validates a {@link SignalInput}: a known type, a strength in [-1, 1] or a 1-5 rating. */
export function checkSignalInput(input: unknown): CheckedSignal {
  if (!isObject(input))
    invalid('signal', `expected { type, memoryIds?, taskId?, ... }, got ${describeValue(input)}`);
  const value = input as Record<string, unknown> & Partial<SignalInput>;
  if (!SIGNAL_TYPES.includes(value.type as SignalType))
    invalid(
      'type',
      `expected one of ${SIGNAL_TYPES.join(', ')}, got ${describeValue(value.type)}`,
      {
        allowed: SIGNAL_TYPES,
      },
    );
  const type = value.type as SignalType;
  const ids = value.memoryIds;
  if (ids !== undefined && (!Array.isArray(ids) || ids.length > TEAM_MEMORY_LIMITS.memoryIds))
    invalid(
      'memoryIds',
      `expected an array of at most ${TEAM_MEMORY_LIMITS.memoryIds} ids, got ${describeValue(ids)}`,
    );
  const memoryIds = [...new Set((ids ?? []).map((id, i) => checkId(id, `memoryIds[${i}]`)))];
  if (value.strength !== undefined && value.rating !== undefined)
    invalid('rating', 'give a rating or a strength, not both: a rating sets the strength');
  let strength = 1;
  if (value.rating !== undefined) {
    if (type !== 'user_rating')
      invalid('rating', `only a user_rating signal has a rating; this one is ${type}`);
    const r = value.rating;
    if (typeof r !== 'number' || !Number.isInteger(r) || r < 1 || r > 5)
      invalid('rating', `expected a whole number of stars from 1 to 5, got ${describeValue(r)}`);
    strength = ratingStrength(r);
  } else if (value.strength !== undefined) {
    const s = value.strength;
    if (typeof s !== 'number' || !Number.isFinite(s) || s < -1 || s > 1)
      invalid('strength', `expected a number from -1 to 1, got ${describeValue(s)}`);
    strength = s;
  }
  const note = value.note;
  if (note !== undefined && (typeof note !== 'string' || note.length > MEMORY_LIMITS.noteLength))
    invalid(
      'note',
      `expected a string of at most ${MEMORY_LIMITS.noteLength} characters, got ${describeValue(note)}`,
    );
  return {
    type,
    memoryIds,
    taskId: optional(value.taskId, (v) => checkId(v, 'taskId')),
    phase: optional(value.phase, (v) => checkPhase(v)),
    strength,
    note: note === undefined ? null : refuseNul('note', note),
  };
}

const MODES: readonly SearchMode[] = ['text', 'vector', 'hybrid'];
const KINDS: readonly TeamMemoryKind[] = ['item', 'learning'];

/** Search arguments, validated, with defaults filled. */
export interface CheckedSearch {
  query: string;
  scopes: MemoryScope[] | undefined;
  kinds: TeamMemoryKind[];
  phase: AlgorithmPhase | undefined;
  limit: number;
  mode: SearchMode;
}

/** Validates a search query and its {@link TeamSearchOptions}. */
export function checkTeamSearch(
  query: unknown,
  options: unknown,
  hasEmbeddings: boolean,
): CheckedSearch {
  if (typeof query !== 'string' || query.length > MEMORY_LIMITS.queryLength)
    invalid(
      'query',
      `expected a string of at most ${MEMORY_LIMITS.queryLength} characters, got ${describeValue(query)}`,
    );
  if (options !== undefined && !isObject(options))
    invalid(
      'options',
      `expected { scopes?, kinds?, phase?, limit?, mode? }, got ${describeValue(options)}`,
    );
  const o = (options ?? {}) as Record<string, unknown> & Partial<TeamSearchOptions>;
  let scopes: MemoryScope[] | undefined;
  if (o.scopes !== undefined) {
    if (!Array.isArray(o.scopes) || o.scopes.length === 0)
      invalid('scopes', `expected a non-empty array of scopes, got ${describeValue(o.scopes)}`);
    scopes = [...new Set(o.scopes.map((s, i) => checkScope(s, `scopes[${i}]`)))];
  }
  let kinds = [...KINDS];
  if (o.kinds !== undefined) {
    if (!Array.isArray(o.kinds) || o.kinds.length === 0)
      invalid('kinds', `expected a non-empty array of ${KINDS.join(', ')}`);
    kinds = o.kinds.map((k, i) =>
      KINDS.includes(k)
        ? k
        : invalid(`kinds[${i}]`, `expected ${KINDS.join(' or ')}, got ${describeValue(k)}`),
    );
  }
  const limit = checkLimit(o.limit ?? 10, MEMORY_LIMITS.searchLimit);
  const mode = o.mode ?? (hasEmbeddings ? 'hybrid' : 'text');
  if (!MODES.includes(mode))
    invalid('mode', `expected one of ${MODES.join(', ')}, got ${describeValue(mode)}`);
  if (mode !== 'text' && !hasEmbeddings)
    invalid(
      'mode',
      `"${mode}" search needs an embedding model; pass \`embed\` to TeamMemory or use mode "text"`,
    );
  return {
    query,
    scopes,
    kinds,
    phase: o.phase === undefined ? undefined : checkPhase(o.phase),
    limit,
    mode,
  };
}

function checkTime(value: unknown, field: string): string {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms))
    invalid(
      field,
      `expected an ISO-8601 time such as 2026-01-01T00:00:00Z, got ${describeValue(value)}`,
    );
  return new Date(ms).toISOString();
}

/** Validates a {@link ColdRangeQuery}; times come back in the stored form (ISO, UTC, ms). */
export function checkColdRange(
  query: unknown,
  now: string,
): { from: string; to: string; scopes: MemoryScope[] | undefined; limit: number } {
  if (query !== undefined && !isObject(query))
    invalid('query', `expected { from?, to?, scopes?, limit? }, got ${describeValue(query)}`);
  const q = (query ?? {}) as Record<string, unknown> & Partial<ColdRangeQuery>;
  const from = q.from === undefined ? new Date(0).toISOString() : checkTime(q.from, 'from');
  const to = q.to === undefined ? now : checkTime(q.to, 'to');
  if (from > to) invalid('to', `must not be before from (${from}), got ${to}`);
  let scopes: MemoryScope[] | undefined;
  if (q.scopes !== undefined) {
    if (!Array.isArray(q.scopes) || q.scopes.length === 0)
      invalid('scopes', `expected a non-empty array of scopes, got ${describeValue(q.scopes)}`);
    scopes = [...new Set(q.scopes.map((s, i) => checkScope(s, `scopes[${i}]`)))];
  }
  return {
    from,
    to,
    scopes,
    limit: checkLimit(q.limit ?? 100, TEAM_MEMORY_LIMITS.coldRangeLimit),
  };
}

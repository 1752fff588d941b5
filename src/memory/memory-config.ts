/**
 * @module The `memory:` section of `agentvisor.yaml`: tier transitions and retention, similarity
 * thresholds and the embedding model (seed 002 `MemoryConfig`, whose values are the defaults),
 * and the access rules of team-memory scopes. Keys are snake_case like the rest of the config;
 * objects are strict so a misspelt key is an error, not a silently ignored setting.
 */
import { z } from 'zod';
import { AgentvisorError } from '../core/index.js';
import { ACL_PRINCIPAL_PATTERN, SCOPE_RULE_PATTERN } from './memory-scope.js';

function count(what: string, max: number) {
  const message = `expected a whole number of ${what} from 1 to ${max}`;
  return z.number({ error: message }).int(message).min(1, message).max(max, message);
}

function amount(what: string, max: number) {
  const message = `expected a number of ${what} above 0 and at most ${max}`;
  return z.number({ error: message }).positive(message).max(max, message);
}

function fraction(what: string, min = 0) {
  const message = `expected ${what} from ${min} to 1`;
  return z.number({ error: message }).min(min, message).max(1, message);
}

const HOURS_PER_YEAR = 24 * 366;

/** `memory.hot`: recent items, in process memory or Redis (seed: RETENTION["hot"]). */
const hotConfigSchema = z
  .object({
    /** Items older than this move to warm (seed HOT_TO_WARM_THRESHOLD: 24 hours). */
    max_age_hours: amount('hours', HOURS_PER_YEAR).default(24),
    /** Items per scope; past it the least recently used move to warm (seed HOT_MAX_ITEMS: 1000 per agent). */
    max_items: count('items', 1_000_000).default(1000),
    eviction: z
      .literal('lru', { error: 'expected "lru": the hot tier evicts the least recently used' })
      .default('lru'),
    /**
     * Expiry of the Redis keys of a scope, refreshed on every write. A safety net against keys
     * no node maintains any more; it must outlast `max_age_hours`, or Redis would drop items
     * before maintenance moves them to warm.
     */
    redis_ttl_hours: amount('hours', 10 * HOURS_PER_YEAR).default(7 * 24),
  })
  .strict()
  .superRefine((hot, ctx) => {
    if (hot.redis_ttl_hours <= hot.max_age_hours)
      ctx.addIssue({
        code: 'custom',
        path: ['redis_ttl_hours'],
        message: `must be greater than max_age_hours (${hot.max_age_hours}), or Redis would expire hot items before they move to warm`,
      });
  });

/** `memory.warm`: the searchable store-backed tier (seed: RETENTION["warm"]). */
const warmConfigSchema = z
  .object({
    /** Items unused this long move to cold unless proven useful (seed WARM_TO_COLD_THRESHOLD: 30 days). */
    max_age_days: amount('days', 3660).default(30),
    /** Items in all scopes together; past it the lowest utility move to cold (seed WARM_MAX_ITEMS: 50000). */
    max_items: count('items', 100_000_000).default(50_000),
    eviction: z
      .literal('score', { error: 'expected "score": the warm tier evicts the lowest utility' })
      .default('score'),
    /**
     * An item past `max_age_days` stays warm while its utility is at least this. Not in the seed,
     * which demotes by age alone; learning signals exist to keep what proved useful at hand.
     * 0.8 takes a net +0.3 of signals (three full-strength positive ratings, five task successes).
     */
    keep_utility: fraction('a utility').default(0.8),
  })
  .strict();

/** `memory.cold`: compressed archive segments on disk (seed: RETENTION["cold"]). */
const coldConfigSchema = z
  .object({
    /** Archived items are purged this long after archival (seed: 365 days). */
    max_age_days: amount('days', 36_600).default(365),
    /** Past this, the oldest segments are purged first (seed COLD_MAX_SIZE_GB: 100, FIFO). */
    max_size_gb: amount('GB', 1_000_000).default(100),
    compression: z
      .literal(true, { error: 'expected true: cold segments are always gzip-compressed' })
      .default(true),
    eviction: z
      .literal('fifo', { error: 'expected "fifo": cold segments are purged oldest first' })
      .default('fifo'),
    /** Directory of the segments, relative to `data_dir` unless absolute. */
    directory: z
      .string({ error: 'expected a directory path' })
      .min(1, 'expected a directory path')
      .default('memory-cold'),
  })
  .strict();

/** `memory.embedding`: the model whose vectors warm search and duplicate checks compare. */
const embeddingConfigSchema = z
  .object({
    /** Seed EMBEDDING_MODEL; a model alias the gateway serves for `llm.embed`. */
    model: z
      .string({ error: 'expected a model name' })
      .min(1, 'expected a model name')
      .default('text-embedding-3-small'),
    /** Seed EMBEDDING_DIMENSIONS; vectors of any other length are refused. */
    dimensions: count('dimensions', 65_536).default(1536),
  })
  .strict();

const principal = z
  .string({ error: 'expected "*", an agent name or "role:<role>"' })
  .regex(ACL_PRINCIPAL_PATTERN, 'expected "*", an agent name or "role:<role>"');

/** One rule of `memory.acl`: who may read and who may write the scopes `scope` names. */
export const scopeAclRuleSchema = z
  .object({
    scope: z
      .string({ error: 'expected a scope' })
      .regex(
        SCOPE_RULE_PATTERN,
        'expected "global", "agent:<name>", "team:<name>", "agent:*", "team:*" or "*"',
      ),
    read: z.array(principal).max(1000).default([]),
    write: z.array(principal).max(1000).default([]),
  })
  .strict();

/** The schema of `memory:`; every default is seed 002's `MemoryConfig` unless noted. */
export const memoryConfigSchema = z
  .object({
    hot: hotConfigSchema.prefault({}),
    warm: warmConfigSchema.prefault({}),
    cold: coldConfigSchema.prefault({}),
    embedding: embeddingConfigSchema.prefault({}),
    /** A new item at least this similar to one in its scope is not stored (seed DUPLICATE_THRESHOLD). */
    duplicate_threshold: fraction('a similarity').default(0.95),
    /** Vector hits less similar than this are not returned (seed RELEVANCE_THRESHOLD). */
    relevance_threshold: fraction('a cosine similarity', -1).default(0.7),
    /**
     * Who may read and write which scope. An agent always reads and writes its own private scope;
     * every other access needs a rule. The default opens `global` to every agent.
     */
    acl: z
      .array(scopeAclRuleSchema)
      .max(10_000)
      .default([{ scope: 'global', read: ['*'], write: ['*'] }]),
  })
  .strict();

/** `memory:` as written in the config file (every key optional). */
export type MemoryConfigInput = z.input<typeof memoryConfigSchema>;
/** `memory:` with every default filled. */
export type MemoryConfig = z.output<typeof memoryConfigSchema>;
/** One rule of `memory.acl`. */
export type ScopeAclRule = z.output<typeof scopeAclRuleSchema>;

/**
 * Validates `raw` as the `memory:` section, filling the seed's defaults. `CONFIG_INVALID` lists
 * every problem with its path (`memory.hot.max_items: expected ...`).
 *
 * @example
 * const config = parseMemoryConfig({ hot: { max_items: 200 } });
 * config.warm.max_age_days; // 30
 */
export function parseMemoryConfig(raw: unknown = {}, where = 'memory'): MemoryConfig {
  const result = memoryConfigSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${[where, ...issue.path.map(String)].join('.')}: ${issue.message}`,
  );
  throw new AgentvisorError(
    'CONFIG_INVALID',
    `${where} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    { details: { problems } },
  );
}

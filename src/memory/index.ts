/**
 * @module Memory. Per agent: instant (this beat), episodic (events), semantic (facts) and
 * procedural (action → outcome statistics), each within a budget kept by consolidation and
 * archival, searchable by full text (FTS5 / tsvector) and by embedding. Per team: scoped,
 * access-controlled memory in hot, warm and cold tiers, with learning signals and per-phase
 * learnings (seed 002).
 */

// Durable memory
export { AgentMemory, type MemoryOptions } from './agent-memory.js';
export { ALGORITHM_PHASES, type AlgorithmPhase } from './algorithm-phases.js';
// Building blocks others may reuse
export { extractiveSummary } from './extractive-summary.js';
export { fts5Query, postgresQueryText, searchTerms } from './fts-query.js';
export type { HotItem, HotTier } from './hot-tier.js';
export { InMemoryHotTier } from './in-memory-hot-tier.js';
// The working set of one beat
export { type InstantEntry, InstantMemory, type InstantMemoryOptions } from './instant-memory.js';
export {
  applySignal,
  INITIAL_UTILITY,
  ratingStrength,
  SIGNAL_STEP,
  SIGNAL_TYPES,
  SIGNAL_WEIGHTS,
  type SignalType,
  signalDelta,
  UTILITY_DECIMALS,
} from './learning-signals.js';
export {
  type MemoryConfig,
  type MemoryConfigInput,
  memoryConfigSchema,
  parseMemoryConfig,
  type ScopeAclRule,
  scopeAclRuleSchema,
} from './memory-config.js';
export type { EmbedFunction, SummariseFunction } from './memory-context.js';
export { isMemoryScope, type MemoryScope, privateScope } from './memory-scope.js';
export {
  MEMORY_SNAPSHOT_FORMAT,
  MEMORY_SNAPSHOT_VERSION,
  type MemorySnapshot,
  parseMemorySnapshot,
} from './memory-snapshot.js';
export {
  type ComponentUsage,
  type ConsolidationResult,
  DEFAULT_MEMORY_BUDGETS,
  MEMORY_COMPONENTS,
  MEMORY_LIMITS,
  type MemoryBudgets,
  type MemoryComponent,
  type MemoryInput,
  type MemoryItem,
  type ScoredMemoryItem,
  type SearchMode,
  type SearchOptions,
} from './memory-types.js';
export type { ActionOutcome, ProcedureStats } from './procedure-stats.js';
export { RedisHotTier, type RedisHotTierOptions } from './redis-hot-tier.js';
export { type MemoryActor, type ScopeAccess, ScopeAcl } from './scope-acl.js';
export { TeamMemory, type TeamMemoryOptions } from './team-memory.js';
export type {
  ColdRangeQuery,
  LearningInput,
  LearningQuery,
  LifecycleReport,
  MemoryTier,
  PutResult,
  ScoredTeamMemoryItem,
  SignalInput,
  SignalResult,
  TeamMemoryInput,
  TeamMemoryItem,
  TeamMemoryKind,
  TeamSearchOptions,
  TierCounts,
  UtilityChange,
} from './team-memory-types.js';
export { UTILITY_RANK_BASE } from './team-search.js';

/**
 * @module Per-agent memory: instant (this beat), episodic (events), semantic (facts) and
 * procedural (action → outcome statistics), each within a budget kept by consolidation and
 * archival, searchable by full text (FTS5 / tsvector) and by embedding.
 */

// Durable memory
export { AgentMemory, type MemoryOptions } from './agent-memory.js';
// Building blocks others may reuse
export { extractiveSummary } from './extractive-summary.js';
export { fts5Query, postgresQueryText, searchTerms } from './fts-query.js';
// The working set of one beat
export { type InstantEntry, InstantMemory, type InstantMemoryOptions } from './instant-memory.js';
export type { EmbedFunction, SummariseFunction } from './memory-context.js';
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

/**
 * @module The shapes of per-agent memory (seed 003, "Engram memory"): the three durable
 * components, one item, the per-component budgets and the limits every input is checked against.
 */

/** The durable memory components. Instant memory is in-process: {@link InstantMemory}. */
export type MemoryComponent = 'episodic' | 'semantic' | 'procedural';

/** Every durable component, in a stable order. */
export const MEMORY_COMPONENTS: readonly MemoryComponent[] = ['episodic', 'semantic', 'procedural'];

/** One remembered thing. Plain data: safe to serialise, compare and snapshot. */
export interface MemoryItem {
  id: string;
  agentId: string;
  component: MemoryComponent;
  content: string;
  tags: string[];
  /** 0 (trivia) to 1 (essential); weighs in ranking for archival. */
  importance: number;
  createdAt: string;
  lastAccessedAt: string;
  accessCount: number;
  /** Archived items are kept but excluded from search unless asked for. */
  archived: boolean;
}

/** A search hit: the item and its relevance (higher is better; comparable within one result). */
export type ScoredMemoryItem = MemoryItem & { score: number };

/** Maximum live (unarchived) items per component per agent. */
export interface MemoryBudgets {
  episodic: number;
  semantic: number;
  procedural: number;
}

/**
 * Budgets when none are given. 1,000 episodic items is seed 002's HOT_MAX_ITEMS per agent; facts
 * and procedures are distilled from episodes, so they get fewer.
 */
export const DEFAULT_MEMORY_BUDGETS: Readonly<MemoryBudgets> = Object.freeze({
  episodic: 1000,
  semantic: 500,
  procedural: 200,
});

/** What {@link AgentMemory.put} accepts. */
export interface MemoryInput {
  component: MemoryComponent;
  content: string;
  tags?: string[];
  /** 0..1; 0.5 when omitted. */
  importance?: number;
}

/** Limits on inputs; each is named in the error message that enforces it. */
export const MEMORY_LIMITS = Object.freeze({
  /** UTF-8 bytes of one item's content. */
  contentBytes: 64 * 1024,
  agentIdLength: 200,
  tagLength: 64,
  tags: 32,
  actionLength: 256,
  noteLength: 4096,
  queryLength: 4096,
  searchLimit: 100,
});

/** How a search ranks: full text, embeddings, or both fused. */
export type SearchMode = 'text' | 'vector' | 'hybrid';

/** Options of {@link AgentMemory.search}. */
export interface SearchOptions {
  components?: MemoryComponent[];
  /** 1..100; 10 when omitted. */
  limit?: number;
  /** `hybrid` when an embedding model is configured, `text` otherwise. */
  mode?: SearchMode;
  includeArchived?: boolean;
  /** Count the hits as accessed (default); a person inspecting memory passes false. */
  touch?: boolean;
}

/** What {@link AgentMemory.consolidate} did. */
export interface ConsolidationResult {
  /** Duplicate items folded into a surviving copy (and deleted). */
  merged: number;
  /** Episodic items folded into semantic summaries (and archived). */
  summarised: number;
  /** Items archived because their component was still over budget. */
  archived: number;
}

/** Live and archived counts of one component, against its budget. */
export interface ComponentUsage {
  live: number;
  archived: number;
  budget: number;
}

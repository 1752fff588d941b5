/**
 * @module The shapes of team memory (seed 002, "Memory Lifecycle & Retention"): one item as any
 * tier returns it, what `put`, `putLearning`, `search`, `learningsFor`, `recordSignal` and
 * `runLifecycle` take and give back. Plain data, safe to serialise and compare.
 */
import type { AlgorithmPhase } from './algorithm-phases.js';
import type { SignalType } from './learning-signals.js';
import type { MemoryScope } from './memory-scope.js';
import type { SearchMode } from './memory-types.js';

/** Where an item lives: recent in memory or Redis, searchable in the store, or archived on disk. */
export type MemoryTier = 'hot' | 'warm' | 'cold';

/** A plain item (a trace, a fact) or a learning of an algorithm phase. */
export type TeamMemoryKind = 'item' | 'learning';

/** One team-memory item. */
export interface TeamMemoryItem {
  id: string;
  scope: MemoryScope;
  kind: TeamMemoryKind;
  tier: MemoryTier;
  /** The agent that wrote it. */
  author: string;
  content: string;
  /** What the item came from (for a learning: the task it was learnt on); searched with `content`. */
  context: string | null;
  phase: AlgorithmPhase | null;
  taskId: string | null;
  tags: string[];
  /** 0..1, as the writer rated it. */
  importance: number;
  /** 0..1, moved by learning signals; 0.5 for a new item. */
  utility: number;
  createdAt: string;
  lastAccessedAt: string;
  accessCount: number;
}

/** A search hit: the item and its score (relevance × utility; comparable within one result). */
export type ScoredTeamMemoryItem = TeamMemoryItem & { score: number };

/** What {@link TeamMemory.put} stores. */
export interface TeamMemoryInput {
  /** The actor's private scope (`agent:<name>`) when omitted. */
  scope?: MemoryScope;
  content: string;
  context?: string;
  tags?: string[];
  /** 0..1; 0.5 when omitted. */
  importance?: number;
  taskId?: string;
  phase?: AlgorithmPhase;
}

/** What {@link TeamMemory.putLearning} stores. */
export interface LearningInput {
  phase: AlgorithmPhase;
  /** The actor's private scope when omitted; `team:<name>` shares it with a team. */
  scope?: MemoryScope;
  /** The insight itself. */
  content: string;
  /** The task it was learnt on, in words: later tasks that read alike find it. */
  context?: string;
  taskId?: string;
  tags?: string[];
  importance?: number;
}

/** What a put did: stored a new item, or found one alike and stored nothing. */
export type PutResult =
  | { id: string; tier: MemoryTier; duplicate: false }
  | {
      /** The existing item's id. */
      id: string;
      tier: MemoryTier;
      duplicate: true;
      /** Its similarity to the content given, at least `duplicate_threshold`. */
      similarity: number;
    };

/** Options of {@link TeamMemory.search}. */
export interface TeamSearchOptions {
  /** Only these scopes (each must be readable); every readable scope when omitted. */
  scopes?: MemoryScope[];
  kinds?: TeamMemoryKind[];
  phase?: AlgorithmPhase;
  /** 1..100; 10 when omitted. */
  limit?: number;
  /** `hybrid` when an embedding model is configured, `text` otherwise. */
  mode?: SearchMode;
}

/** What {@link TeamMemory.learningsFor} looks for. */
export interface LearningQuery {
  /** Text of the task at hand. */
  query: string;
  phase?: AlgorithmPhase;
  scopes?: MemoryScope[];
  limit?: number;
}

/** What {@link TeamMemory.coldRange} looks for: archived items created in `[from, to)`. */
export interface ColdRangeQuery {
  /** ISO time; the beginning of time when omitted. */
  from?: string;
  /** ISO time, exclusive; now when omitted. */
  to?: string;
  scopes?: MemoryScope[];
  /** 1..1000; 100 when omitted. */
  limit?: number;
}

/** A learning signal as {@link TeamMemory.recordSignal} takes it. */
export interface SignalInput {
  type: SignalType;
  /** Memories the signal is about. */
  memoryIds?: string[];
  /** Every readable memory of this task is related too (of `phase` only, when given). */
  taskId?: string;
  phase?: AlgorithmPhase;
  /** -1..1: how strongly this occurrence counts (the seed's `LearningSignal.weight`); 1 when omitted. */
  strength?: number;
  /** 1..5 stars, for `user_rating` only: sets the strength (3 is neutral). */
  rating?: number;
  note?: string;
}

/** One memory a signal moved. */
export interface UtilityChange {
  id: string;
  tier: MemoryTier;
  before: number;
  after: number;
}

/** What {@link TeamMemory.recordSignal} did. */
export interface SignalResult {
  id: string;
  type: SignalType;
  /** The seed's base weight of the type. */
  weight: number;
  strength: number;
  /** Change applied to each related memory before clamping: weight × strength × 0.1. */
  delta: number;
  updated: UtilityChange[];
  /** Named memories left as they were: archived (cold items are immutable) or gone. */
  skipped: Array<{ id: string; reason: 'cold' | 'missing' }>;
}

/** What one {@link TeamMemory.runLifecycle} moved and removed. */
export interface LifecycleReport {
  /** Hot → warm. */
  promoted: number;
  /** Warm → cold. */
  demoted: number;
  /** Cold items purged (retention age or size). */
  purged: number;
  /** Segment files no index row points to (left by a failed demotion), removed. */
  orphanFilesRemoved: number;
}

/** Items per tier. */
export interface TierCounts {
  hot: number;
  warm: number;
  cold: number;
}

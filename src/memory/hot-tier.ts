/**
 * @module The hot tier seam: recent items, per scope, in least-recently-used order. Two
 * implementations pass one conformance suite (`test/integration/memory/hot-tier-conformance.test.ts`):
 * {@link InMemoryHotTier} (one process) and {@link RedisHotTier} (shared by every node on one
 * Redis). The tier only holds items; when they move to warm, and why, is the lifecycle's call.
 */
import type { MemoryScope } from './memory-scope.js';
import type { TeamMemoryItem } from './team-memory-types.js';

/** A hot item: a team-memory item with its embedding (null without a model). */
export type HotItem = Omit<TeamMemoryItem, 'tier'> & { embedding: number[] | null };

/**
 * Recent items by scope. Every method is safe to call for an unknown scope or id (a no-op or an
 * empty answer); ids are unique across scopes.
 */
export interface HotTier {
  /**
   * Stores `item` as its scope's most recently used, replacing one with its id (an item never
   * changes scope).
   */
  put(item: HotItem): Promise<void>;
  /** The item with `id` in any scope, without counting a use. */
  find(id: string): Promise<HotItem | undefined>;
  /** Every item of `scope`, least recently used first. */
  list(scope: MemoryScope): Promise<HotItem[]>;
  /** Scopes that hold (or recently held) items. */
  scopes(): Promise<MemoryScope[]>;
  /** Counts a use of each item: access count + 1, `lastAccessedAt = at`, most recently used. */
  touch(scope: MemoryScope, ids: readonly string[], at: string): Promise<void>;
  /**
   * Adds `delta` to the item's utility, clamped to [0, 1] (as `applySignal` does), atomically;
   * undefined when the item is not here.
   */
  adjustUtility(
    scope: MemoryScope,
    id: string,
    delta: number,
  ): Promise<{ before: number; after: number } | undefined>;
  /** Ids of `scope` beyond its `keep` most recently used, least recently used first. */
  overflow(scope: MemoryScope, keep: number): Promise<string[]>;
  /** Removes the items; ids not here are ignored. */
  remove(scope: MemoryScope, ids: readonly string[]): Promise<void>;
  /** Items in every scope. */
  count(): Promise<number>;
}

/** A hot item as callers see it: without the embedding, tier `hot`. */
export function hotItemToItem(item: HotItem): TeamMemoryItem {
  const { embedding: _, ...rest } = item;
  return { ...rest, tier: 'hot' };
}

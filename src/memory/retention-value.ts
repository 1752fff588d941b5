/**
 * @module How much an item is worth keeping live: importance × recency × access (the seed 002
 * utility score, without the feedback signal we do not have yet). Archival takes the lowest
 * values first; duplicate detection uses the normalised content key.
 */
import type { MemoryItem } from './memory-types.js';

/** An untouched item's recency halves every week. */
export const RECENCY_HALF_LIFE_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * The retention value of `item` at `now` (ms). Importance is floored at 0.1 so that items rated
 * 0 still order among themselves by recency and use; access counts weigh logarithmically so a
 * few reads matter and thousands do not dominate.
 */
export function retentionValue(item: MemoryItem, now: number): number {
  const idleMs = Math.max(0, now - Date.parse(item.lastAccessedAt));
  const recency = 0.5 ** (idleMs / RECENCY_HALF_LIFE_MS);
  const access = 1 + Math.log1p(item.accessCount);
  return (0.1 + 0.9 * item.importance) * recency * access;
}

/**
 * The duplicate key of `content`: Unicode-normalised, lower-cased, punctuation and spacing
 * collapsed. "Deploy failed!" and "deploy  failed" are the same memory.
 *
 * @example
 * contentKey('Deploy  FAILED!'); // 'deploy failed'
 */
export function contentKey(content: string): string {
  const key = content
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, ' ')
    .trim();
  // Text of punctuation only keeps its own key rather than colliding with every other such text.
  return key === '' ? content.trim() : key;
}

/**
 * @module Is a new item a duplicate of one its scope already holds? Similarity is cosine of the
 * embeddings when both have one (seed 002 compares vectors), the trigram similarity of the
 * normalised text otherwise, and 1 for equal normalised text whatever the vectors say (a
 * model's noise must not store the same sentence twice).
 */
import { cosineSimilarity } from './embedding-codec.js';
import { textSimilarity } from './text-similarity.js';

/** One side of a comparison. */
export interface Comparable {
  contentKey: string;
  embedding: ArrayLike<number> | null;
}

/**
 * How alike `a` and `b` are, in [-1, 1] for vectors and [0, 1] for text; undefined when the
 * texts' lengths alone show they are less alike than `floor` (so long texts are not compared
 * trigram by trigram for nothing).
 */
export function similarity(a: Comparable, b: Comparable, floor = 0): number | undefined {
  if (a.contentKey === b.contentKey) return 1;
  if (a.embedding !== null && b.embedding !== null) {
    const cosine = cosineSimilarity(a.embedding, b.embedding);
    if (cosine !== undefined) return cosine;
  }
  // Dice over trigrams is at most 2·min/(la+lb) of the trigram counts, which are the lengths + 1.
  const la = a.contentKey.length + 1;
  const lb = b.contentKey.length + 1;
  if ((2 * Math.min(la, lb)) / (la + lb) < floor) return undefined;
  return textSimilarity(a.contentKey, b.contentKey);
}

/**
 * The candidate most similar to `item` at or above `threshold`, or undefined.
 *
 * @example
 * mostSimilar(newItem, candidates, 0.95); // { candidate, similarity: 0.97 }
 */
export function mostSimilar<T extends Comparable>(
  item: Comparable,
  candidates: readonly T[],
  threshold: number,
): { candidate: T; similarity: number } | undefined {
  let best: { candidate: T; similarity: number } | undefined;
  for (const candidate of candidates) {
    const s = similarity(item, candidate, threshold);
    if (s !== undefined && s >= threshold && (best === undefined || s > best.similarity))
      best = { candidate, similarity: s };
  }
  return best;
}

/**
 * @module Reciprocal-rank fusion (Cormack, Clarke and Büttcher, SIGIR 2009): combines rankings
 * whose scores are on different scales (bm25, ts_rank, cosine) by rank alone.
 */

/** The constant from the paper; it damps the weight of the very top ranks. */
export const RRF_K = 60;

/**
 * Fuses ranked id lists (best first) into one, best first, scored `Σ 1 / (k + rank)`.
 *
 * @example
 * reciprocalRankFusion([['a', 'b'], ['b', 'c']]); // b first: it is in both lists
 */
export function reciprocalRankFusion(
  rankings: ReadonlyArray<readonly string[]>,
  k = RRF_K,
): Array<{ id: string; score: number }> {
  const scores = new Map<string, number>();
  for (const ranking of rankings) {
    ranking.forEach((id, index) => {
      scores.set(id, (scores.get(id) ?? 0) + 1 / (k + index + 1));
    });
  }
  return [...scores]
    .map(([id, score]) => ({ id, score }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

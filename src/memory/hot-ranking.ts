/**
 * @module Ranking the hot tier's items, which no database indexes: by how many of the query's
 * words they contain (exact words, no stemming: the hot tier holds at most a few thousand recent
 * items per scope, where a scan is cheaper than an index), and by cosine similarity of
 * embeddings. Rankings come out best first, like the warm tier's, to be fused with them.
 */
import { cosineSimilarity } from './embedding-codec.js';
import { searchTerms } from './fts-query.js';
import type { HotItem } from './hot-tier.js';
import type { RankedId } from './warm-search.js';

/** Items containing any of `terms`, most terms first, then most recent. */
export function hotTextRanking(items: readonly HotItem[], terms: readonly string[]): RankedId[] {
  if (terms.length === 0) return [];
  const wanted = new Set(terms);
  return items
    .map((item) => {
      const words = new Set(searchTerms(`${item.content} ${item.context ?? ''}`));
      let score = 0;
      for (const t of wanted) if (words.has(t)) score += 1;
      return { item, score };
    })
    .filter((h) => h.score > 0)
    .sort(
      (a, b) =>
        b.score - a.score ||
        b.item.createdAt.localeCompare(a.item.createdAt) ||
        (a.item.id < b.item.id ? 1 : -1),
    )
    .map((h) => ({ id: h.item.id, score: h.score }));
}

/** Items whose embedding has cosine at least `minScore` with `vector`, most similar first. */
export function hotVectorRanking(
  items: readonly HotItem[],
  vector: readonly number[],
  minScore: number,
): RankedId[] {
  const ranked: RankedId[] = [];
  for (const item of items) {
    if (item.embedding === null) continue;
    const score = cosineSimilarity(vector, item.embedding);
    if (score !== undefined && score >= minScore) ranked.push({ id: item.id, score });
  }
  return ranked.sort((a, b) => b.score - a.score || (a.id < b.id ? 1 : -1));
}

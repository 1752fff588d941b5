/**
 * @module Nearest items by embedding: cosine similarity over one agent's stored vectors,
 * computed in JS. pgvector would push this into PostgreSQL, but it is not installed everywhere
 * we run (nor is there an equivalent in SQLite), and per-agent budgets bound the scan to a few
 * thousand vectors. Items without a vector, or with one of another dimension (a changed model),
 * are skipped, not guessed at.
 */
import type { Store } from '../store/index.js';
import { cosineSimilarity, decodeEmbedding } from './embedding-codec.js';
import type { MemoryComponent } from './memory-types.js';

/** Ids of the agent's items most similar to `vector`, best first, scored by cosine. */
export async function vectorSearch(
  store: Store,
  query: {
    agentId: string;
    vector: readonly number[];
    components: readonly MemoryComponent[];
    includeArchived: boolean;
    limit: number;
  },
): Promise<Array<{ id: string; score: number }>> {
  let select = store.db
    .selectFrom('memory_items')
    .select(['id', 'embedding'])
    .where('agent_id', '=', query.agentId)
    .where('component', 'in', [...query.components])
    .where('embedding', 'is not', null);
  if (!query.includeArchived) select = select.where('archived', '=', 0);
  const scored: Array<{ id: string; score: number }> = [];
  for (const row of await select.execute()) {
    const score = cosineSimilarity(query.vector, decodeEmbedding(row.embedding!));
    if (score !== undefined) scored.push({ id: row.id, score });
  }
  return scored.sort((a, b) => b.score - a.score || (a.id < b.id ? 1 : -1)).slice(0, query.limit);
}

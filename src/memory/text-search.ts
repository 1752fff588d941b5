/**
 * @module Full-text ranking in the database's own engine: FTS5 with bm25 on SQLite, the
 * generated `tsvector` with ts_rank on PostgreSQL. Both return ids best first, so the caller
 * (and rank fusion) never sees which engine answered.
 */
import { sql } from 'kysely';
import type { Store } from '../store/index.js';
import { fts5Query, postgresQueryText, searchTerms } from './fts-query.js';
import type { MemoryComponent } from './memory-types.js';

/** What to rank, and for whom. */
export interface TextSearchQuery {
  agentId: string;
  text: string;
  components: readonly MemoryComponent[];
  includeArchived: boolean;
  limit: number;
}

/**
 * Ids of the agent's items matching any word of `text`, best first, with engine scores
 * (higher is better). No words, no hits: an empty or punctuation-only query matches nothing.
 */
export async function textSearch(
  store: Store,
  query: TextSearchQuery,
): Promise<Array<{ id: string; score: number }>> {
  const terms = searchTerms(query.text);
  if (terms.length === 0) return [];
  const archived = query.includeArchived ? sql`` : sql`and m.archived = 0`;
  const components = sql.join([...query.components]);
  const rows =
    store.dialect === 'sqlite'
      ? await sql<{ id: string; score: number }>`
          select m.id as id, -bm25(memory_items_fts) as score
          from memory_items_fts f join memory_items m on m.seq = f.rowid
          where memory_items_fts match ${fts5Query(terms)}
            and m.agent_id = ${query.agentId} and m.component in (${components}) ${archived}
          order by score desc, m.seq desc
          limit ${query.limit}`.execute(store.db)
      : await sql<{ id: string; score: number }>`
          select m.id as id, ts_rank(m.search, q) as score
          from memory_items m, websearch_to_tsquery('english', ${postgresQueryText(terms)}) q
          where m.search @@ q
            and m.agent_id = ${query.agentId} and m.component in (${components}) ${archived}
          order by score desc, m.seq desc
          limit ${query.limit}`.execute(store.db);
  return rows.rows.map((r) => ({ id: r.id, score: Number(r.score) }));
}

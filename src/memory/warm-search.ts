/**
 * @module Ranking in the warm tier: full text in the database's own engine (FTS5 bm25 on SQLite,
 * ts_rank on PostgreSQL, over content and context) and cosine similarity over stored embeddings
 * in JS (pgvector is not installed everywhere we run; see vector-search.ts). Both return ids best
 * first; the caller fuses them with the hot tier's.
 */
import { sql } from 'kysely';
import type { Store } from '../store/index.js';
import { cosineSimilarity, decodeEmbedding } from './embedding-codec.js';
import { fts5Query, postgresQueryText, searchTerms } from './fts-query.js';
import { type ItemFilter, itemFilterSql } from './warm-tier.js';

/** A ranked id; higher scores are better, comparable within one ranking only. */
export interface RankedId {
  id: string;
  score: number;
}

/** Where to query: the store, or a write transaction on it (`{ db: trx, dialect }`). */
export type WarmSource = Pick<Store, 'db' | 'dialect'>;

/** Warm items matching any word of `text`, best first. No words, no hits. */
export async function warmTextSearch(
  source: WarmSource,
  query: ItemFilter & { text: string; limit: number },
): Promise<RankedId[]> {
  const terms = searchTerms(query.text);
  if (terms.length === 0) return [];
  const where = itemFilterSql(query);
  const rows =
    source.dialect === 'sqlite'
      ? await sql<RankedId>`
          select m.id as id, -bm25(team_memory_items_fts) as score
          from team_memory_items_fts f join team_memory_items m on m.seq = f.rowid
          where team_memory_items_fts match ${fts5Query(terms)} and ${where}
          order by score desc, m.seq desc
          limit ${query.limit}`.execute(source.db)
      : await sql<RankedId>`
          select m.id as id, ts_rank(m.search, q) as score
          from team_memory_items m, websearch_to_tsquery('english', ${postgresQueryText(terms)}) q
          where m.search @@ q and ${where}
          order by score desc, m.seq desc
          limit ${query.limit}`.execute(source.db);
  return rows.rows.map((r) => ({ id: r.id, score: Number(r.score) }));
}

/**
 * Warm items whose embedding has cosine similarity at least `minScore` with `vector`, best
 * first. Items without a vector, or with one of another dimension, are skipped.
 */
export async function warmVectorSearch(
  source: WarmSource,
  query: ItemFilter & { vector: readonly number[]; minScore: number; limit: number },
): Promise<RankedId[]> {
  const rows = await source.db
    .selectFrom('team_memory_items as m')
    .select(['m.id', 'm.embedding'])
    .where(itemFilterSql(query))
    .where('m.embedding', 'is not', null)
    .execute();
  const scored: RankedId[] = [];
  for (const row of rows) {
    const score = cosineSimilarity(query.vector, decodeEmbedding(row.embedding!));
    if (score !== undefined && score >= query.minScore) scored.push({ id: row.id, score });
  }
  return scored.sort((a, b) => b.score - a.score || (a.id < b.id ? 1 : -1)).slice(0, query.limit);
}

/** A warm item a new one may duplicate. */
export interface DuplicateCandidate {
  id: string;
  contentKey: string;
  embedding: Float32Array | null;
}

/** Full-text candidates a duplicate check compares against, per new item. */
const DUPLICATE_CANDIDATES = 20;

/**
 * The warm items of `filter` a new item with `content` might duplicate: those with the same
 * normalised text, and the best full-text matches. A near-duplicate shares most of its words,
 * so the full-text top few hold it; scanning every vector of the scope on each put would not
 * scale with the warm tier.
 */
export async function warmDuplicateCandidates(
  source: WarmSource,
  query: ItemFilter & { content: string; contentKey: string },
): Promise<DuplicateCandidate[]> {
  const ranked = await warmTextSearch(source, {
    ...query,
    text: query.content,
    limit: DUPLICATE_CANDIDATES,
  });
  const rows = await source.db
    .selectFrom('team_memory_items as m')
    .select(['m.id', 'm.content_key', 'm.embedding'])
    .where(itemFilterSql(query))
    .where((eb) =>
      eb.or([
        eb('m.content_key', '=', query.contentKey),
        ...(ranked.length === 0
          ? []
          : [
              eb(
                'm.id',
                'in',
                ranked.map((r) => r.id),
              ),
            ]),
      ]),
    )
    .execute();
  return rows.map((r) => ({
    id: r.id,
    contentKey: r.content_key,
    embedding: r.embedding === null ? null : decodeEmbedding(r.embedding),
  }));
}

/**
 * @module Turning a user's words into a full-text query that cannot fail to parse. User text is
 * never handed to a query parser as is: it is cut into terms of letters and digits, and each
 * term is quoted (FTS5) or passed where the parser has no syntax errors (PostgreSQL's
 * `websearch_to_tsquery`). Terms are OR-ed, so an item matching more of them ranks higher
 * (bm25 / ts_rank) instead of one missing word hiding a relevant memory.
 */

/** At most this many terms are searched; more only slows the query without changing the top hits. */
export const MAX_QUERY_TERMS = 32;

// Letters (with their combining marks) and digits make words; everything else separates them,
// which is also what FTS5's unicode61 tokenizer does, so quoted terms stay single tokens.
const WORD = /[\p{L}\p{N}][\p{L}\p{M}\p{N}]*/gu;

/**
 * The distinct lower-cased words of `text`, at most {@link MAX_QUERY_TERMS}.
 *
 * @example
 * searchTerms('Deploy "v2" -- failed?'); // ['deploy', 'v2', 'failed']
 */
export function searchTerms(text: string): string[] {
  const terms = new Set<string>();
  for (const match of text.normalize('NFKC').toLowerCase().matchAll(WORD)) {
    terms.add(match[0]);
    if (terms.size === MAX_QUERY_TERMS) break;
  }
  return [...terms];
}

/**
 * An FTS5 MATCH expression for `terms`: each a double-quoted string (quotes doubled, though
 * {@link searchTerms} never yields one), joined with OR. Empty when there are no terms, which
 * callers must treat as "no text match" rather than send.
 *
 * @example
 * fts5Query(['deploy', 'failed']); // '"deploy" OR "failed"'
 */
export function fts5Query(terms: readonly string[]): string {
  return terms.map((t) => `"${t.replaceAll('"', '""')}"`).join(' OR ');
}

/**
 * Text for PostgreSQL's `websearch_to_tsquery`, which accepts any input without a syntax error;
 * terms joined with its `or` operator.
 *
 * @example
 * postgresQueryText(['deploy', 'failed']); // 'deploy or failed'
 */
export function postgresQueryText(terms: readonly string[]): string {
  return terms.join(' or ');
}

/**
 * @module Search across the hot and warm tiers (cold is an archive, read by id and time). Each
 * tier ranks by full text and, with a model, by embedding; the rankings are fused by reciprocal
 * rank (their scores are on different scales), and the fused relevance is weighted by utility
 * so memories that proved useful come first:
 *
 *     score = rrf(id) × (UTILITY_RANK_BASE + utility)
 *
 * A memory of neutral utility (0.5) keeps its relevance; one at 1 gains half again, one at 0
 * loses half. Every hit counts as a use.
 */
import { isoTime } from '../core/index.js';
import { searchTerms } from './fts-query.js';
import { hotTextRanking, hotVectorRanking } from './hot-ranking.js';
import { type HotItem, hotItemToItem } from './hot-tier.js';
import type { MemoryScope } from './memory-scope.js';
import type { SearchMode } from './memory-types.js';
import { reciprocalRankFusion } from './rank-fusion.js';
import { scopeIsReadable } from './scope-acl.js';
import type { ScoredTeamMemoryItem, TeamMemoryItem } from './team-memory-types.js';
import type { TierContext } from './tier-lifecycle.js';
import { warmTextSearch, warmVectorSearch } from './warm-search.js';
import { type ItemFilter, touchWarm, warmByIds, warmRowToItem } from './warm-tier.js';

/** Utility's share of the score; see the module comment. */
export const UTILITY_RANK_BASE = 0.5;
/** Candidates each ranking contributes, per result wanted. */
const DEPTH = 3;

/** One search over the tiers. */
export interface TierSearch {
  filter: ItemFilter;
  text: string;
  /** The query's embedding, when a model is configured and the mode uses vectors. */
  vector: number[] | null;
  mode: SearchMode;
  limit: number;
}

/** The hot items `filter` lets through, in every readable scope. */
export async function readableHotItems(
  context: TierContext,
  filter: ItemFilter,
): Promise<HotItem[]> {
  const scopes = (await context.hot.scopes()).filter((s) => scopeIsReadable(filter.readable, s));
  const lists = await Promise.all(scopes.map((s) => context.hot.list(s)));
  return lists
    .flat()
    .filter(
      (i) =>
        filter.kinds.includes(i.kind) && (filter.phase === undefined || i.phase === filter.phase),
    );
}

/**
 * The best `limit` items of the hot and warm tiers for `search`, best first, each counted as
 * a use.
 */
export async function searchTiers(
  context: TierContext,
  search: TierSearch,
): Promise<ScoredTeamMemoryItem[]> {
  const { store, config } = context;
  const depth = search.limit * DEPTH;
  const useText = search.mode !== 'vector';
  const vector = search.mode === 'text' ? null : search.vector;
  const minScore = config.relevance_threshold;
  const [warmText, warmVector, hotItems] = await Promise.all([
    useText ? warmTextSearch(store, { ...search.filter, text: search.text, limit: depth }) : [],
    vector === null
      ? []
      : warmVectorSearch(store, { ...search.filter, vector, minScore, limit: depth }),
    readableHotItems(context, search.filter),
  ]);
  const hotText = useText ? hotTextRanking(hotItems, searchTerms(search.text)) : [];
  const hotVector = vector === null ? [] : hotVectorRanking(hotItems, vector, minScore);
  const fused = reciprocalRankFusion(
    [warmText, warmVector, hotText.slice(0, depth), hotVector.slice(0, depth)].map((ranking) =>
      ranking.map((h) => h.id),
    ),
  );
  if (fused.length === 0) return [];

  // An id in both tiers (a promotion interrupted between its two steps) is one item: the hot copy.
  const hotById = new Map(hotItems.map((i) => [i.id, i]));
  const warmRows = await warmByIds(
    store.db,
    fused.map((f) => f.id).filter((id) => !hotById.has(id)),
  );
  const warmById = new Map(warmRows.map((r) => [r.id, r]));
  const ranked = fused
    .flatMap((f) => {
      const hot = hotById.get(f.id);
      const warm = warmById.get(f.id);
      const item: TeamMemoryItem | undefined =
        hot !== undefined
          ? hotItemToItem(hot)
          : warm !== undefined
            ? warmRowToItem(warm)
            : undefined;
      return item === undefined
        ? []
        : [{ ...item, score: f.score * (UTILITY_RANK_BASE + item.utility) }];
    })
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    .slice(0, search.limit);

  const at = isoTime(context.clock);
  const hotByScope = new Map<MemoryScope, string[]>();
  for (const item of ranked)
    if (item.tier === 'hot')
      hotByScope.set(item.scope, [...(hotByScope.get(item.scope) ?? []), item.id]);
  await Promise.all([
    ...[...hotByScope].map(([scope, ids]) => context.hot.touch(scope, ids, at)),
    touchWarm(
      store.db,
      ranked.filter((i) => i.tier === 'warm').map((i) => i.id),
      at,
    ),
  ]);
  return ranked.map((item) => ({ ...item, accessCount: item.accessCount + 1, lastAccessedAt: at }));
}

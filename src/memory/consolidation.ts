/**
 * @module Keeping each memory component within its budget (seed 003 `enforce_memory_budget`):
 * first merge duplicates, then fold the oldest unimportant episodes into a semantic summary,
 * then archive the least valuable items until the component fits. Database steps run under the
 * agent's write lock; the summariser and embedder (possibly model calls) run outside it, so a
 * slow model never holds up other writers.
 */
import { type Kysely, sql } from 'kysely';
import { isoTime, newId } from '../core/index.js';
import type { Database } from '../store/index.js';
import { encodeEmbedding } from './embedding-codec.js';
import { agentLock, embedTexts, type MemoryContext, summariseItems } from './memory-context.js';
import { ITEM_COLUMNS, newItemRow, rowToItem } from './memory-rows.js';
import {
  type ConsolidationResult,
  MEMORY_COMPONENTS,
  MEMORY_LIMITS,
  type MemoryComponent,
  type MemoryItem,
} from './memory-types.js';
import { contentKey, retentionValue } from './retention-value.js';

/** Episodes below this importance may be folded into a summary. */
export const SUMMARY_IMPORTANCE_BELOW = 0.5;
/**
 * Summarising brings episodic memory down to this share of its budget, not just under it: one
 * summary then covers a batch of episodes instead of each new episode forcing a summary of two.
 */
export const SUMMARY_LOW_WATER = 0.75;
/** A summary of fewer items than this is not worth the model call. */
const MIN_SUMMARY_ITEMS = 2;

type LiveItem = MemoryItem & { contentKey: string };

async function liveItems(db: Kysely<Database>, agentId: string): Promise<LiveItem[]> {
  const rows = await db
    .selectFrom('memory_items')
    .select([...ITEM_COLUMNS, 'content_key'])
    .where('agent_id', '=', agentId)
    .where('archived', '=', 0)
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({ ...rowToItem(r), contentKey: r.content_key }));
}

async function procedureItemIds(db: Kysely<Database>, agentId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('memory_procedures')
    .select('item_id')
    .where('agent_id', '=', agentId)
    .execute();
  return new Set(rows.map((r) => r.item_id));
}

/**
 * Folds items with the same component and normalised content into the newest of them (so the
 * item a caller just stored survives): access counts summed, highest importance, all tags,
 * latest access. Items behind procedure statistics are left alone; their text is generated.
 */
async function mergeDuplicates(db: Kysely<Database>, agentId: string): Promise<number> {
  const items = await liveItems(db, agentId);
  const linked = await procedureItemIds(db, agentId);
  const groups = new Map<string, LiveItem[]>();
  for (const item of items) {
    if (linked.has(item.id)) continue;
    const key = `${item.component}\u0000${item.contentKey}`;
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  let merged = 0;
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const survivor = group[group.length - 1]!; // liveItems is in insertion order
    const others = group.slice(0, -1);
    await db
      .updateTable('memory_items')
      .set({
        access_count: group.reduce((n, i) => n + i.accessCount, 0),
        importance: Math.max(...group.map((i) => i.importance)),
        tags: JSON.stringify(
          [...new Set(group.flatMap((i) => i.tags))].slice(0, MEMORY_LIMITS.tags),
        ),
        last_accessed_at: group
          .map((i) => i.lastAccessedAt)
          .sort()
          .at(-1)!,
      })
      .where('id', '=', survivor.id)
      .execute();
    await db
      .deleteFrom('memory_items')
      .where(
        'id',
        'in',
        others.map((i) => i.id),
      )
      .execute();
    merged += others.length;
  }
  return merged;
}

/** The oldest unimportant episodes to summarise, or none when episodic memory fits. */
function summaryCandidates(items: readonly LiveItem[], budget: number): LiveItem[] {
  const episodes = items.filter((i) => i.component === 'episodic');
  if (episodes.length <= budget) return [];
  const excess = episodes.length - Math.floor(budget * SUMMARY_LOW_WATER);
  const chosen = episodes
    .filter((i) => i.importance < SUMMARY_IMPORTANCE_BELOW)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .slice(0, excess);
  return chosen.length >= MIN_SUMMARY_ITEMS ? chosen : [];
}

async function archiveIds(db: Kysely<Database>, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await db
    .updateTable('memory_items')
    .set({ archived: 1 })
    .where('id', 'in', [...ids])
    .where('archived', '=', 0)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Archives the least valuable live items of each component over budget, down to the budget. */
async function archiveOverBudget(context: MemoryContext, db: Kysely<Database>, agentId: string) {
  const items = await liveItems(db, agentId);
  const now = context.clock.now();
  let archived = 0;
  for (const component of MEMORY_COMPONENTS) {
    const live = items.filter((i) => i.component === component);
    const excess = live.length - context.budgets[component];
    if (excess <= 0) continue;
    const victims = live
      .map((item) => ({ item, value: retentionValue(item, now) }))
      .sort((a, b) => a.value - b.value || a.item.createdAt.localeCompare(b.item.createdAt))
      .slice(0, excess)
      .map((v) => v.item.id);
    archived += await archiveIds(db, victims);
  }
  return archived;
}

/** True when any component of the agent holds more live items than its budget. */
export async function overBudget(context: MemoryContext, agentId: string): Promise<boolean> {
  const rows = await context.store.db
    .selectFrom('memory_items')
    .select(['component', sql<number>`count(*)`.as('n')])
    .where('agent_id', '=', agentId)
    .where('archived', '=', 0)
    .groupBy('component')
    .execute();
  return rows.some((r) => Number(r.n) > context.budgets[r.component as MemoryComponent]);
}

/**
 * Merges, summarises and archives one agent's memory until every component is within budget.
 * Merging always runs; summarising and archival only touch components over budget.
 */
export async function consolidateAgent(
  context: MemoryContext,
  agentId: string,
): Promise<ConsolidationResult> {
  const { store } = context;
  const lock = { lock: agentLock(agentId) };
  const { merged, candidates } = await store.writeTransaction(async (trx) => {
    const merged = await mergeDuplicates(trx, agentId);
    const items = await liveItems(trx, agentId);
    return { merged, candidates: summaryCandidates(items, context.budgets.episodic) };
  }, lock);

  let summarised = 0;
  if (candidates.length > 0) {
    const plain = candidates.map(({ contentKey: _, ...item }) => item);
    const summary = await summariseItems(context, plain);
    const [vector] = await embedTexts(context, [summary]);
    summarised = await store.writeTransaction(async (trx) => {
      const folded = await archiveIds(
        trx,
        candidates.map((c) => c.id),
      );
      if (folded === 0) return 0; // another consolidation got there first
      await trx
        .insertInto('memory_items')
        .values(
          newItemRow({
            id: newId(context.clock),
            agentId,
            component: 'semantic',
            content: summary,
            contentKey: contentKey(summary),
            tags: [...new Set(['summary', ...candidates.flatMap((c) => c.tags)])].slice(
              0,
              MEMORY_LIMITS.tags,
            ),
            importance: Math.max(...candidates.map((c) => c.importance)),
            at: isoTime(context.clock),
            embedding: vector ? encodeEmbedding(vector) : null,
          }),
        )
        .execute();
      return folded;
    }, lock);
  }

  const archived = await store.writeTransaction(
    (trx) => archiveOverBudget(context, trx, agentId),
    lock,
  );
  return { merged, summarised, archived };
}

/**
 * @module Per-agent durable memory (seed 003 "Engram"): episodic events, semantic facts and
 * procedural action statistics, each within a budget, searchable by full text and, when an
 * embedding model is configured, by meaning. One instance serves every agent; every call is
 * scoped by agent id, and no query reads another agent's rows.
 */

import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { AgentvisorError, type Clock, isoTime, newId, systemClock } from '../core/index.js';
import type { Database, MemoryProcedureTable, Store } from '../store/index.js';
import { consolidateAgent, overBudget } from './consolidation.js';
import { encodeEmbedding } from './embedding-codec.js';
import { extractiveSummary } from './extractive-summary.js';
import {
  agentLock,
  type EmbedFunction,
  embedTexts,
  type MemoryContext,
  type SummariseFunction,
} from './memory-context.js';
import { ITEM_COLUMNS, newItemRow, rowToItem } from './memory-rows.js';
import {
  MEMORY_SNAPSHOT_FORMAT,
  MEMORY_SNAPSHOT_VERSION,
  type MemorySnapshot,
  parseMemorySnapshot,
} from './memory-snapshot.js';
import {
  type ComponentUsage,
  type ConsolidationResult,
  MEMORY_COMPONENTS,
  type MemoryBudgets,
  type MemoryComponent,
  type MemoryInput,
  type MemoryItem,
  type ScoredMemoryItem,
  type SearchOptions,
} from './memory-types.js';
import {
  checkAction,
  checkAgentId,
  checkComponent,
  checkLimit,
  checkMemoryInput,
  checkOutcome,
  checkSearch,
  resolveBudgets,
} from './memory-validation.js';
import {
  type ActionOutcome,
  applyOutcome,
  describeProcedure,
  type ProcedureStats,
  rowToStats,
} from './procedure-stats.js';
import { reciprocalRankFusion } from './rank-fusion.js';
import { contentKey } from './retention-value.js';
import { textSearch } from './text-search.js';
import { vectorSearch } from './vector-search.js';

/** Options of {@link AgentMemory}. */
export interface MemoryOptions {
  store: Store;
  clock?: Clock;
  /** Live items allowed per component per agent; see {@link DEFAULT_MEMORY_BUDGETS}. */
  budgets?: Partial<MemoryBudgets>;
  /** An embedding model; without one, search is full-text only. */
  embed?: EmbedFunction;
  /** Folds episodes into one fact; an extractive summary (no model) when omitted. */
  summarise?: SummariseFunction;
}

/** Candidates each ranking contributes to a fused (hybrid) search, per result wanted. */
const HYBRID_DEPTH = 3;
const RECENT_MAX = 1000;
const INSERT_CHUNK = 200;

/**
 * One agent's memory, for any number of agents.
 *
 * @example
 * const memory = new AgentMemory({ store, budgets: { episodic: 500 } });
 * await memory.put('agent-1', { component: 'episodic', content: 'Deploy of v2 failed: timeout' });
 * const hits = await memory.search('agent-1', 'deploy timeout', { limit: 5 });
 * await memory.recordOutcome('agent-1', 'deploy', { success: false, durationMs: 30_000 });
 */
export class AgentMemory {
  readonly #context: MemoryContext;

  constructor(options: MemoryOptions) {
    this.#context = {
      store: options.store,
      clock: options.clock ?? systemClock,
      budgets: resolveBudgets(options.budgets),
      embed: options.embed,
      summarise: options.summarise ?? extractiveSummary,
    };
  }

  /** The budgets in force. */
  get budgets(): Readonly<MemoryBudgets> {
    return { ...this.#context.budgets };
  }

  /**
   * Stores one item (embedding it when a model is configured), then consolidates if its
   * component is over budget. Returns the item as stored after that consolidation.
   */
  async put(agentId: string, input: MemoryInput): Promise<MemoryItem> {
    checkAgentId(agentId);
    const value = checkMemoryInput(input);
    const [vector] = await embedTexts(this.#context, [value.content]);
    const row = newItemRow({
      id: newId(this.#context.clock),
      agentId,
      component: value.component,
      content: value.content,
      contentKey: contentKey(value.content),
      tags: value.tags,
      importance: value.importance,
      at: isoTime(this.#context.clock),
      embedding: vector ? encodeEmbedding(vector) : null,
    });
    await this.#db.insertInto('memory_items').values(row).execute();
    await this.#enforceBudgets(agentId);
    const [stored] = await this.#itemsById(agentId, [row.id]);
    return stored ?? rowToItem(row);
  }

  /** One item by id, counted as an access. `NOT_FOUND` unless it belongs to `agentId`. */
  async get(agentId: string, id: string): Promise<MemoryItem> {
    checkAgentId(agentId);
    const [item] = await this.#touch(agentId, await this.#itemsById(agentId, [id]));
    if (item === undefined)
      throw new AgentvisorError(
        'NOT_FOUND',
        `memory item ${JSON.stringify(id)} not found for agent ${JSON.stringify(agentId)}; list items with recent() or search()`,
        { details: { agentId, id } },
      );
    return item;
  }

  /**
   * The agent's items most relevant to `query`, best first; each hit counts as an access.
   * `text` ranks by bm25 (SQLite) or ts_rank (PostgreSQL), `vector` by cosine similarity, and
   * `hybrid` fuses both by reciprocal rank. Archived items only with `includeArchived`.
   */
  async search(
    agentId: string,
    query: string,
    options: SearchOptions = {},
  ): Promise<ScoredMemoryItem[]> {
    checkAgentId(agentId);
    const q = checkSearch(query, options, this.#context.embed !== undefined);
    const depth = q.mode === 'hybrid' ? q.limit * HYBRID_DEPTH : q.limit;
    const scope = {
      agentId,
      components: q.components,
      includeArchived: q.includeArchived,
      limit: depth,
    };
    const text =
      q.mode === 'vector' ? [] : await textSearch(this.#context.store, { ...scope, text: q.query });
    let vector: Array<{ id: string; score: number }> = [];
    if (q.mode !== 'text' && q.query.trim() !== '') {
      const [embedded] = await embedTexts(this.#context, [q.query]);
      vector = await vectorSearch(this.#context.store, { ...scope, vector: embedded! });
    }
    const ranked =
      q.mode === 'hybrid'
        ? reciprocalRankFusion([text.map((h) => h.id), vector.map((h) => h.id)])
        : q.mode === 'text'
          ? text
          : vector;
    const top = ranked.slice(0, q.limit);
    const found = await this.#itemsById(
      agentId,
      top.map((h) => h.id),
    );
    const items = options.touch === false ? found : await this.#touch(agentId, found);
    const byId = new Map(items.map((i) => [i.id, i]));
    return top.flatMap((h) => {
      const item = byId.get(h.id);
      return item === undefined ? [] : [{ ...item, score: h.score }];
    });
  }

  /** The agent's newest live items, newest first; a listing, so not counted as access. */
  async recent(
    agentId: string,
    options: { component?: MemoryComponent; limit?: number } = {},
  ): Promise<MemoryItem[]> {
    checkAgentId(agentId);
    const limit = checkLimit(options.limit ?? 20, RECENT_MAX);
    let select = this.#db
      .selectFrom('memory_items')
      .select(ITEM_COLUMNS)
      .where('agent_id', '=', agentId)
      .where('archived', '=', 0);
    if (options.component !== undefined)
      select = select.where('component', '=', checkComponent(options.component));
    const rows = await select
      .orderBy('created_at', 'desc')
      .orderBy('seq', 'desc')
      .limit(limit)
      .execute();
    return rows.map(rowToItem);
  }

  /**
   * Learns from one outcome of `action`: updates its statistics and the procedural item that
   * states them (reviving it if it was archived), then enforces the budgets.
   */
  async recordOutcome(
    agentId: string,
    action: string,
    outcome: ActionOutcome,
  ): Promise<ProcedureStats> {
    checkAgentId(agentId);
    checkAction(action);
    const value = checkOutcome(outcome);
    const at = isoTime(this.#context.clock);
    const stats = await this.#context.store.writeTransaction(
      async (trx) => {
        const existing = await trx
          .selectFrom('memory_procedures')
          .selectAll()
          .where('agent_id', '=', agentId)
          .where('action', '=', action)
          .executeTakeFirst();
        const itemId = existing?.item_id ?? newId(this.#context.clock);
        const row = applyOutcome(
          existing,
          { agent_id: agentId, action, item_id: itemId },
          value,
          at,
        );
        const stats = rowToStats(row);
        const content = describeProcedure(stats);
        if (existing === undefined) {
          await trx.insertInto('memory_procedures').values(row).execute();
          await trx
            .insertInto('memory_items')
            .values(
              newItemRow({
                id: itemId,
                agentId,
                component: 'procedural',
                content,
                contentKey: contentKey(content),
                tags: ['procedure'],
                importance: 0.5,
                at,
                embedding: null,
              }),
            )
            .execute();
        } else {
          const { agent_id: _a, action: _b, ...counters } = row;
          await trx
            .updateTable('memory_procedures')
            .set(counters)
            .where('agent_id', '=', agentId)
            .where('action', '=', action)
            .execute();
          await trx
            .updateTable('memory_items')
            .set((eb) => ({
              content,
              content_key: contentKey(content),
              last_accessed_at: at,
              access_count: eb('access_count', '+', 1),
              archived: 0,
            }))
            .where('id', '=', itemId)
            .execute();
        }
        return stats;
      },
      { lock: agentLock(agentId) },
    );
    if (this.#context.embed !== undefined) {
      const [vector] = await embedTexts(this.#context, [describeProcedure(stats)]);
      await this.#db
        .updateTable('memory_items')
        .set({ embedding: encodeEmbedding(vector!) })
        .where('id', '=', stats.itemId)
        .execute();
    }
    await this.#enforceBudgets(agentId);
    return stats;
  }

  /** Statistics of every action the agent has recorded, by action name. */
  async procedures(
    agentId: string,
    options: { includeArchived?: boolean } = {},
  ): Promise<ProcedureStats[]> {
    checkAgentId(agentId);
    let select = this.#db
      .selectFrom('memory_procedures as p')
      .innerJoin('memory_items as m', 'm.id', 'p.item_id')
      .selectAll('p')
      .where('p.agent_id', '=', agentId);
    if (options.includeArchived !== true) select = select.where('m.archived', '=', 0);
    const rows = await select.orderBy('p.action').execute();
    return rows.map(rowToStats);
  }

  /**
   * Merges duplicates, summarises old unimportant episodes and archives the least valuable
   * items until every component is within budget. Runs by itself after writes that exceed a
   * budget; callable any time (merging always runs).
   */
  async consolidate(agentId: string): Promise<ConsolidationResult> {
    checkAgentId(agentId);
    return consolidateAgent(this.#context, agentId);
  }

  /** Live and archived items per component, with the budget. */
  async usage(agentId: string): Promise<Record<MemoryComponent, ComponentUsage>> {
    checkAgentId(agentId);
    const rows = await this.#db
      .selectFrom('memory_items')
      .select(['component', 'archived', sql<number>`count(*)`.as('n')])
      .where('agent_id', '=', agentId)
      .groupBy(['component', 'archived'])
      .execute();
    const usage = Object.fromEntries(
      MEMORY_COMPONENTS.map((c) => [c, { live: 0, archived: 0, budget: this.#context.budgets[c] }]),
    ) as Record<MemoryComponent, ComponentUsage>;
    for (const row of rows) {
      const entry = usage[row.component as MemoryComponent];
      if (Number(row.archived) === 1) entry.archived += Number(row.n);
      else entry.live += Number(row.n);
    }
    return usage;
  }

  /** Everything the agent remembers, archived items and embeddings included, as plain JSON. */
  async export(agentId: string): Promise<MemorySnapshot> {
    checkAgentId(agentId);
    const rows = await this.#db
      .selectFrom('memory_items')
      .select([...ITEM_COLUMNS, 'embedding'])
      .where('agent_id', '=', agentId)
      .orderBy('seq')
      .execute();
    const procedures = await this.#db
      .selectFrom('memory_procedures')
      .selectAll()
      .where('agent_id', '=', agentId)
      .orderBy('action')
      .execute();
    return {
      format: MEMORY_SNAPSHOT_FORMAT,
      version: MEMORY_SNAPSHOT_VERSION,
      agentId,
      exportedAt: isoTime(this.#context.clock),
      items: rows.map((row) => {
        const { agentId: _, ...item } = rowToItem(row);
        return {
          ...item,
          embedding: row.embedding === null ? null : Buffer.from(row.embedding).toString('base64'),
        };
      }),
      procedures: procedures.map((p) => ({
        action: p.action,
        itemId: p.item_id,
        attempts: Number(p.attempts),
        successes: Number(p.successes),
        failures: Number(p.failures),
        durationTotalMs: Number(p.duration_total_ms),
        durationCount: Number(p.duration_count),
        lastSuccess: Number(p.last_success) === 1,
        lastDurationMs: p.last_duration_ms === null ? null : Number(p.last_duration_ms),
        lastNote: p.last_note,
        lastAt: p.last_at,
      })),
    };
  }

  /**
   * Replaces the agent's memory with `data` (from {@link export}), then enforces the budgets.
   * Restoring an agent's own snapshot keeps item ids; importing another agent's gives the copies
   * new ids, so both agents can hold them.
   */
  async import(agentId: string, data: unknown): Promise<{ items: number; procedures: number }> {
    checkAgentId(agentId);
    const snapshot = parseMemorySnapshot(data);
    const ids = new Map(
      snapshot.items.map((i) => [
        i.id,
        snapshot.agentId === agentId ? i.id : newId(this.#context.clock),
      ]),
    );
    await this.#context.store.writeTransaction(
      async (trx) => {
        await trx.deleteFrom('memory_procedures').where('agent_id', '=', agentId).execute();
        await trx.deleteFrom('memory_items').where('agent_id', '=', agentId).execute();
        for (let i = 0; i < snapshot.items.length; i += INSERT_CHUNK) {
          const rows = snapshot.items.slice(i, i + INSERT_CHUNK).map((item) => ({
            ...newItemRow({
              id: ids.get(item.id)!,
              agentId,
              component: item.component,
              content: item.content,
              contentKey: contentKey(item.content),
              tags: item.tags,
              importance: item.importance,
              at: item.createdAt,
              embedding:
                item.embedding === null
                  ? null
                  : new Uint8Array(Buffer.from(item.embedding, 'base64')),
            }),
            last_accessed_at: item.lastAccessedAt,
            access_count: item.accessCount,
            archived: item.archived ? 1 : 0,
          }));
          await trx.insertInto('memory_items').values(rows).execute();
        }
        for (const p of snapshot.procedures) {
          const row: MemoryProcedureTable = {
            agent_id: agentId,
            action: p.action,
            item_id: ids.get(p.itemId)!,
            attempts: p.attempts,
            successes: p.successes,
            failures: p.failures,
            duration_total_ms: p.durationTotalMs,
            duration_count: p.durationCount,
            last_success: p.lastSuccess ? 1 : 0,
            last_duration_ms: p.lastDurationMs,
            last_note: p.lastNote,
            last_at: p.lastAt,
          };
          await trx.insertInto('memory_procedures').values(row).execute();
        }
      },
      { lock: agentLock(agentId) },
    );
    await this.#enforceBudgets(agentId);
    return { items: snapshot.items.length, procedures: snapshot.procedures.length };
  }

  get #db(): Kysely<Database> {
    return this.#context.store.db;
  }

  async #enforceBudgets(agentId: string): Promise<void> {
    if (await overBudget(this.#context, agentId)) await consolidateAgent(this.#context, agentId);
  }

  async #itemsById(agentId: string, ids: readonly string[]): Promise<MemoryItem[]> {
    if (ids.length === 0) return [];
    const rows = await this.#db
      .selectFrom('memory_items')
      .select(ITEM_COLUMNS)
      .where('agent_id', '=', agentId)
      .where('id', 'in', [...ids])
      .execute();
    return rows.map(rowToItem);
  }

  /** Counts an access to each item and returns them as updated. */
  async #touch(agentId: string, items: MemoryItem[]): Promise<MemoryItem[]> {
    if (items.length === 0) return items;
    const at = isoTime(this.#context.clock);
    await this.#db
      .updateTable('memory_items')
      .set((eb) => ({ access_count: eb('access_count', '+', 1), last_accessed_at: at }))
      .where('agent_id', '=', agentId)
      .where(
        'id',
        'in',
        items.map((i) => i.id),
      )
      .execute();
    return items.map((i) => ({ ...i, accessCount: i.accessCount + 1, lastAccessedAt: at }));
  }
}

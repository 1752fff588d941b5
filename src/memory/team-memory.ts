/**
 * @module Team memory (seed 002, "Memory Lifecycle & Retention" and "Memory Signals &
 * Learning"): memory shared between agents under scopes with access rules, kept in three tiers
 * (hot: recent, in process memory or Redis; warm: searchable in the store; cold: compressed
 * archive files), with duplicates skipped on the way in, utility scores moved by learning
 * signals, and learnings stored per algorithm phase for later tasks to find.
 */
import path from 'node:path';
import { sql } from 'kysely';
import { AgentvisorError, type Clock, isoTime, newId, systemClock } from '../core/index.js';
import type { Store } from '../store/index.js';
import type { AlgorithmPhase } from './algorithm-phases.js';
import { ColdArchive } from './cold-archive.js';
import { coldItemsInRange, coldRowsByIds, readColdItems } from './cold-reads.js';
import { mostSimilar } from './duplicate-check.js';
import { type HotItem, type HotTier, hotItemToItem } from './hot-tier.js';
import { InMemoryHotTier } from './in-memory-hot-tier.js';
import { INITIAL_UTILITY } from './learning-signals.js';
import { type MemoryConfig, type MemoryConfigInput, parseMemoryConfig } from './memory-config.js';
import { type EmbedFunction, embedTexts } from './memory-context.js';
import type { MemoryScope } from './memory-scope.js';
import { contentKey } from './retention-value.js';
import { type MemoryActor, type ReadableScopes, type ScopeAccess, ScopeAcl } from './scope-acl.js';
import { recordSignal } from './signal-recorder.js';
import type {
  ColdRangeQuery,
  LearningInput,
  LearningQuery,
  LifecycleReport,
  PutResult,
  ScoredTeamMemoryItem,
  SignalInput,
  SignalResult,
  TeamMemoryInput,
  TeamMemoryItem,
  TeamMemoryKind,
  TeamSearchOptions,
  TierCounts,
} from './team-memory-types.js';
import {
  type CheckedEntry,
  checkActor,
  checkColdRange,
  checkId,
  checkItemInput,
  checkLearningInput,
  checkScope,
  checkSignalInput,
  checkTeamSearch,
} from './team-memory-validation.js';
import { searchTiers } from './team-search.js';
import {
  flushHotTier,
  promoteOverflow,
  runTierLifecycle,
  TIER_LOCK,
  type TierContext,
} from './tier-lifecycle.js';
import { type WarmSource, warmDuplicateCandidates } from './warm-search.js';
import { insertWarm, touchWarm, warmByIds, warmRowOf, warmRowToItem } from './warm-tier.js';

/** Options of {@link TeamMemory}. */
export interface TeamMemoryOptions {
  store: Store;
  /** The data directory; cold segments go to `memory.cold.directory` under it unless absolute. */
  dataDir: string;
  /** The `memory:` section; seed 002's defaults fill what is missing. */
  config?: MemoryConfigInput;
  /** The hot tier; an {@link InMemoryHotTier} when omitted. Give a {@link RedisHotTier} to share it. */
  hot?: HotTier;
  clock?: Clock;
  /** An embedding model; without one, search and duplicate checks use text only. */
  embed?: EmbedFunction;
}

/**
 * Memory shared by a team of agents.
 *
 * @example
 * const memory = new TeamMemory({ store, dataDir, config: { acl: [{ scope: 'team:core', read: ['*'], write: ['*'] }] } });
 * const alice = { agent: 'alice', roles: ['code'] };
 * await memory.put(alice, { scope: 'team:core', content: 'Staging DB is db-2', taskId: 't1' });
 * await memory.putLearning(alice, { phase: 'plan', scope: 'team:core', content: 'Migrate before deploy', context: 'deploy api to staging' });
 * await memory.recordSignal(alice, { type: 'task_success', taskId: 't1' });
 * const hints = await memory.learningsFor(alice, { phase: 'plan', query: 'deploy web to staging' });
 * await memory.runLifecycle(); // on a timer
 */
export class TeamMemory {
  /** The configuration in force, defaults filled. */
  readonly config: MemoryConfig;
  readonly #context: TierContext;
  readonly #acl: ScopeAcl;
  readonly #embed: EmbedFunction | undefined;
  #maintenance: Promise<unknown> = Promise.resolve();

  constructor(options: TeamMemoryOptions) {
    this.config = parseMemoryConfig(options.config);
    this.#context = {
      store: options.store,
      hot: options.hot ?? new InMemoryHotTier(),
      cold: new ColdArchive(path.resolve(options.dataDir, this.config.cold.directory)),
      config: this.config,
      clock: options.clock ?? systemClock,
    };
    this.#acl = new ScopeAcl(this.config.acl);
    this.#embed = options.embed;
  }

  /** True when `actor` may `access` `scope` under `memory.acl`. */
  allows(actor: MemoryActor, access: ScopeAccess, scope: MemoryScope): boolean {
    return this.#acl.allows(checkActor(actor), access, checkScope(scope));
  }

  /**
   * Stores an item in the hot tier of its scope (the actor's private scope by default), unless
   * one at least `duplicate_threshold` alike is already there or warm: then nothing is stored
   * and the existing item's id comes back with `duplicate: true`. Past the hot tier's count, the
   * scope's least recently used items move to warm.
   */
  async put(actor: MemoryActor, input: TeamMemoryInput): Promise<PutResult> {
    const who = checkActor(actor);
    const entry = checkItemInput(input, who);
    this.#acl.check(who, 'write', entry.scope);
    const key = contentKey(entry.content);
    const vector = await this.#embedOne(entry.content);
    const duplicate = await this.#findDuplicate(this.#context.store, {
      entry,
      kind: 'item',
      key,
      vector,
      withHot: true,
    });
    if (duplicate !== undefined) return duplicate;
    const at = isoTime(this.#context.clock);
    const item: HotItem = {
      ...this.#newItem(who, entry, 'item', at),
      embedding: vector,
    };
    await this.#context.hot.put(item);
    await promoteOverflow(this.#context, entry.scope);
    return { id: item.id, tier: 'hot', duplicate: false };
  }

  /**
   * Stores a learning of one algorithm phase straight in the warm tier (learnings are the
   * seed's "synthesis", kept searchable and durable), unless a learning of the same phase and
   * scope at least `duplicate_threshold` alike exists.
   */
  async putLearning(actor: MemoryActor, input: LearningInput): Promise<PutResult> {
    const who = checkActor(actor);
    const entry = checkLearningInput(input, who);
    this.#acl.check(who, 'write', entry.scope);
    const key = contentKey(entry.content);
    // The seed embeds a learning as "<phase>: <context>": later tasks find it by what they are.
    const vector = await this.#embedOne(
      `${entry.phase}: ${entry.context === null ? '' : `${entry.context}\n`}${entry.content}`,
    );
    const at = isoTime(this.#context.clock);
    const item = this.#newItem(who, entry, 'learning', at);
    // Check and insert under one lock, so two agents learning the same thing store it once.
    return this.#context.store.writeTransaction(
      async (trx) => {
        const duplicate = await this.#findDuplicate(
          { db: trx, dialect: this.#context.store.dialect },
          { entry, kind: 'learning', key, vector, withHot: false },
        );
        if (duplicate !== undefined) return duplicate;
        await insertWarm(trx, [warmRowOf({ ...item, embedding: vector }, key, at)]);
        return { id: item.id, tier: 'warm', duplicate: false } as const;
      },
      { lock: TIER_LOCK },
    );
  }

  /**
   * One item by id from whichever tier holds it; a use is counted unless it is cold (the
   * archive is immutable). `NOT_FOUND` when no tier has it, `POLICY_DENIED` when the actor may
   * not read its scope.
   */
  async get(actor: MemoryActor, id: string): Promise<TeamMemoryItem> {
    const who = checkActor(actor);
    checkId(id);
    const at = isoTime(this.#context.clock);
    const hot = await this.#context.hot.find(id);
    if (hot !== undefined) {
      this.#acl.check(who, 'read', hot.scope);
      await this.#context.hot.touch(hot.scope, [id], at);
      return { ...hotItemToItem(hot), accessCount: hot.accessCount + 1, lastAccessedAt: at };
    }
    const [warm] = await warmByIds(this.#context.store.db, [id]);
    if (warm !== undefined) {
      const item = warmRowToItem(warm);
      this.#acl.check(who, 'read', item.scope);
      await touchWarm(this.#context.store.db, [id], at);
      return { ...item, accessCount: item.accessCount + 1, lastAccessedAt: at };
    }
    const cold = await coldRowsByIds(this.#context, [id]);
    if (cold.length > 0) {
      this.#acl.check(who, 'read', cold[0]!.scope as MemoryScope);
      const [item] = await readColdItems(this.#context, cold);
      return item!;
    }
    throw new AgentvisorError(
      'NOT_FOUND',
      `team memory item ${JSON.stringify(id)} is in no tier (never stored, or purged after the cold retention of ${this.config.cold.max_age_days} days)`,
      { details: { id } },
    );
  }

  /**
   * Items of the hot and warm tiers most relevant to `query`, best first: full text (and
   * embeddings, with a model) fused by rank, weighted by utility (see {@link UTILITY_RANK_BASE}).
   * Every readable scope unless `scopes` names some (each must be readable).
   */
  async search(
    actor: MemoryActor,
    query: string,
    options: TeamSearchOptions = {},
  ): Promise<ScoredTeamMemoryItem[]> {
    const who = checkActor(actor);
    const q = checkTeamSearch(query, options, this.#embed !== undefined);
    const readable = this.#readable(who, q.scopes);
    const vector =
      q.mode === 'text' || q.query.trim() === '' ? null : await this.#embedOne(q.query);
    return searchTiers(this.#context, {
      filter: { readable, kinds: q.kinds, phase: q.phase },
      text: q.query,
      vector,
      mode: q.mode,
      limit: q.limit,
    });
  }

  /**
   * Learnings relevant to the task described by `query`, of one phase or all, best first: what
   * earlier, similar tasks taught, to put into the context of this one.
   */
  async learningsFor(actor: MemoryActor, query: LearningQuery): Promise<ScoredTeamMemoryItem[]> {
    const q = (query ?? {}) as Partial<LearningQuery>;
    return this.search(actor, q.query as string, {
      kinds: ['learning'],
      ...(q.phase === undefined ? {} : { phase: q.phase }),
      ...(q.scopes === undefined ? {} : { scopes: q.scopes }),
      ...(q.limit === undefined ? {} : { limit: q.limit }),
    });
  }

  /** Archived items created in `[from, to)`, oldest first, in scopes the actor may read. */
  async coldRange(actor: MemoryActor, query: ColdRangeQuery = {}): Promise<TeamMemoryItem[]> {
    const who = checkActor(actor);
    const q = checkColdRange(query, isoTime(this.#context.clock));
    return coldItemsInRange(this.#context, { ...q, readable: this.#readable(who, q.scopes) });
  }

  /**
   * Records a learning signal and moves the utility of the memories it concerns (those named,
   * and the readable ones of its task) by `SIGNAL_WEIGHTS[type] × strength × 0.1`, clamped to
   * [0, 1]. See {@link applySignal}.
   */
  async recordSignal(actor: MemoryActor, input: SignalInput): Promise<SignalResult> {
    const who = checkActor(actor);
    return recordSignal(this.#context, this.#acl, who, checkSignalInput(input));
  }

  /**
   * One maintenance pass: hot → warm by age and count, warm → cold by idleness and utility and
   * by count, cold purge by age and size. Run it periodically; passes in one process queue up,
   * and nodes sharing a store may run it concurrently.
   */
  async runLifecycle(): Promise<LifecycleReport> {
    return this.#serialise(() => runTierLifecycle(this.#context));
  }

  /** Moves every hot item to warm: call before stopping a process whose hot tier is in memory. */
  async flushHot(): Promise<number> {
    return this.#serialise(() => flushHotTier(this.#context));
  }

  /** Items held in each tier, all scopes together. */
  async counts(): Promise<TierCounts> {
    const db = this.#context.store.db;
    const [hot, warm, cold] = await Promise.all([
      this.#context.hot.count(),
      db
        .selectFrom('team_memory_items')
        .select(sql<number>`count(*)`.as('n'))
        .executeTakeFirstOrThrow(),
      db
        .selectFrom('team_memory_cold')
        .select(sql<number>`count(*)`.as('n'))
        .executeTakeFirstOrThrow(),
    ]);
    return { hot, warm: Number(warm.n), cold: Number(cold.n) };
  }

  #serialise<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#maintenance.then(fn, fn);
    this.#maintenance = run.catch(() => undefined);
    return run;
  }

  #readable(actor: MemoryActor, scopes: readonly MemoryScope[] | undefined): ReadableScopes {
    if (scopes === undefined) return this.#acl.readable(actor);
    for (const scope of scopes) this.#acl.check(actor, 'read', scope);
    return { all: false, exact: scopes, kinds: [] };
  }

  #newItem(
    actor: MemoryActor,
    entry: CheckedEntry,
    kind: TeamMemoryKind,
    at: string,
  ): Omit<HotItem, 'embedding'> {
    return {
      id: newId(this.#context.clock),
      scope: entry.scope,
      kind,
      author: actor.agent,
      content: entry.content,
      context: entry.context,
      phase: entry.phase,
      taskId: entry.taskId,
      tags: entry.tags,
      importance: entry.importance,
      utility: INITIAL_UTILITY,
      createdAt: at,
      lastAccessedAt: at,
      accessCount: 0,
    };
  }

  async #embedOne(text: string): Promise<number[] | null> {
    const [vector] = await embedTexts({ embed: this.#embed }, [text]);
    if (vector === null || vector === undefined) return null;
    const { dimensions } = this.config.embedding;
    if (vector.length !== dimensions)
      throw new AgentvisorError(
        'MODEL_OUTPUT_INVALID',
        `embed returned a vector of ${vector.length} dimensions; memory.embedding.dimensions is ${dimensions} (model ${this.config.embedding.model}). Set it to the model's dimensions.`,
        { details: { got: vector.length, expected: dimensions } },
      );
    return vector;
  }

  async #findDuplicate(
    source: WarmSource,
    query: {
      entry: CheckedEntry;
      kind: TeamMemoryKind;
      key: string;
      vector: number[] | null;
      withHot: boolean;
    },
  ): Promise<PutResult | undefined> {
    const { entry, kind } = query;
    // Learnings are alike only within their phase; plain items whatever phase they mention.
    const phase: AlgorithmPhase | undefined = kind === 'learning' ? entry.phase! : undefined;
    const hot = query.withHot
      ? (await this.#context.hot.list(entry.scope)).filter(
          (i) => i.kind === kind && (phase === undefined || i.phase === phase),
        )
      : [];
    const warm = await warmDuplicateCandidates(source, {
      readable: { all: false, exact: [entry.scope], kinds: [] },
      kinds: [kind],
      phase,
      content: entry.content,
      contentKey: query.key,
    });
    const candidates = [
      ...hot.map((i) => ({
        id: i.id,
        tier: 'hot' as const,
        contentKey: contentKey(i.content),
        embedding: i.embedding,
      })),
      ...warm.map((w) => ({ ...w, tier: 'warm' as const })),
    ];
    const best = mostSimilar(
      { contentKey: query.key, embedding: query.vector },
      candidates,
      this.config.duplicate_threshold,
    );
    return best === undefined
      ? undefined
      : {
          id: best.candidate.id,
          tier: best.candidate.tier,
          duplicate: true,
          similarity: best.similarity,
        };
  }
}

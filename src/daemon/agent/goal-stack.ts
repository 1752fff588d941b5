/**
 * @module One agent's goal stack (seed 003 `GoalStack`), persisted in the store so it survives
 * restarts and is shared by every process of a scale-out deployment. Goals form a hierarchy
 * (decomposition into sub-goals), move only along the lifecycle's edges, keep an append-only
 * history, and are picked by priority, then deadline. Every write runs under one lock per agent,
 * so two processes never interleave read-then-write sequences on the same stack.
 */
import type { Transaction } from 'kysely';
import { AgentvisorError, type Clock, isoTime, newId, systemClock } from '../../core/index.js';
import type { Database, GoalTable, Store } from '../../store/index.js';
import {
  GOAL_TRANSITIONS,
  type Goal,
  type GoalHistoryEntry,
  type GoalStatus,
  type GoalStatusKind,
  goalContentHash,
  goalFromRow,
  historyFromRow,
  isFinished,
  statusColumns,
} from './goal-record.js';

/** A goal to push. */
export interface NewGoal {
  description: string;
  /** Integer 0-100, higher first; default 50. */
  priority?: number;
  successCriteria?: readonly string[];
  /** ISO-8601 time. */
  deadline?: string | null;
  parentId?: string | null;
}

/** Options of every change: the ledger entry the caller recorded for it, if any. */
export interface GoalChangeOptions {
  ledgerSeq?: number | null;
}

/** A goal whose stored content no longer matches its content hash. */
export interface GoalTamperFinding {
  readonly goalId: string;
  readonly reason: string;
}

type Trx = Transaction<Database>;

/**
 * The persisted goal stack of one agent.
 *
 * @example
 * const goals = new GoalStack({ store, agentId: identity.id });
 * const root = await goals.push({ description: 'Publish the weekly report', priority: 80 });
 * await goals.decompose(root.id, [{ description: 'Collect figures' }, { description: 'Write it' }]);
 * const now = await goals.next(); // 'Collect figures' (or 'Write it'), now active
 */
export class GoalStack {
  readonly agentId: string;
  readonly #store: Store;
  readonly #clock: Clock;

  constructor(options: { store: Store; agentId: string; clock?: Clock }) {
    this.#store = options.store;
    this.agentId = options.agentId;
    this.#clock = options.clock ?? systemClock;
  }

  /** Adds a pending goal, under `parentId` when given. */
  async push(goal: NewGoal, options: GoalChangeOptions = {}): Promise<Goal> {
    return this.#write(async (trx) => {
      if (goal.parentId != null) await this.#openParent(trx, goal.parentId);
      return this.#insert(trx, goal, goal.parentId ?? null, options);
    });
  }

  /** Splits a goal into pending sub-goals, all or none. */
  async decompose(
    parentId: string,
    children: readonly Omit<NewGoal, 'parentId'>[],
    options: GoalChangeOptions = {},
  ): Promise<Goal[]> {
    if (children.length === 0) {
      throw new AgentvisorError('INPUT_INVALID', 'children: expected at least one sub-goal');
    }
    return this.#write(async (trx) => {
      await this.#openParent(trx, parentId);
      const out: Goal[] = [];
      for (const child of children) out.push(await this.#insert(trx, child, parentId, options));
      return out;
    });
  }

  /** One goal; NOT_FOUND when it is not this agent's. */
  async get(id: string): Promise<Goal> {
    return goalFromRow(await this.#load(this.#store.db, id));
  }

  /** This agent's goals, best first (see {@link next}), optionally only some statuses. */
  async list(options: { status?: readonly GoalStatusKind[] } = {}): Promise<Goal[]> {
    let query = this.#store.db.selectFrom('goals').selectAll().where('agent_id', '=', this.agentId);
    if (options.status !== undefined && options.status.length > 0) {
      query = query.where('status', 'in', [...options.status]);
    }
    return (await query.execute()).sort(byRank).map(goalFromRow);
  }

  /** The direct sub-goals of a goal. */
  async children(id: string): Promise<Goal[]> {
    await this.#load(this.#store.db, id);
    return (await this.#childRows(this.#store.db, id)).map(goalFromRow);
  }

  /**
   * The goal being worked on: the best active goal with no unfinished sub-goals (a parent waits
   * for its children).
   */
  async current(): Promise<Goal | undefined> {
    const open = await this.#open(this.#store.db);
    const row = pickable(open, 'active')[0];
    return row === undefined ? undefined : goalFromRow(row);
  }

  /**
   * The goal to work on now: {@link current}, or else the best eligible pending goal, which is
   * activated. Eligible: no unfinished sub-goals, and every ancestor pending or active. Best:
   * highest priority, then earliest deadline, then oldest.
   */
  async next(options: GoalChangeOptions = {}): Promise<Goal | undefined> {
    return this.#write(async (trx) => {
      const open = await this.#open(trx);
      const active = pickable(open, 'active')[0];
      if (active !== undefined) return goalFromRow(active);
      const candidate = pickable(open, 'pending')[0];
      if (candidate === undefined) return undefined;
      return this.#transition(trx, candidate, { kind: 'active' }, null, options);
    });
  }

  /** Activates a pending goal; CONFLICT when an ancestor is blocked or suspended. */
  async activate(id: string, options: GoalChangeOptions = {}): Promise<Goal> {
    return this.#write(async (trx) => {
      const row = await this.#load(trx, id);
      const open = await this.#open(trx);
      const stuck = blockingAncestor(open, row);
      if (stuck !== undefined) {
        throw new AgentvisorError(
          'CONFLICT',
          `goal ${id} cannot become active: its ancestor goal ${stuck.id} is ${stuck.status}; unblock or resume it first`,
          { details: { goal: id, ancestor: stuck.id, ancestorStatus: stuck.status } },
        );
      }
      return this.#transition(trx, row, { kind: 'active' }, null, options);
    });
  }

  /** Marks a goal blocked, e.g. waiting on another agent or a human. */
  async block(id: string, reason: string, options: GoalChangeOptions = {}): Promise<Goal> {
    const why = requireText(reason, 'reason');
    return this.#change(id, (now) => ({ kind: 'blocked', reason: why, since: now }), why, options);
  }

  /** Returns a blocked goal to pending. */
  async unblock(id: string, options: GoalChangeOptions = {}): Promise<Goal> {
    return this.#change(id, () => ({ kind: 'pending' }), null, options, 'blocked');
  }

  /** Sets a goal aside. */
  async suspend(id: string, reason: string, options: GoalChangeOptions = {}): Promise<Goal> {
    const why = requireText(reason, 'reason');
    return this.#change(id, () => ({ kind: 'suspended', reason: why }), why, options);
  }

  /** Returns a suspended goal to pending. */
  async resume(id: string, options: GoalChangeOptions = {}): Promise<Goal> {
    return this.#change(id, () => ({ kind: 'pending' }), null, options, 'suspended');
  }

  /** Completes an active goal; CONFLICT while any sub-goal is unfinished (named). */
  async complete(id: string, outcome: string, options: GoalChangeOptions = {}): Promise<Goal> {
    const result = requireText(outcome, 'outcome');
    return this.#write(async (trx) => {
      const row = await this.#load(trx, id);
      const unfinished = (await this.#childRows(trx, id)).filter(
        (c) => !isFinished(c.status as GoalStatusKind),
      );
      if (unfinished.length > 0) {
        throw new AgentvisorError(
          'CONFLICT',
          `goal ${id} cannot be completed: its sub-goals ${unfinished.map((c) => `${c.id} (${c.status})`).join(', ')} are not completed or abandoned`,
          { details: { goal: id, unfinished: unfinished.map((c) => c.id) } },
        );
      }
      const now = isoTime(this.#clock);
      return this.#transition(
        trx,
        row,
        { kind: 'completed', at: now, outcome: result },
        null,
        options,
      );
    });
  }

  /** Abandons a goal and, with the same reason, every unfinished sub-goal beneath it. */
  async abandon(id: string, reason: string, options: GoalChangeOptions = {}): Promise<Goal> {
    const why = requireText(reason, 'reason');
    return this.#write(async (trx) => {
      const row = await this.#load(trx, id);
      const now = isoTime(this.#clock);
      const goal = await this.#transition(
        trx,
        row,
        { kind: 'abandoned', at: now, reason: why },
        why,
        options,
      );
      const open = await this.#open(trx);
      for (const descendant of descendants(open, id)) {
        const inherited = `parent goal ${id} abandoned: ${why}`;
        await this.#transition(
          trx,
          descendant,
          { kind: 'abandoned', at: now, reason: inherited },
          inherited,
          options,
        );
      }
      return goal;
    });
  }

  /** Counts one more attempt at an active goal. */
  async attempt(id: string, options: GoalChangeOptions & { note?: string } = {}): Promise<Goal> {
    return this.#write(async (trx) => {
      const row = await this.#load(trx, id);
      if (row.status !== 'active') {
        throw new AgentvisorError(
          'CONFLICT',
          `goal ${id} is ${row.status}; attempts are counted only on an active goal (activate it first)`,
          { details: { goal: id, status: row.status } },
        );
      }
      const now = isoTime(this.#clock);
      const next = { ...row, attempts: row.attempts + 1, updated_at: now };
      const updated = await this.#save(trx, next, options);
      await this.#history(trx, row, 'attempt', 'active', options.note ?? null, now, options);
      return updated;
    });
  }

  /** A goal's history, oldest first. */
  async history(id: string): Promise<GoalHistoryEntry[]> {
    await this.#load(this.#store.db, id);
    const rows = await this.#store.db
      .selectFrom('goal_history')
      .selectAll()
      .where('goal_id', '=', id)
      .orderBy('step')
      .execute();
    return rows.map(historyFromRow);
  }

  /** Unfinished goals whose deadline has passed, earliest deadline first. */
  async overdue(): Promise<Goal[]> {
    const now = isoTime(this.#clock);
    const rows = await this.#store.db
      .selectFrom('goals')
      .selectAll()
      .where('agent_id', '=', this.agentId)
      .where('status', 'not in', ['completed', 'abandoned'])
      .where('deadline', 'is not', null)
      .where('deadline', '<', now)
      .orderBy('deadline')
      .execute();
    return rows.map(goalFromRow);
  }

  /** Goals whose stored content does not match their content hash (edited outside Agentvisor). */
  async verify(): Promise<GoalTamperFinding[]> {
    const rows = await this.#store.db
      .selectFrom('goals')
      .selectAll()
      .where('agent_id', '=', this.agentId)
      .execute();
    return rows.flatMap((row) => {
      const computed = goalContentHash(row);
      return computed === row.content_hash
        ? []
        : [
            {
              goalId: row.id,
              reason: `content hash mismatch: stored ${row.content_hash}, computed ${computed}`,
            },
          ];
    });
  }

  #write<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
    return this.#store.writeTransaction(fn, { lock: `goals:${this.agentId}` });
  }

  async #change(
    id: string,
    status: (now: string) => GoalStatus,
    reason: string | null,
    options: GoalChangeOptions,
    requiredFrom?: GoalStatusKind,
  ): Promise<Goal> {
    return this.#write(async (trx) => {
      const row = await this.#load(trx, id);
      const to = status(isoTime(this.#clock));
      if (requiredFrom !== undefined && row.status !== requiredFrom) {
        throw new AgentvisorError(
          'CONFLICT',
          `goal ${id} is ${row.status}, not ${requiredFrom}; only a ${requiredFrom} goal can go from ${requiredFrom} to ${to.kind} this way`,
          { details: { goal: id, from: row.status, to: to.kind } },
        );
      }
      return this.#transition(trx, row, to, reason, options);
    });
  }

  async #transition(
    trx: Trx,
    row: GoalTable,
    to: GoalStatus,
    reason: string | null,
    options: GoalChangeOptions,
  ): Promise<Goal> {
    const from = row.status as GoalStatusKind;
    if (!GOAL_TRANSITIONS[from].includes(to.kind)) {
      const allowed = GOAL_TRANSITIONS[from];
      throw new AgentvisorError(
        'CONFLICT',
        `goal ${row.id} cannot go from ${from} to ${to.kind}; from ${from} it may go to ${allowed.length > 0 ? allowed.join(', ') : 'nothing (it is finished)'}`,
        { details: { goal: row.id, from, to: to.kind, allowed } },
      );
    }
    const now = isoTime(this.#clock);
    const next = { ...row, ...statusColumns(to, now), updated_at: now };
    const goal = await this.#save(trx, next, options);
    await this.#history(trx, row, 'status', to.kind, reason, now, options);
    return goal;
  }

  async #save(trx: Trx, next: GoalTable, options: GoalChangeOptions): Promise<Goal> {
    const { content_hash: _old, ledger_seq: _seq, ...content } = next;
    const row: GoalTable = {
      ...content,
      content_hash: goalContentHash(content),
      ledger_seq: options.ledgerSeq ?? null,
    };
    await trx.updateTable('goals').set(row).where('id', '=', row.id).execute();
    return goalFromRow(row);
  }

  async #insert(
    trx: Trx,
    input: Omit<NewGoal, 'parentId'>,
    parentId: string | null,
    options: GoalChangeOptions,
  ): Promise<Goal> {
    const now = isoTime(this.#clock);
    const content: Omit<GoalTable, 'content_hash' | 'ledger_seq'> = {
      id: newId(this.#clock),
      agent_id: this.agentId,
      parent_id: parentId,
      description: requireText(input.description, 'description'),
      priority: checkPriority(input.priority ?? 50),
      ...statusColumns({ kind: 'pending' }, now),
      success_criteria: JSON.stringify(checkCriteria(input.successCriteria ?? [])),
      deadline: checkDeadline(input.deadline ?? null),
      attempts: 0,
      created_at: now,
      updated_at: now,
    };
    const row: GoalTable = {
      ...content,
      content_hash: goalContentHash(content),
      ledger_seq: options.ledgerSeq ?? null,
    };
    await trx.insertInto('goals').values(row).execute();
    await trx
      .insertInto('goal_history')
      .values({
        goal_id: row.id,
        step: 0,
        agent_id: this.agentId,
        event: 'created',
        from_status: null,
        to_status: 'pending',
        reason: null,
        at: now,
        ledger_seq: options.ledgerSeq ?? null,
      })
      .execute();
    return goalFromRow(row);
  }

  async #history(
    trx: Trx,
    before: GoalTable,
    event: 'status' | 'attempt',
    to: GoalStatusKind,
    reason: string | null,
    at: string,
    options: GoalChangeOptions,
  ): Promise<void> {
    const last = await trx
      .selectFrom('goal_history')
      .select((eb) => eb.fn.max('step').as('step'))
      .where('goal_id', '=', before.id)
      .executeTakeFirst();
    await trx
      .insertInto('goal_history')
      .values({
        goal_id: before.id,
        step: Number(last?.step ?? -1) + 1,
        agent_id: this.agentId,
        event,
        from_status: before.status,
        to_status: to,
        reason,
        at,
        ledger_seq: options.ledgerSeq ?? null,
      })
      .execute();
  }

  async #load(db: Trx | Store['db'], id: string): Promise<GoalTable> {
    const row = await db
      .selectFrom('goals')
      .selectAll()
      .where('id', '=', id)
      .where('agent_id', '=', this.agentId)
      .executeTakeFirst();
    if (row === undefined) {
      throw new AgentvisorError('NOT_FOUND', `agent ${this.agentId} has no goal with id ${id}`, {
        details: { goal: id, agent: this.agentId },
      });
    }
    return row;
  }

  async #openParent(trx: Trx, parentId: string): Promise<GoalTable> {
    const parent = await this.#load(trx, parentId);
    if (isFinished(parent.status as GoalStatusKind)) {
      throw new AgentvisorError(
        'CONFLICT',
        `goal ${parentId} is ${parent.status}; a finished goal cannot take new sub-goals`,
        { details: { goal: parentId, status: parent.status } },
      );
    }
    return parent;
  }

  async #childRows(db: Trx | Store['db'], id: string): Promise<GoalTable[]> {
    const rows = await db
      .selectFrom('goals')
      .selectAll()
      .where('agent_id', '=', this.agentId)
      .where('parent_id', '=', id)
      .execute();
    return rows.sort(byRank);
  }

  /** Every unfinished goal of the agent: the working set of every pick. */
  async #open(db: Trx | Store['db']): Promise<GoalTable[]> {
    return db
      .selectFrom('goals')
      .selectAll()
      .where('agent_id', '=', this.agentId)
      .where('status', 'not in', ['completed', 'abandoned'])
      .execute();
  }
}

/** Goals of `status` that may be worked on, best first. */
function pickable(open: readonly GoalTable[], status: 'active' | 'pending'): GoalTable[] {
  const parents = new Set(open.map((g) => g.parent_id).filter((p) => p !== null));
  return open
    .filter(
      (g) => g.status === status && !parents.has(g.id) && blockingAncestor(open, g) === undefined,
    )
    .sort(byRank);
}

/**
 * The nearest ancestor that keeps `goal` from being worked on: blocked, suspended, or missing
 * from the unfinished set (which the lifecycle rules out, so it is treated as blocking).
 */
function blockingAncestor(
  open: readonly GoalTable[],
  goal: GoalTable,
): { id: string; status: string } | undefined {
  const byId = new Map(open.map((g) => [g.id, g]));
  const seen = new Set<string>();
  let parentId = goal.parent_id;
  while (parentId !== null && !seen.has(parentId)) {
    seen.add(parentId);
    const parent = byId.get(parentId);
    if (parent === undefined) return { id: parentId, status: 'finished' };
    if (parent.status !== 'pending' && parent.status !== 'active') return parent;
    parentId = parent.parent_id;
  }
  return undefined;
}

function descendants(open: readonly GoalTable[], id: string): GoalTable[] {
  const out: GoalTable[] = [];
  const queue = [id];
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const g of open) {
      if (g.parent_id === current && g.id !== id && !out.includes(g)) {
        out.push(g);
        queue.push(g.id);
      }
    }
  }
  return out;
}

/** Priority (high first), then deadline (earliest first, none last), then age, then id. */
function byRank(a: GoalTable, b: GoalTable): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (a.deadline !== b.deadline) {
    if (a.deadline === null) return 1;
    if (b.deadline === null) return -1;
    return a.deadline < b.deadline ? -1 : 1;
  }
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function requireText(value: string, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new AgentvisorError('INPUT_INVALID', `${field}: expected non-empty text`, {
      details: { field },
    });
  }
  return value;
}

function checkPriority(priority: number): number {
  if (!Number.isInteger(priority) || priority < 0 || priority > 100) {
    throw new AgentvisorError(
      'INPUT_INVALID',
      `priority: expected an integer from 0 to 100, got ${priority}`,
      { details: { field: 'priority' } },
    );
  }
  return priority;
}

function checkCriteria(criteria: readonly string[]): string[] {
  if (!Array.isArray(criteria)) {
    throw new AgentvisorError('INPUT_INVALID', 'successCriteria: expected a list of strings');
  }
  criteria.forEach((c, i) => {
    if (typeof c !== 'string' || c.trim() === '') {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `successCriteria[${i}]: expected non-empty text, got ${JSON.stringify(c)}`,
      );
    }
  });
  return [...criteria];
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Deadlines are stored as UTC ISO-8601 so that string order is time order. */
function checkDeadline(deadline: string | null): string | null {
  if (deadline === null) return null;
  const ms = typeof deadline === 'string' && ISO_TIME.test(deadline) ? Date.parse(deadline) : NaN;
  if (Number.isNaN(ms)) {
    throw new AgentvisorError(
      'INPUT_INVALID',
      `deadline: expected an ISO-8601 time with a zone such as 2026-01-31T17:00:00Z, got ${JSON.stringify(deadline)}`,
      { details: { field: 'deadline' } },
    );
  }
  return new Date(ms).toISOString();
}

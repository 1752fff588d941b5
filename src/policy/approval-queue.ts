/**
 * @module Approval items: what waits for a human. An agent's escalation request, later a task
 * that needs approval before it executes, a question an agent asks, a destructive operation to
 * confirm. Each has an expiry; an item nobody decided in time ends `expired` and the agent must
 * ask again. Items live in the data layer (table `approvals`), so every node and the CLI see
 * the same queue and a decision survives a restart.
 */
import type { Kysely, Transaction } from 'kysely';
import { AgentvisorError, type Clock, newId, systemClock } from '../core/index.js';
import type { ApprovalTable, Database, Store } from '../store/index.js';

/** What an item asks a human to decide. */
export type ApprovalKind = 'escalation' | 'question' | 'task' | 'confirmation' | 'budget';

/** The kinds in a fixed order, for validation messages. */
export const APPROVAL_KINDS: readonly ApprovalKind[] = [
  'escalation',
  'question',
  'task',
  'confirmation',
  'budget',
];

/** Where an item stands. */
export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';

/** The statuses in a fixed order, for validation messages. */
export const APPROVAL_STATUSES: readonly ApprovalStatus[] = [
  'pending',
  'approved',
  'denied',
  'expired',
];

/** One approval item. Times are ISO 8601. */
export interface ApprovalItem {
  readonly id: string;
  readonly kind: ApprovalKind;
  readonly agentId: string;
  readonly agent: string;
  /** One line a person reads in a list. */
  readonly summary: string;
  /** What exactly is asked (the capability and scope of an escalation, a question's text). */
  readonly request: Readonly<Record<string, unknown>>;
  readonly status: ApprovalStatus;
  readonly requestedBy: string;
  readonly requestedAt: string;
  readonly expiresAt: string;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly decisionReason: string | null;
  /** What the human answered beyond yes or no (an answer, how long a grant lasts). */
  readonly response: Readonly<Record<string, unknown>> | null;
}

/** What it takes to open an item. */
export interface ApprovalRequest {
  readonly kind: ApprovalKind;
  readonly agentId: string;
  readonly agent: string;
  readonly summary: string;
  readonly request: Record<string, unknown>;
  readonly requestedBy: string;
  readonly ttlSeconds: number;
}

/** A decision on an item. */
export interface ApprovalDecision {
  readonly decision: 'approve' | 'deny';
  readonly by: string;
  readonly reason: string;
  readonly response?: Record<string, unknown>;
}

/** Filters for {@link ApprovalQueue.list}. */
export interface ApprovalFilter {
  readonly status?: ApprovalStatus;
  readonly agentId?: string;
  readonly kind?: ApprovalKind;
  /** Newest first; at most this many (default 100). */
  readonly limit?: number;
}

/** Options for {@link ApprovalQueue}. */
export interface ApprovalQueueOptions {
  readonly store: Store;
  readonly clock?: Clock;
}

const LOCK = 'approvals';

/**
 * See the module comment.
 *
 * @example
 * const queue = new ApprovalQueue({ store });
 * const item = await queue.request({ kind: 'escalation', agentId, agent: 'coder',
 *   summary: 'net.http on api.github.com', request: { capability: 'net.http' },
 *   requestedBy: `agent:${agentId}`, ttlSeconds: 3600 });
 * await queue.decide(item.id, { decision: 'approve', by: 'human:alice', reason: 'ok for today' });
 */
export class ApprovalQueue {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #listeners = new Set<(item: ApprovalItem) => void>();

  constructor(options: ApprovalQueueOptions) {
    this.#store = options.store;
    this.#clock = options.clock ?? systemClock;
  }

  /** Calls `listener` with every item opened or decided (for live views and waiting agents). */
  onChange(listener: (item: ApprovalItem) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Opens an item; it is durable when this resolves. */
  async request(input: ApprovalRequest): Promise<ApprovalItem> {
    const now = this.#clock.now();
    const row: ApprovalTable = {
      id: newId(this.#clock),
      kind: input.kind,
      agent_id: input.agentId,
      agent: input.agent,
      summary: input.summary,
      request: JSON.stringify(input.request),
      status: 'pending',
      requested_by: input.requestedBy,
      requested_at: new Date(now).toISOString(),
      expires_at: new Date(now + input.ttlSeconds * 1000).toISOString(),
      decided_by: null,
      decided_at: null,
      decision_reason: null,
      response: null,
    };
    await this.#store.writeTransaction(
      async (trx) => {
        await trx.insertInto('approvals').values(row).execute();
      },
      { lock: LOCK },
    );
    const item = decodeRow(row);
    this.#emit(item);
    return item;
  }

  /** One item, with an overdue pending item shown as expired; NOT_FOUND when unknown. */
  async get(id: string): Promise<ApprovalItem> {
    return this.#withExpiry(decodeRow(await rowOf(this.#store.db, id)));
  }

  /** Items, newest first. Overdue pending items are marked expired first. */
  async list(filter: ApprovalFilter = {}): Promise<ApprovalItem[]> {
    await this.expireOverdue();
    let query = this.#store.db.selectFrom('approvals').selectAll();
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    if (filter.agentId !== undefined) query = query.where('agent_id', '=', filter.agentId);
    if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
    const rows = await query
      .orderBy('requested_at', 'desc')
      .orderBy('id', 'desc')
      .limit(filter.limit ?? 100)
      .execute();
    return rows.map(decodeRow);
  }

  /** Marks every pending item past its expiry `expired`; returns how many. */
  async expireOverdue(): Promise<number> {
    const now = new Date(this.#clock.now()).toISOString();
    const overdue = await this.#store.db
      .selectFrom('approvals')
      .selectAll()
      .where('status', '=', 'pending')
      .where('expires_at', '<=', now)
      .execute();
    if (overdue.length === 0) return 0;
    await this.#store.writeTransaction(
      async (trx) => {
        await trx
          .updateTable('approvals')
          .set({ status: 'expired' })
          .where('status', '=', 'pending')
          .where('expires_at', '<=', now)
          .execute();
      },
      { lock: LOCK },
    );
    for (const row of overdue) this.#emit({ ...decodeRow(row), status: 'expired' });
    return overdue.length;
  }

  /**
   * Decides a pending item. Throws NOT_FOUND for an unknown id and CONFLICT for an item already
   * decided or expired.
   */
  async decide(id: string, decision: ApprovalDecision): Promise<ApprovalItem> {
    const decided = await this.#store.writeTransaction((trx) => this.decideIn(trx, id, decision), {
      lock: LOCK,
    });
    this.announce(decided);
    return decided;
  }

  /**
   * {@link decide} inside a caller's transaction, so the decision commits together with what it
   * causes (an approved escalation's grant). The caller calls {@link announce} after the commit.
   */
  async decideIn(
    trx: Transaction<Database>,
    id: string,
    decision: ApprovalDecision,
  ): Promise<ApprovalItem> {
    const row = await rowOf(trx, id);
    const item = this.#withExpiry(decodeRow(row));
    if (item.status !== 'pending') {
      throw new AgentvisorError(
        'CONFLICT',
        item.status === 'expired'
          ? `approval ${id} expired at ${item.expiresAt}; the agent must ask again`
          : `approval ${id} was already ${item.status} by ${item.decidedBy} at ${item.decidedAt}`,
        { details: { id, status: item.status } },
      );
    }
    const update = {
      status: decision.decision === 'approve' ? 'approved' : 'denied',
      decided_by: decision.by,
      decided_at: new Date(this.#clock.now()).toISOString(),
      decision_reason: decision.reason,
      response: decision.response === undefined ? null : JSON.stringify(decision.response),
    } as const;
    await trx.updateTable('approvals').set(update).where('id', '=', id).execute();
    return decodeRow({ ...row, ...update });
  }

  /** Tells listeners about an item decided with {@link decideIn}, once it has committed. */
  announce(item: ApprovalItem): void {
    this.#emit(item);
  }

  #withExpiry(item: ApprovalItem): ApprovalItem {
    if (item.status === 'pending' && Date.parse(item.expiresAt) <= this.#clock.now()) {
      return { ...item, status: 'expired' };
    }
    return item;
  }

  #emit(item: ApprovalItem): void {
    for (const listener of this.#listeners) {
      try {
        listener(item);
      } catch {
        // A display's failure must not fail the decision that was already committed.
      }
    }
  }
}

/** One item's row, or NOT_FOUND saying how to find the right id. */
async function rowOf(db: Kysely<Database>, id: string): Promise<ApprovalTable> {
  const row = await db.selectFrom('approvals').selectAll().where('id', '=', id).executeTakeFirst();
  if (row === undefined) {
    throw new AgentvisorError('NOT_FOUND', `no approval item ${id}; list them with "approvals"`, {
      details: { id },
    });
  }
  return row;
}

function decodeRow(row: ApprovalTable): ApprovalItem {
  return {
    id: row.id,
    kind: row.kind as ApprovalKind,
    agentId: row.agent_id,
    agent: row.agent,
    summary: row.summary,
    request: JSON.parse(row.request) as Record<string, unknown>,
    status: row.status as ApprovalStatus,
    requestedBy: row.requested_by,
    requestedAt: row.requested_at,
    expiresAt: row.expires_at,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    decisionReason: row.decision_reason,
    response: row.response === null ? null : (JSON.parse(row.response) as Record<string, unknown>),
  };
}

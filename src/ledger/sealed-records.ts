/**
 * @module Tamper evidence for stored tasks and thoughts (seed 000, "Persistence Layer Tamper
 * Evidence"). Each row carries the SHA-256 of its canonical content and the seq of the ledger
 * entry that sealed that content. Verification recomputes the hash and requires the row to cite
 * the LATEST seal for its id, so neither editing a row nor rolling it back to an older sealed
 * state goes unnoticed.
 */
import { createHash } from 'node:crypto';
import { AgentvisorError, type Clock, isoTime, newId, systemClock } from '../core/index.js';
import type { Store, TaskTable, ThoughtTable } from '../store/index.js';
import { canonicalJson } from './canonical-json.js';
import { ENTRY_TYPES, type LedgerEntry } from './entry.js';
import type { Ledger } from './ledger.js';
import type { TamperFinding } from './tamper.js';

/** The columns each sealed table's content hash covers. */
export const SEALED_FIELDS = {
  tasks: [
    'id',
    'parent_id',
    'agent_id',
    'title',
    'description',
    'status',
    'priority',
    'result',
    'created_at',
    'updated_at',
  ],
  thoughts: ['id', 'task_id', 'agent_id', 'content', 'status', 'created_at', 'updated_at'],
} as const;

/** A table whose rows are sealed. */
export type SealedTable = keyof typeof SEALED_FIELDS;

/** The content hash of a row: hex SHA-256 of the canonical JSON of its sealed fields. */
export function contentHash(table: SealedTable, row: Record<string, unknown>): string {
  const picked: Record<string, unknown> = {};
  for (const field of SEALED_FIELDS[table]) picked[field] = row[field] ?? null;
  return createHash('sha256').update(canonicalJson(picked)).digest('hex');
}

/** Statuses of seed 000 tasks and thoughts. */
export const TASK_STATUSES = [
  'pending',
  'assigned',
  'in_progress',
  'waiting_approval',
  'completed',
  'failed',
  'cancelled',
] as const;
export const THOUGHT_STATUSES = [
  'pending',
  'processing',
  'completed',
  'deferred',
  'failed',
] as const;

/** Input for {@link SealedRecords.createTask}. */
export interface NewTask {
  title: string;
  description?: string;
  priority?: number;
  parentId?: string | null;
  agentId?: string | null;
  /** A caller-chosen UUIDv7, so a retried submission names the same task. */
  id?: string;
}

/**
 * Writes tasks and thoughts with their seals. The seal is appended (durably) before the row is
 * written, so every row that exists has a ledger entry vouching for it.
 *
 * @example
 * const records = new SealedRecords({ store, ledger });
 * const task = await records.createTask({ title: 'summarise logs' }, 'human:ops');
 */
export class SealedRecords {
  readonly #store: Store;
  readonly #ledger: Ledger;
  readonly #clock: Clock;
  readonly #taskListeners = new Set<(task: TaskTable) => void>();

  constructor(options: { store: Store; ledger: Ledger; clock?: Clock }) {
    this.#store = options.store;
    this.#ledger = options.ledger;
    this.#clock = options.clock ?? systemClock;
  }

  async #seal(
    table: SealedTable,
    id: string,
    hash: string,
    action: 'created' | 'updated',
    actor: string,
  ): Promise<number> {
    const { seq } = await this.#ledger.append({
      type: ENTRY_TYPES.recordSealed,
      actor,
      subject: `${table}/${id}`,
      payload: { table, id, action, content_hash: hash },
    });
    return seq;
  }

  /** Creates a pending task. */
  async createTask(input: NewTask, actor: string): Promise<TaskTable> {
    if (typeof input.title !== 'string' || input.title.trim() === '' || input.title.length > 500) {
      throw new AgentvisorError('INPUT_INVALID', 'title: expected 1-500 characters');
    }
    const priority = input.priority ?? 5;
    if (!Number.isInteger(priority) || priority < 1 || priority > 10) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `priority: expected an integer from 1 to 10, got ${priority}`,
      );
    }
    const now = isoTime(this.#clock);
    const base = {
      id: input.id ?? newId(this.#clock),
      parent_id: input.parentId ?? null,
      agent_id: input.agentId ?? null,
      title: input.title,
      description: input.description ?? '',
      status: 'pending',
      priority,
      result: null,
      created_at: now,
      updated_at: now,
    };
    const hash = contentHash('tasks', base);
    const row: TaskTable = {
      ...base,
      content_hash: hash,
      ledger_seq: await this.#seal('tasks', base.id, hash, 'created', actor),
    };
    await this.#store.db.insertInto('tasks').values(row).execute();
    return row;
  }

  /** Changes a task's status, result and/or owner. */
  async updateTask(
    id: string,
    changes: { status?: (typeof TASK_STATUSES)[number]; result?: unknown; agentId?: string },
    actor: string,
  ): Promise<TaskTable> {
    const current = await this.#store.db
      .selectFrom('tasks')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (current === undefined) throw new AgentvisorError('NOT_FOUND', `no task with id ${id}`);
    if (changes.status !== undefined && !TASK_STATUSES.includes(changes.status)) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `status: expected one of ${TASK_STATUSES.join(', ')}`,
      );
    }
    const next = {
      ...current,
      status: changes.status ?? current.status,
      // A hand-off moves ownership; the seal covers the owner like every other column.
      agent_id: changes.agentId ?? current.agent_id,
      result: changes.result === undefined ? current.result : canonicalJson(changes.result),
      updated_at: isoTime(this.#clock),
    };
    const hash = contentHash('tasks', next);
    const seq = await this.#seal('tasks', id, hash, 'updated', actor);
    const row: TaskTable = { ...next, content_hash: hash, ledger_seq: seq };
    await this.#store.db.updateTable('tasks').set(row).where('id', '=', id).execute();
    for (const listener of this.#taskListeners) {
      try {
        listener(row);
      } catch {
        // A watcher's failure must not fail the update that was already written.
      }
    }
    return row;
  }

  /**
   * Calls `listener` after every task update made through this process (a waiting orchestrator
   * wakes at once instead of at its next poll; updates by other processes still need the poll).
   */
  onTaskUpdate(listener: (task: TaskTable) => void): () => void {
    this.#taskListeners.add(listener);
    return () => this.#taskListeners.delete(listener);
  }

  /** Records a thought of a task. */
  async addThought(
    input: { taskId: string; content: string; agentId?: string | null },
    actor: string,
  ): Promise<ThoughtTable> {
    if (typeof input.content !== 'string' || input.content.length === 0) {
      throw new AgentvisorError('INPUT_INVALID', 'content: expected a non-empty string');
    }
    const now = isoTime(this.#clock);
    const base = {
      id: newId(this.#clock),
      task_id: input.taskId,
      agent_id: input.agentId ?? null,
      content: input.content,
      status: 'pending',
      created_at: now,
      updated_at: now,
    };
    const hash = contentHash('thoughts', base);
    const row: ThoughtTable = {
      ...base,
      content_hash: hash,
      ledger_seq: await this.#seal('thoughts', base.id, hash, 'created', actor),
    };
    await this.#store.db.insertInto('thoughts').values(row).execute();
    return row;
  }

  /** Moves a thought to another status. */
  async updateThought(
    id: string,
    status: (typeof THOUGHT_STATUSES)[number],
    actor: string,
  ): Promise<ThoughtTable> {
    const current = await this.#store.db
      .selectFrom('thoughts')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (current === undefined) throw new AgentvisorError('NOT_FOUND', `no thought with id ${id}`);
    if (!THOUGHT_STATUSES.includes(status)) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `status: expected one of ${THOUGHT_STATUSES.join(', ')}`,
      );
    }
    const next = { ...current, status, updated_at: isoTime(this.#clock) };
    const hash = contentHash('thoughts', next);
    const seq = await this.#seal('thoughts', id, hash, 'updated', actor);
    const row: ThoughtTable = { ...next, content_hash: hash, ledger_seq: seq };
    await this.#store.db.updateTable('thoughts').set(row).where('id', '=', id).execute();
    return row;
  }
}

/** Collects the latest seal per record while the verifier scans the ledger. */
export class SealIndex {
  readonly latest = new Map<string, { seq: number; hash: string }>();

  /** Feed each `record.sealed` entry (the verifier's `onSeal`). */
  add(entry: LedgerEntry): void {
    try {
      const p = JSON.parse(entry.payload) as { table?: string; id?: string; content_hash?: string };
      if (
        typeof p.table === 'string' &&
        typeof p.id === 'string' &&
        typeof p.content_hash === 'string'
      ) {
        this.latest.set(`${p.table}/${p.id}`, { seq: entry.seq, hash: p.content_hash });
      }
    } catch {
      // A seal with an unreadable payload fails the entry's own hash check first.
    }
  }
}

/** Checks every sealed row against its content hash and its latest seal. */
export async function verifySealedRecords(
  store: Store,
  seals: SealIndex,
): Promise<{ checked: number; firstBad: TamperFinding | null }> {
  let checked = 0;
  let first: TamperFinding | null = null;
  const consider = (f: TamperFinding) => {
    if (first === null || f.seq < first.seq) first = f;
  };
  const seen = new Set<string>();
  for (const table of Object.keys(SEALED_FIELDS) as SealedTable[]) {
    const rows = (await store.db.selectFrom(table).selectAll().execute()) as Array<
      Record<string, unknown>
    >;
    for (const row of rows) {
      checked++;
      const id = String(row['id']);
      const key = `${table}/${id}`;
      seen.add(key);
      const seal = seals.latest.get(key);
      const recomputed = contentHash(table, row);
      const seq = Number(row['ledger_seq']);
      const record = { table, id };
      if (seal === undefined) {
        consider({
          seq,
          kind: 'inserted',
          where: 'record',
          record,
          detail: `${key} has no seal in the ledger`,
        });
      } else if (recomputed !== row['content_hash'] || recomputed !== seal.hash) {
        consider({
          seq: seal.seq,
          kind: 'modified',
          where: 'record',
          record,
          detail: `${key} does not match the content sealed at seq ${seal.seq}`,
        });
      } else if (seq !== seal.seq) {
        consider({
          seq: seal.seq,
          kind: 'modified',
          where: 'record',
          record,
          detail: `${key} cites seal ${seq}, but its latest seal is ${seal.seq}`,
        });
      }
    }
  }
  for (const [key, seal] of seals.latest) {
    if (!seen.has(key)) {
      const [table = '', id = ''] = key.split('/');
      consider({
        seq: seal.seq,
        kind: 'deleted',
        where: 'record',
        record: { table, id },
        detail: `${key} was sealed at seq ${seal.seq} but is missing`,
      });
    }
  }
  return { checked, firstBad: first };
}

/**
 * A task's stored result (canonical JSON) as text for people and models: a JSON string
 * unwrapped, anything else as stored; null when there is none.
 */
export function taskResultText(raw: string | null): string | null {
  if (raw === null) return null;
  try {
    const value = JSON.parse(raw) as unknown;
    return typeof value === 'string' ? value : raw;
  } catch {
    return raw;
  }
}

/**
 * @module The tool-call journal: exactly-once side effects across crashes, as far as a journal
 * can give them. A call's idempotency key is committed BEFORE the tool runs and its result after;
 * a call found `done` (or `failed`) is answered from the journal and never runs again. A call
 * found `started` crashed mid-flight: it runs again (at-least-once for that one call), with the
 * same key passed to the tool so idempotent tools and remote APIs can deduplicate.
 */
import { type Clock, isoTime, systemClock } from '../../core/index.js';
import type { Store, ToolCallTable } from '../../store/index.js';

/** What the journal knows of a key when a call is about to run. */
export type JournalAdmission =
  | { readonly state: 'run'; readonly attempt: number }
  | { readonly state: 'done'; readonly result: unknown }
  | { readonly state: 'failed'; readonly code: string; readonly message: string };

/** A planned call, as journalled. */
export interface JournalledCall {
  readonly key: string;
  readonly agentId: string;
  readonly taskId: string | null;
  readonly goalId: string | null;
  readonly beat: number;
  readonly position: number;
  readonly tool: string;
  /** Canonical JSON of the arguments. */
  readonly args: string;
}

/** A journal row as the rest of the runtime reads it. */
export interface ToolCallRecord extends JournalledCall {
  readonly status: ToolCallTable['status'];
  readonly result: unknown;
  readonly errorCode: string | null;
  readonly error: string | null;
  readonly attempts: number;
  readonly startedAt: string;
  readonly finishedAt: string | null;
}

/** See the module comment. */
export class ToolJournal {
  readonly #store: Store;
  readonly #clock: Clock;

  constructor(options: { store: Store; clock?: Clock }) {
    this.#store = options.store;
    this.#clock = options.clock ?? systemClock;
  }

  /** Records the intent to run `call` (durably) or reports that it already ran. */
  async begin(call: JournalledCall): Promise<JournalAdmission> {
    return this.#store.writeTransaction(
      async (trx) => {
        const existing = await trx
          .selectFrom('tool_calls')
          .selectAll()
          .where('key', '=', call.key)
          .executeTakeFirst();
        if (existing === undefined) {
          await trx
            .insertInto('tool_calls')
            .values({
              key: call.key,
              agent_id: call.agentId,
              task_id: call.taskId,
              goal_id: call.goalId,
              beat: call.beat,
              position: call.position,
              tool: call.tool,
              args: call.args,
              status: 'started',
              result: null,
              error_code: null,
              error: null,
              attempts: 1,
              started_at: isoTime(this.#clock),
              finished_at: null,
            })
            .execute();
          return { state: 'run', attempt: 1 } as const;
        }
        if (existing.status === 'done') {
          return { state: 'done', result: parseJson(existing.result) } as const;
        }
        if (existing.status === 'failed') {
          return {
            state: 'failed',
            code: existing.error_code ?? 'TOOL_FAILED',
            message: existing.error ?? 'failed',
          } as const;
        }
        const attempt = existing.attempts + 1;
        await trx
          .updateTable('tool_calls')
          .set({ attempts: attempt })
          .where('key', '=', call.key)
          .execute();
        return { state: 'run', attempt } as const;
      },
      { lock: `tool-call:${call.key}` },
    );
  }

  /** Records the result; from now on the call is answered from the journal. */
  async finish(key: string, result: unknown): Promise<void> {
    await this.#store.db
      .updateTable('tool_calls')
      .set({
        status: 'done',
        result: JSON.stringify(result ?? null),
        finished_at: isoTime(this.#clock),
      })
      .where('key', '=', key)
      .execute();
  }

  /** Records a failure the agent has been told about; it is not retried under this key. */
  async fail(key: string, code: string, message: string): Promise<void> {
    await this.#store.db
      .updateTable('tool_calls')
      .set({
        status: 'failed',
        error_code: code,
        error: message,
        finished_at: isoTime(this.#clock),
      })
      .where('key', '=', key)
      .execute();
  }

  /** Every journalled call of a task, in the order they were planned. */
  async forTask(taskId: string): Promise<ToolCallRecord[]> {
    const rows = await this.#store.db
      .selectFrom('tool_calls')
      .selectAll()
      .where('task_id', '=', taskId)
      .orderBy('beat')
      .orderBy('position')
      .execute();
    return rows.map(toRecord);
  }

  /** One call by key, or undefined. */
  async get(key: string): Promise<ToolCallRecord | undefined> {
    const row = await this.#store.db
      .selectFrom('tool_calls')
      .selectAll()
      .where('key', '=', key)
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }
}

function parseJson(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}

function toRecord(row: ToolCallTable): ToolCallRecord {
  return {
    key: row.key,
    agentId: row.agent_id,
    taskId: row.task_id,
    goalId: row.goal_id,
    beat: Number(row.beat),
    position: row.position,
    tool: row.tool,
    args: row.args,
    status: row.status,
    result: parseJson(row.result),
    errorCode: row.error_code,
    error: row.error,
    attempts: row.attempts,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

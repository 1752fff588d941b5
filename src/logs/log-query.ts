/**
 * @module Reading stored log lines: by agent (name or id), by task, from a minimum level, after a
 * cursor, newest last. Without a cursor a query answers the newest lines; with one, the lines
 * that came after it, oldest first, so `logs -f` can poll with the last id it printed.
 */
import { AgentvisorError, type LogLevel } from '../core/index.js';
import type { Store, TaskLogTable } from '../store/index.js';
import { entryOfRow, type LogEntry } from './log-entry.js';
import { levelsFrom } from './log-levels.js';

/** Most lines one query answers. */
export const MAX_QUERY_LIMIT = 1000;
/** Lines a query answers when it names no limit. */
export const DEFAULT_QUERY_LIMIT = 100;

/** What to read. */
export interface LogQuery {
  /** An agent's name or id. */
  readonly agent?: string | undefined;
  /** A task id. */
  readonly task?: string | undefined;
  /** This level or more severe. */
  readonly level?: LogLevel | undefined;
  /** Only lines after this entry id (the previous page's cursor). */
  readonly after?: string | undefined;
  readonly limit?: number | undefined;
}

/** One page of lines, oldest first, and the cursor for the next poll. */
export interface LogPage {
  readonly entries: LogEntry[];
  /** The last entry's id; the `after` given when nothing is newer; null when there is nothing. */
  readonly cursor: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The `at` of a UUIDv7 entry id (its first 48 bits are milliseconds since the epoch). */
function atOfId(id: string): string {
  if (!UUID.test(id)) {
    throw new AgentvisorError('INPUT_INVALID', `after: "${id}" is not a log entry id (a UUID)`, {
      details: { field: 'after' },
    });
  }
  const ms = Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
  return new Date(ms).toISOString();
}

/**
 * Reads one page of lines.
 *
 * @example
 * const { entries, cursor } = await queryLogs(store, { task: taskId, level: 'warn' });
 * const next = await queryLogs(store, { task: taskId, after: cursor ?? undefined });
 */
export async function queryLogs(store: Store, query: LogQuery): Promise<LogPage> {
  const limit = query.limit ?? DEFAULT_QUERY_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
    throw new AgentvisorError(
      'INPUT_INVALID',
      `limit: expected an integer from 1 to ${MAX_QUERY_LIMIT}, got ${limit}`,
      { details: { field: 'limit' } },
    );
  }
  let q = store.db.selectFrom('task_logs').selectAll();
  if (query.agent !== undefined) {
    const agentId = await agentIdOf(store, query.agent);
    q =
      agentId === undefined
        ? q.where('agent', '=', query.agent)
        : q.where('agent_id', '=', agentId);
  }
  if (query.task !== undefined) q = q.where('task_id', '=', query.task);
  if (query.level !== undefined && query.level !== 'trace') {
    q = q.where('level', 'in', levelsFrom(query.level));
  }
  let rows: TaskLogTable[];
  if (query.after === undefined) {
    rows = (await q.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute()).reverse();
  } else {
    // An id's millisecond part is its `at`, so `at >= ` only lets the index skip older lines.
    rows = await q
      .where('at', '>=', atOfId(query.after))
      .where('id', '>', query.after.toLowerCase())
      .orderBy('at', 'asc')
      .orderBy('id', 'asc')
      .limit(limit)
      .execute();
  }
  const entries = rows.map(entryOfRow);
  return { entries, cursor: entries.at(-1)?.id ?? query.after ?? null };
}

/** An agent's id: the value itself when it is one, else the id registered under that name. */
async function agentIdOf(store: Store, agent: string): Promise<string | undefined> {
  if (UUID.test(agent)) return agent.toLowerCase();
  const row = await store.db
    .selectFrom('agents')
    .select('id')
    .where('name', '=', agent)
    .executeTakeFirst();
  return row?.id;
}

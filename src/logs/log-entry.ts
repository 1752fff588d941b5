/**
 * @module A log line as written (the input) and as stored and read back (the entry), and the
 * conversion between an entry and its row.
 */
import type { LogLevel } from '../core/index.js';
import type { TaskLogTable } from '../store/index.js';
import { isLogLevel } from './log-levels.js';

/** A line handed to the writer. */
export interface LogEntryInput {
  readonly level: LogLevel;
  readonly message: string;
  /** The agent's name. */
  readonly agent?: string | null;
  readonly agentId?: string | null;
  readonly taskId?: string | null;
  /** Anything else worth keeping; secrets are redacted before it is stored. */
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** A stored line, as queries return it and live listeners receive it. */
export interface LogEntry {
  /** UUIDv7: the cursor of `after`; ids order lines the way `at` does. */
  readonly id: string;
  /** ISO-8601 UTC with milliseconds. */
  readonly at: string;
  readonly level: LogLevel;
  readonly agent: string | null;
  readonly agentId: string | null;
  readonly taskId: string | null;
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** The entry of a stored row. */
export function entryOfRow(row: TaskLogTable): LogEntry {
  let fields: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(row.fields);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      fields = parsed as Record<string, unknown>;
    }
  } catch {
    // A row written by hand; its fields are lost, the line is not.
  }
  return {
    id: row.id,
    at: row.at,
    level: isLogLevel(row.level) ? row.level : 'info',
    agent: row.agent,
    agentId: row.agent_id,
    taskId: row.task_id,
    message: row.message,
    fields,
  };
}

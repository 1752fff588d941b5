/**
 * @module Migration 0011: structured agent and task logs (seed 002 `task_logs`). One row per log
 * line, tied to the agent and the task it came from, with its size in `bytes` so the retention
 * sweep can keep the total under a limit without measuring rows.
 */
import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../store.js';

/** The `0011_task_logs` migration for one dialect. */
export function taskLogMigrations(_dialect: StoreDialect): Record<string, Migration> {
  return {
    '0011_task_logs': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('task_logs')
          // UUIDv7 whose millisecond part equals `at`: ids order lines the way `at` does.
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('level', 'text', (c) => c.notNull())
          .addColumn('agent_id', 'text')
          .addColumn('agent', 'text')
          .addColumn('task_id', 'text')
          .addColumn('message', 'text', (c) => c.notNull())
          .addColumn('fields', 'text', (c) => c.notNull())
          .addColumn('bytes', 'integer', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('task_logs_agent_at')
          .on('task_logs')
          .columns(['agent_id', 'at'])
          .execute();
        await db.schema
          .createIndex('task_logs_task_at')
          .on('task_logs')
          .columns(['task_id', 'at'])
          .execute();
        await db.schema.createIndex('task_logs_at').on('task_logs').column('at').execute();
      },
    },
  };
}

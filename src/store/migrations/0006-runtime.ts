/**
 * @module Migration 0006: what the daemon runtime needs to survive a crash: the agents' inboxes,
 * the tool-call journal (idempotency keys recorded before a tool runs), which task each goal serves, and each agent's
 * beat cursor with the plan of the beat in progress.
 */
import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../store.js';

/** The `0006_runtime` migration for one dialect. */
export function runtimeMigrations(dialect: StoreDialect): Record<string, Migration> {
  const bigint = dialect === 'sqlite' ? 'integer' : 'bigint';
  return {
    '0006_runtime': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('messages')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('sender', 'text', (c) => c.notNull())
          .addColumn('recipient', 'text', (c) => c.notNull())
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('acked_at', 'text')
          .execute();
        await db.schema
          .createIndex('messages_recipient_open')
          .on('messages')
          .columns(['recipient', 'acked_at', 'id'])
          .execute();
        await db.schema
          .createTable('tool_calls')
          // The idempotency key: the same planned call after a restart has the same key.
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('task_id', 'text')
          .addColumn('goal_id', 'text')
          .addColumn('beat', bigint, (c) => c.notNull())
          .addColumn('position', 'integer', (c) => c.notNull())
          .addColumn('tool', 'text', (c) => c.notNull())
          .addColumn('args', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('result', 'text')
          .addColumn('error_code', 'text')
          .addColumn('error', 'text')
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('started_at', 'text', (c) => c.notNull())
          .addColumn('finished_at', 'text')
          .execute();
        await db.schema
          .createIndex('tool_calls_task')
          .on('tool_calls')
          .columns(['task_id', 'beat', 'position'])
          .execute();
        // Which task each goal serves (a task's root goal and every sub-goal under it), so
        // thoughts and tool calls can be filed under the task that `task show` displays.
        await db.schema
          .createTable('goal_tasks')
          .addColumn('goal_id', 'text', (c) => c.primaryKey())
          .addColumn('task_id', 'text', (c) => c.notNull())
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('goal_tasks_task').on('goal_tasks').column('task_id').execute();
        await db.schema
          .createTable('agent_runtime')
          .addColumn('agent_name', 'text', (c) => c.primaryKey())
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('beat', bigint, (c) => c.notNull())
          .addColumn('last_completed_beat', bigint, (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('interval_ms', 'integer', (c) => c.notNull())
          // The decision of the beat in progress (JSON), so a restart finishes it instead of
          // deliberating again and possibly choosing different side effects.
          .addColumn('plan', 'text')
          .addColumn('metrics', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
      },
    },
  };
}

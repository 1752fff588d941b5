/**
 * @module Migration 0008: team runs. A run is a task a team works on under the orchestrator;
 * its phase, plan and criteria, every phase step it took, and its subtasks (each also a row of
 * `tasks`, so agents work them like any task) are stored, so a run killed at any point resumes
 * where it was and never sends a finished subtask out again.
 */
import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../store.js';

/** The `0008_team` migration for one dialect. */
export function teamMigrations(_dialect: StoreDialect): Record<string, Migration> {
  return {
    '0008_team': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('team_runs')
          .addColumn('task_id', 'text', (c) => c.primaryKey())
          .addColumn('team', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('phase', 'text', (c) => c.notNull())
          .addColumn('round', 'integer', (c) => c.notNull())
          .addColumn('max_rounds', 'integer', (c) => c.notNull())
          .addColumn('require_approval', 'integer', (c) => c.notNull())
          .addColumn('approval_id', 'text')
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('deadline', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('team_runs_status')
          .on('team_runs')
          .columns(['status', 'updated_at'])
          .execute();
        await db.schema
          .createTable('team_steps')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('task_id', 'text', (c) => c.notNull())
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('phase', 'text', (c) => c.notNull())
          .addColumn('round', 'integer', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('summary', 'text', (c) => c.notNull())
          .addColumn('output', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('team_steps_task')
          .on('team_steps')
          .columns(['task_id', 'seq'])
          .unique()
          .execute();
        await db.schema
          .createTable('team_subtasks')
          .addColumn('task_id', 'text', (c) => c.primaryKey())
          .addColumn('run_id', 'text', (c) => c.notNull())
          .addColumn('round', 'integer', (c) => c.notNull())
          .addColumn('position', 'integer', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('agent', 'text', (c) => c.notNull())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('criteria', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('team_subtasks_run')
          .on('team_subtasks')
          .columns(['run_id', 'round', 'position'])
          .unique()
          .execute();
      },
    },
  };
}

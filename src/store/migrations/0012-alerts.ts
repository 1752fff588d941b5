/**
 * @module Migration 0012: alerts. One row per alert (a rule and its labels, by fingerprint) with
 * its state (pending, firing, resolved), when it started, fired and resolved, and what was last
 * notified. Nodes sharing the database claim a notification by a conditional update of `version`,
 * so an alert is notified once however many nodes evaluate it, and a restart neither re-fires
 * nor forgets it.
 */
import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../store.js';

/** The `0012_alerts` migration for one dialect. */
export function alertMigrations(_dialect: StoreDialect): Record<string, Migration> {
  return {
    '0012_alerts': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('alerts')
          .addColumn('fingerprint', 'text', (c) => c.primaryKey())
          .addColumn('rule', 'text', (c) => c.notNull())
          .addColumn('labels', 'text', (c) => c.notNull())
          .addColumn('severity', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('value', 'double precision')
          .addColumn('summary', 'text', (c) => c.notNull())
          .addColumn('annotations', 'text', (c) => c.notNull())
          // Times in ms since the epoch: compared in conditional updates, never shown raw.
          .addColumn('started_at', 'bigint', (c) => c.notNull())
          .addColumn('fired_at', 'bigint')
          .addColumn('resolved_at', 'bigint')
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addColumn('notified_at', 'bigint')
          .addColumn('notified_state', 'text')
          .addColumn('notifications', 'integer', (c) => c.notNull())
          .addColumn('silenced_until', 'bigint')
          .addColumn('version', 'integer', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('alerts_state').on('alerts').column('state').execute();
        await db.schema.createIndex('alerts_rule').on('alerts').column('rule').execute();
      },
    },
  };
}

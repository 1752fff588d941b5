/**
 * @module Migration 0007: agents' policies as enforced (so hot patches survive a restart and
 * every node on one database enforces the same version) and approval items, the queue of
 * things waiting for a human: escalations now, task approvals and questions later.
 */
import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../store.js';

/** The `0007_policy` migration for one dialect. */
export function policyMigrations(_dialect: StoreDialect): Record<string, Migration> {
  return {
    '0007_policy': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('agent_policies')
          .addColumn('agent_id', 'text', (c) => c.primaryKey())
          .addColumn('agent', 'text', (c) => c.notNull())
          .addColumn('level', 'integer', (c) => c.notNull())
          .addColumn('grants', 'text', (c) => c.notNull())
          .addColumn('ceiling', 'text', (c) => c.notNull())
          .addColumn('auto_restart', 'integer', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          // Digest of the configuration the policy was derived from: when the operator edits the
          // agent's config, the config wins over earlier runtime patches.
          .addColumn('config_digest', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('updated_by', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('approvals')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('agent', 'text', (c) => c.notNull())
          .addColumn('summary', 'text', (c) => c.notNull())
          .addColumn('request', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('requested_by', 'text', (c) => c.notNull())
          .addColumn('requested_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('decided_by', 'text')
          .addColumn('decided_at', 'text')
          .addColumn('decision_reason', 'text')
          .addColumn('response', 'text')
          .execute();
        await db.schema
          .createIndex('approvals_status')
          .on('approvals')
          .columns(['status', 'requested_at'])
          .execute();
        await db.schema
          .createIndex('approvals_agent')
          .on('approvals')
          .columns(['agent_id', 'requested_at'])
          .execute();
      },
    },
  };
}

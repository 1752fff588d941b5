/**
 * @module Migration 0005: agent identities, goal stacks with their history, and agent
 * snapshots (seed 003, "Identity System", "Goal Management", "Persistence Layer"). Written once
 * against kysely's schema builder so it runs unchanged on SQLite and PostgreSQL.
 */
import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../store.js';

/**
 * The agent tables' migrations for one dialect.
 *
 * @example
 * const all = { ...coreMigrations, ...agentMigrations('sqlite') };
 */
export function agentMigrations(_dialect: StoreDialect): Record<string, Migration> {
  return {
    '0005_agents': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('agents')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull().unique())
          /** Raw 32-byte Ed25519 public key, base64. */
          .addColumn('public_key', 'text', (c) => c.notNull())
          .addColumn('key_id', 'text', (c) => c.notNull())
          /** The private key sealed by the keyring (AES-256-GCM), never stored in the clear. */
          .addColumn('private_key_enc', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('definition_sha256', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('goals')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('parent_id', 'text')
          .addColumn('description', 'text', (c) => c.notNull())
          .addColumn('priority', 'integer', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('status_reason', 'text')
          .addColumn('status_at', 'text', (c) => c.notNull())
          .addColumn('outcome', 'text')
          /** JSON array of strings. */
          .addColumn('success_criteria', 'text', (c) => c.notNull())
          .addColumn('deadline', 'text')
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('content_hash', 'text', (c) => c.notNull())
          .addColumn('ledger_seq', 'bigint')
          .execute();
        await db.schema
          .createIndex('goals_agent_status')
          .on('goals')
          .columns(['agent_id', 'status', 'priority'])
          .execute();
        await db.schema.createIndex('goals_parent').on('goals').column('parent_id').execute();
        await db.schema
          .createTable('goal_history')
          .addColumn('goal_id', 'text', (c) => c.notNull())
          /** 0 for the goal's creation, then one more per event: the append-only order. */
          .addColumn('step', 'integer', (c) => c.notNull())
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('event', 'text', (c) => c.notNull())
          .addColumn('from_status', 'text')
          .addColumn('to_status', 'text', (c) => c.notNull())
          .addColumn('reason', 'text')
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('ledger_seq', 'bigint')
          .addPrimaryKeyConstraint('goal_history_pk', ['goal_id', 'step'])
          .execute();
        await db.schema
          .createTable('agent_snapshots')
          .addColumn('agent_name', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          /** Hex SHA-256 of `data`, checked before a snapshot is used. */
          .addColumn('checksum', 'text', (c) => c.notNull())
          /** Canonical JSON (RFC 8785) of the agent's state. */
          .addColumn('data', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('agent_snapshots_pk', ['agent_name', 'version'])
          .execute();
      },
    },
  };
}

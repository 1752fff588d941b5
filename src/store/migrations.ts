/**
 * @module Schema migrations, in code and in order. Each is written once against kysely's
 * schema builder so it runs unchanged on SQLite and PostgreSQL. Never edit a migration that
 * has shipped: add a new one.
 */
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { memoryMigrations } from './migrations/0004-memory.js';
import { agentMigrations } from './migrations/0005-agents.js';
import { runtimeMigrations } from './migrations/0006-runtime.js';
import { policyMigrations } from './migrations/0007-policy.js';
import { teamMigrations } from './migrations/0008-team.js';
import { memoryTierMigrations } from './migrations/0009-memory-tiers.js';
import { accessMigrations } from './migrations/0010-access.js';
import { taskLogMigrations } from './migrations/0011-task-logs.js';
import { alertMigrations } from './migrations/0012-alerts.js';
import { messageAttachmentMigrations } from './migrations/0013-message-attachments.js';
import type { StoreDialect } from './store.js';

function migrationsFor(dialect: StoreDialect): Record<string, Migration> {
  const binary = dialect === 'sqlite' ? 'blob' : 'bytea';
  return {
    '0001_ledger': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('agentvisor_meta')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('ledger_entries')
          // On SQLite exactly "integer primary key" makes seq the rowid: no second index, ~12 bytes
          // less per entry. No unique index on id either (~45 bytes): UUIDv7 ids are unique by
          // construction and the chain, not the id, is what verification relies on.
          .addColumn('seq', dialect === 'sqlite' ? 'integer' : 'bigint', (c) => c.primaryKey())
          .addColumn('id', 'text', (c) => c.notNull())
          .addColumn('ts', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          // Raw bytes, not hex/base64 text: 88 bytes less per entry.
          .addColumn('prev_hash', binary, (c) => c.notNull())
          .addColumn('entry_hash', binary, (c) => c.notNull())
          .addColumn('signature', binary, (c) => c.notNull())
          .addColumn('key_id', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('ledger_entries_type')
          .on('ledger_entries')
          .column('type')
          .execute();
        await db.schema
          .createIndex('ledger_entries_actor')
          .on('ledger_entries')
          .column('actor')
          .execute();
        await db.schema
          .createIndex('ledger_entries_ts')
          .on('ledger_entries')
          .column('ts')
          .execute();
        await db.schema
          .createTable('ledger_head')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('seq', 'bigint', (c) => c.notNull())
          .addColumn('entry_hash', 'text', (c) => c.notNull())
          .addColumn('key_id', 'text', (c) => c.notNull())
          .addColumn('frontier', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('ledger_keys')
          .addColumn('key_id', 'text', (c) => c.primaryKey())
          .addColumn('algorithm', 'text', (c) => c.notNull())
          .addColumn('public_key', 'text', (c) => c.notNull())
          .addColumn('private_key_enc', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('retired_at', 'text')
          .execute();
        await db.schema
          .createTable('ledger_checkpoints')
          .addColumn('size', 'bigint', (c) => c.primaryKey())
          .addColumn('root_hash', 'text', (c) => c.notNull())
          .addColumn('time_ms', 'bigint', (c) => c.notNull())
          .addColumn('key_id', 'text', (c) => c.notNull())
          .addColumn('note', 'text', (c) => c.notNull())
          .execute();
      },
    },
    '0002_tasks_thoughts': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('tasks')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('parent_id', 'text')
          .addColumn('agent_id', 'text')
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('description', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('priority', 'integer', (c) => c.notNull())
          .addColumn('result', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('content_hash', 'text', (c) => c.notNull())
          .addColumn('ledger_seq', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('tasks_status')
          .on('tasks')
          .columns(['status', 'priority'])
          .execute();
        await db.schema.createIndex('tasks_parent').on('tasks').column('parent_id').execute();
        await db.schema
          .createTable('thoughts')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('task_id', 'text', (c) => c.notNull())
          .addColumn('agent_id', 'text')
          .addColumn('content', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('content_hash', 'text', (c) => c.notNull())
          .addColumn('ledger_seq', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('thoughts_task').on('thoughts').column('task_id').execute();
      },
    },
    '0003_gateway': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('api_keys')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull().unique())
          /** SHA-256 of the secret; the secret itself is shown once and never stored. */
          .addColumn('key_hash', 'text', (c) => c.notNull().unique())
          /** The first characters of the secret, so people can tell keys apart. */
          .addColumn('prefix', 'text', (c) => c.notNull())
          .addColumn('agent_id', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('revoked_at', 'text')
          .addColumn('last_used_at', 'text')
          .execute();
        await db.schema
          .createTable('llm_usage')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('ts', 'text', (c) => c.notNull())
          .addColumn('agent_id', 'text')
          .addColumn('api_key_id', 'text')
          .addColumn('task_id', 'text')
          .addColumn('alias', 'text', (c) => c.notNull())
          .addColumn('provider', 'text', (c) => c.notNull())
          .addColumn('model', 'text', (c) => c.notNull())
          .addColumn('operation', 'text', (c) => c.notNull())
          .addColumn('input_tokens', 'integer', (c) => c.notNull())
          .addColumn('output_tokens', 'integer', (c) => c.notNull())
          .addColumn('cached_tokens', 'integer', (c) => c.notNull())
          .addColumn('cost_usd', 'double precision', (c) => c.notNull())
          .addColumn('latency_ms', 'integer', (c) => c.notNull())
          .addColumn('outcome', 'text', (c) => c.notNull())
          .addColumn('was_fallback', 'integer', (c) => c.notNull())
          .addColumn('streamed', 'integer', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('llm_usage_ts').on('llm_usage').column('ts').execute();
        await db.schema
          .createIndex('llm_usage_agent_ts')
          .on('llm_usage')
          .columns(['agent_id', 'ts'])
          .execute();
        await db.schema
          .createIndex('llm_usage_key_ts')
          .on('llm_usage')
          .columns(['api_key_id', 'ts'])
          .execute();
      },
    },
    ...memoryMigrations(dialect),
    ...runtimeMigrations(dialect),
    ...agentMigrations(dialect),
    ...policyMigrations(dialect),
    ...teamMigrations(dialect),
    ...memoryTierMigrations(dialect),
    ...accessMigrations(dialect),
    ...taskLogMigrations(dialect),
    ...alertMigrations(dialect),
    ...messageAttachmentMigrations(dialect),
  };
}

/** Every migration's name, in the order they apply. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(migrationsFor('sqlite')).sort();

/** Feeds kysely's Migrator for one dialect. */
export function migrationProvider(dialect: StoreDialect): MigrationProvider {
  return {
    async getMigrations() {
      return migrationsFor(dialect);
    },
  };
}

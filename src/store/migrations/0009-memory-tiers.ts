/**
 * @module Migration 0009: team memory's tiers (seed 002, "Memory Lifecycle & Retention"). The
 * warm tier is a table of items searchable by full text (FTS5 on SQLite, a generated `tsvector`
 * on PostgreSQL, over the content and its context) and by embedding; the cold tier's items live
 * in gzip'd JSONL segment files, and two tables index them (which segments exist, and where in
 * which segment each item is); learning signals are kept for analysis.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { StoreDialect } from '../store.js';

/**
 * The `0009_memory_tiers` migration for one dialect, to be spread into the migration record.
 *
 * @example
 * const all = { ...policyMigrations('sqlite'), ...memoryTierMigrations('sqlite') };
 */
export function memoryTierMigrations(dialect: StoreDialect): Record<string, Migration> {
  const binary = dialect === 'sqlite' ? 'blob' : 'bytea';
  return {
    '0009_memory_tiers': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('team_memory_items')
          // Integer key for the full-text index only (see 0004); `id` is the public identity.
          .addColumn('seq', dialect === 'sqlite' ? 'integer' : 'bigserial', (c) => c.primaryKey())
          .addColumn('id', 'text', (c) => c.notNull().unique())
          .addColumn('scope', 'text', (c) => c.notNull())
          /** item or learning. */
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('author', 'text', (c) => c.notNull())
          .addColumn('content', 'text', (c) => c.notNull())
          .addColumn('context', 'text')
          .addColumn('content_key', 'text', (c) => c.notNull())
          .addColumn('phase', 'text')
          .addColumn('task_id', 'text')
          .addColumn('tags', 'text', (c) => c.notNull())
          .addColumn('importance', 'double precision', (c) => c.notNull())
          .addColumn('utility', 'double precision', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          /** When the item entered the warm tier. */
          .addColumn('warm_at', 'text', (c) => c.notNull())
          .addColumn('last_accessed_at', 'text', (c) => c.notNull())
          .addColumn('access_count', 'integer', (c) => c.notNull())
          .addColumn('embedding', binary)
          .execute();
        await db.schema
          .createIndex('team_memory_items_scope')
          .on('team_memory_items')
          .columns(['scope', 'kind', 'phase'])
          .execute();
        await db.schema
          .createIndex('team_memory_items_key')
          .on('team_memory_items')
          .columns(['scope', 'content_key'])
          .execute();
        await db.schema
          .createIndex('team_memory_items_task')
          .on('team_memory_items')
          .columns(['task_id'])
          .execute();
        // Demotion looks for idle, low-utility items.
        await db.schema
          .createIndex('team_memory_items_idle')
          .on('team_memory_items')
          .columns(['last_accessed_at', 'utility'])
          .execute();

        await db.schema
          .createTable('team_memory_segments')
          /** Path of the segment file, relative to the cold directory. */
          .addColumn('file', 'text', (c) => c.primaryKey())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('bytes', 'integer', (c) => c.notNull())
          .addColumn('items', 'integer', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('team_memory_segments_created')
          .on('team_memory_segments')
          .columns(['created_at'])
          .execute();
        await db.schema
          .createTable('team_memory_cold')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('scope', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('author', 'text', (c) => c.notNull())
          .addColumn('phase', 'text')
          .addColumn('task_id', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('archived_at', 'text', (c) => c.notNull())
          .addColumn('segment', 'text', (c) => c.notNull())
          /** Byte offset and length of the gzip member holding the item, and its line in it. */
          .addColumn('byte_offset', 'integer', (c) => c.notNull())
          .addColumn('byte_length', 'integer', (c) => c.notNull())
          .addColumn('line', 'integer', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('team_memory_cold_scope_time')
          .on('team_memory_cold')
          .columns(['scope', 'created_at'])
          .execute();
        await db.schema
          .createIndex('team_memory_cold_segment')
          .on('team_memory_cold')
          .columns(['segment'])
          .execute();

        await db.schema
          .createTable('team_memory_signals')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('weight', 'double precision', (c) => c.notNull())
          .addColumn('strength', 'double precision', (c) => c.notNull())
          .addColumn('delta', 'double precision', (c) => c.notNull())
          .addColumn('agent', 'text', (c) => c.notNull())
          .addColumn('task_id', 'text')
          .addColumn('phase', 'text')
          /** JSON arrays of ids: the memories named, and those whose utility moved. */
          .addColumn('memory_ids', 'text', (c) => c.notNull())
          .addColumn('updated_ids', 'text', (c) => c.notNull())
          .addColumn('note', 'text')
          .addColumn('at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('team_memory_signals_task')
          .on('team_memory_signals')
          .columns(['task_id', 'at'])
          .execute();
        await db.schema
          .createIndex('team_memory_signals_at')
          .on('team_memory_signals')
          .columns(['at'])
          .execute();

        if (dialect === 'sqlite') await sqliteFullText(db);
        else await postgresFullText(db);
      },
    },
  };
}

/** External-content FTS5 kept in step by triggers, tokenised like 0004's memory index. */
async function sqliteFullText(db: Kysely<unknown>): Promise<void> {
  await sql`create virtual table team_memory_items_fts using fts5(
    content, context, content='team_memory_items', content_rowid='seq',
    tokenize='porter unicode61 remove_diacritics 2')`.execute(db);
  await sql`create trigger team_memory_items_fts_insert after insert on team_memory_items begin
    insert into team_memory_items_fts(rowid, content, context) values (new.seq, new.content, new.context);
  end`.execute(db);
  await sql`create trigger team_memory_items_fts_delete after delete on team_memory_items begin
    insert into team_memory_items_fts(team_memory_items_fts, rowid, content, context)
      values ('delete', old.seq, old.content, old.context);
  end`.execute(db);
  await sql`create trigger team_memory_items_fts_update after update of content, context on team_memory_items begin
    insert into team_memory_items_fts(team_memory_items_fts, rowid, content, context)
      values ('delete', old.seq, old.content, old.context);
    insert into team_memory_items_fts(rowid, content, context) values (new.seq, new.content, new.context);
  end`.execute(db);
}

/** A stored generated `tsvector` over content and context, under a GIN index. */
async function postgresFullText(db: Kysely<unknown>): Promise<void> {
  await sql`alter table team_memory_items add column search tsvector
    generated always as (to_tsvector('english', content || ' ' || coalesce(context, ''))) stored`.execute(
    db,
  );
  await sql`create index team_memory_items_search on team_memory_items using gin (search)`.execute(
    db,
  );
}

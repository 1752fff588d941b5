/**
 * @module Migration 0004: per-agent memory (episodic, semantic, procedural items and the
 * action statistics behind procedural memory), with full-text search native to each database:
 * an FTS5 index on SQLite, a generated `tsvector` column under a GIN index on PostgreSQL.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { StoreDialect } from '../store.js';

/**
 * The memory migrations for one dialect, to be spread into the migration record.
 *
 * @example
 * const all = { ...ledgerMigrations, ...memoryMigrations('sqlite') };
 */
export function memoryMigrations(dialect: StoreDialect): Record<string, Migration> {
  const binary = dialect === 'sqlite' ? 'blob' : 'bytea';
  return {
    '0004_memory': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('memory_items')
          // An integer key only for the full-text index: on SQLite "integer primary key" aliases
          // the rowid, which (unlike an implicit rowid) survives VACUUM, so the external-content
          // FTS5 table can point at it safely. The public identity is `id`.
          .addColumn('seq', dialect === 'sqlite' ? 'integer' : 'bigserial', (c) => c.primaryKey())
          .addColumn('id', 'text', (c) => c.notNull().unique())
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('component', 'text', (c) => c.notNull())
          .addColumn('content', 'text', (c) => c.notNull())
          /** Normalised content: equal keys are duplicates to merge. */
          .addColumn('content_key', 'text', (c) => c.notNull())
          /** JSON array of strings. */
          .addColumn('tags', 'text', (c) => c.notNull())
          .addColumn('importance', 'double precision', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('last_accessed_at', 'text', (c) => c.notNull())
          .addColumn('access_count', 'integer', (c) => c.notNull())
          .addColumn('archived', 'integer', (c) => c.notNull())
          /** Float32 little-endian vector, or null when no embedding model was configured. */
          .addColumn('embedding', binary)
          .execute();
        await db.schema
          .createIndex('memory_items_agent')
          .on('memory_items')
          .columns(['agent_id', 'component', 'archived', 'created_at'])
          .execute();
        await db.schema
          .createTable('memory_procedures')
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          /** The procedural memory item that describes these statistics in words. */
          .addColumn('item_id', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('successes', 'integer', (c) => c.notNull())
          .addColumn('failures', 'integer', (c) => c.notNull())
          .addColumn('duration_total_ms', 'double precision', (c) => c.notNull())
          .addColumn('duration_count', 'integer', (c) => c.notNull())
          .addColumn('last_success', 'integer', (c) => c.notNull())
          .addColumn('last_duration_ms', 'double precision')
          .addColumn('last_note', 'text')
          .addColumn('last_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('memory_procedures_pk', ['agent_id', 'action'])
          .execute();
        if (dialect === 'sqlite') await sqliteFullText(db);
        else await postgresFullText(db);
      },
    },
  };
}

/**
 * External-content FTS5 rather than a self-contained index: the text is stored once (in
 * `memory_items`), and triggers keep the index in step inside the same statement, so no code
 * path can forget to. `porter unicode61` stems English like PostgreSQL's `english`
 * configuration, so both databases match the same words for the same query.
 */
async function sqliteFullText(db: Kysely<unknown>): Promise<void> {
  await sql`create virtual table memory_items_fts using fts5(
    content, content='memory_items', content_rowid='seq',
    tokenize='porter unicode61 remove_diacritics 2')`.execute(db);
  await sql`create trigger memory_items_fts_insert after insert on memory_items begin
    insert into memory_items_fts(rowid, content) values (new.seq, new.content);
  end`.execute(db);
  await sql`create trigger memory_items_fts_delete after delete on memory_items begin
    insert into memory_items_fts(memory_items_fts, rowid, content) values ('delete', old.seq, old.content);
  end`.execute(db);
  await sql`create trigger memory_items_fts_update after update of content on memory_items begin
    insert into memory_items_fts(memory_items_fts, rowid, content) values ('delete', old.seq, old.content);
    insert into memory_items_fts(rowid, content) values (new.seq, new.content);
  end`.execute(db);
}

/** A stored generated column: PostgreSQL maintains it on every write, the GIN index serves `@@`. */
async function postgresFullText(db: Kysely<unknown>): Promise<void> {
  await sql`alter table memory_items add column search tsvector
    generated always as (to_tsvector('english', content)) stored`.execute(db);
  await sql`create index memory_items_search on memory_items using gin (search)`.execute(db);
}

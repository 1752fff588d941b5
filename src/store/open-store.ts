/**
 * @module Opening the configured store and bringing its schema up to date. Migrations run
 * under kysely's Migrator (which takes its own lock, so several processes starting at once
 * migrate exactly once). A database written by a newer Agentvisor is refused rather than
 * half-understood.
 */
import path from 'node:path';
import { Migrator, sql } from 'kysely';
import { AgentvisorError, type StoreConfig } from '../core/index.js';
import { MIGRATION_NAMES, migrationProvider } from './migrations.js';
import { PostgresStore } from './postgres-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

const MIGRATION_TABLE = 'agentvisor_migrations';
const MIGRATION_LOCK_TABLE = 'agentvisor_migrations_lock';

/**
 * Opens the store named by the config and migrates it to the latest schema.
 *
 * @example
 * const store = await openStore({ driver: 'sqlite', path: 'agentvisor.db' }, '/data');
 */
export async function openStore(config: StoreConfig, dataDir: string): Promise<Store> {
  const store =
    config.driver === 'sqlite'
      ? await SqliteStore.open({ file: path.resolve(dataDir, config.path) })
      : await PostgresStore.open({
          url: config.url ?? '',
          schema: config.schema,
          poolSize: config.pool_size,
        });
  try {
    if (store instanceof PostgresStore) await checkPostgresOwnership(store);
    await migrate(store);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/** Applies every pending migration; refuses a database that has migrations we do not know. */
export async function migrate(store: Store): Promise<void> {
  const migrator = new Migrator({
    db: store.db,
    provider: migrationProvider(store.dialect),
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    // kysely looks for its tables in `public` unless told; ours live in the configured schema.
    ...(store instanceof PostgresStore ? { migrationTableSchema: store.schema } : {}),
  });
  const known = new Set(MIGRATION_NAMES);
  // A migration we do not know means a newer Agentvisor wrote this database.
  const applied = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`
    .execute(store.db)
    .then((r) => r.rows)
    .catch(() => undefined); // no migrations table yet: a new database
  if (applied !== undefined) {
    const unknown = applied.map((r) => r.name).filter((n) => !known.has(n));
    if (unknown.length > 0) {
      throw new AgentvisorError(
        'STORE_VERSION',
        `${store.location} was written by a newer Agentvisor (unknown migrations: ${unknown.join(', ')}); upgrade agentvisor to open it`,
      );
    }
  }
  let { error, results } = await migrator.migrateToLatest();
  // kysely checks for its own tables by listing every table of every schema; on a PostgreSQL
  // server where other schemas are being created or dropped at that moment (several Agentvisor
  // schemas in one database, or parallel test suites) that listing can fail with a catalog race.
  // Such failures say nothing about our schema, so they are retried; real failures repeat.
  for (let attempt = 1; error !== undefined && isCatalogRace(error) && attempt <= 5; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    ({ error, results } = await migrator.migrateToLatest());
  }
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new AgentvisorError(
      'STORE_VERSION',
      `migrating ${store.location} failed${failed ? ` at ${failed.migrationName}` : ''}: ${(error as Error).message ?? String(error)}`,
      { cause: error },
    );
  }
  await store.db
    .insertInto('agentvisor_meta')
    .values({ key: 'application', value: 'agentvisor' })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
}

async function checkPostgresOwnership(store: PostgresStore): Promise<void> {
  const rows = await sql<{ table_name: string }>`
    select table_name from information_schema.tables where table_schema = ${store.schema}`.execute(
    store.db,
  );
  const names = new Set(rows.rows.map((r) => r.table_name));
  if (names.size === 0 || names.has('agentvisor_meta') || names.has(MIGRATION_TABLE)) return;
  throw new AgentvisorError(
    'STORE_FOREIGN',
    `schema "${store.schema}" at ${store.location} holds ${names.size} tables that are not Agentvisor's; refusing to write there. Set store.schema to an empty or Agentvisor schema.`,
    { details: { schema: store.schema } },
  );
}

/** PostgreSQL errors a concurrent DDL elsewhere on the server can cause during introspection. */
function isCatalogRace(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  // invalid_schema_name, undefined_table, undefined_column, and "cache lookup failed" (XX000).
  return code === '3F000' || code === '42P01' || code === '42703' || code === 'XX000';
}

/**
 * @module The data layer: one {@link Store} interface over SQLite and PostgreSQL, the table
 * types, and migrations.
 */

export { decodeLedgerRow, encodeLedgerRow } from './ledger-row-codec.js';
export { MIGRATION_NAMES } from './migrations.js';
export { migrate, openStore } from './open-store.js';
export { PostgresStore, type PostgresStoreOptions, redactUrl } from './postgres-store.js';
export type * from './schema.js';
export { SQLITE_APPLICATION_ID, SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export type { Store, StoreDialect } from './store.js';

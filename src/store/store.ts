/**
 * @module The `Store` seam: one data layer over SQLite (embedded default) and PostgreSQL
 * (scale-out). Repository code is written once against kysely and {@link Store.writeTransaction};
 * each implementation supplies the connection, the dialect and how to take the write lock.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database, LedgerEntryRow } from './schema.js';

/** Which database is underneath. Repository code should rarely need to know. */
export type StoreDialect = 'sqlite' | 'postgres';

/**
 * The data layer. Implementations: {@link SqliteStore}, {@link PostgresStore}; both pass the
 * same conformance suite (`test/integration/store/store-conformance.test.ts`).
 */
export interface Store {
  readonly dialect: StoreDialect;
  /** The query builder; reads may use it directly. */
  readonly db: Kysely<Database>;
  /** A human-readable location (file path or URL without password) for messages. */
  readonly location: string;
  /**
   * Runs `fn` in a transaction that holds the database's single writer lock for its whole
   * duration (`BEGIN IMMEDIATE` on SQLite; a transaction-scoped advisory lock on PostgreSQL),
   * so read-then-write sequences such as "read the chain head, append after it" are atomic
   * across processes. Commits when `fn` resolves; on SQLite with `synchronous=FULL` and on
   * PostgreSQL with `synchronous_commit=on`, a commit that returns is durable.
   * `lock` names what is serialised; on SQLite there is one lock for the whole file.
   */
  writeTransaction<T>(
    fn: (trx: Transaction<Database>) => Promise<T>,
    options?: { lock?: string },
  ): Promise<T>;
  /**
   * Inserts ledger rows inside `trx` (a {@link writeTransaction}). The ledger's hot path: each
   * implementation uses the fastest bulk form its database offers.
   */
  insertLedgerEntries(trx: Transaction<Database>, rows: readonly LedgerEntryRow[]): Promise<void>;
  /**
   * Reads up to `limit` ledger rows with `seq > afterSeq`, in seq order: the verifier's hot path,
   * over every entry of the log.
   */
  readLedgerPage(afterSeq: number, limit: number): Promise<LedgerEntryRow[]>;
  /** Cheap liveness probe; throws `STORE_UNAVAILABLE` when the database does not answer. */
  ping(): Promise<void>;
  /** Closes connections; the store is unusable afterwards. */
  close(): Promise<void>;
}

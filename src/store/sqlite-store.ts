/**
 * @module SQLite implementation of {@link Store}: better-sqlite3 in WAL mode with
 * `synchronous=FULL`, so a committed transaction survives a power cut, and a database file
 * that is damaged or belongs to another program is refused, never overwritten.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type Transaction } from 'kysely';
import { AgentvisorError } from '../core/index.js';
import { decodeLedgerRow } from './ledger-row-codec.js';
import type { Database, LedgerEntryRow, LedgerEntryTable } from './schema.js';
import type { Store } from './store.js';

/** `PRAGMA application_id` of an Agentvisor database: ASCII "AGVS". */
export const SQLITE_APPLICATION_ID = 0x41475653;

const SQLITE_MAGIC = 'SQLite format 3\u0000';

/** Files larger than this skip the full `quick_check` at open; `audit verify` still checks the ledger. */
const QUICK_CHECK_MAX_BYTES = 256 * 1024 * 1024;

/** Options for {@link SqliteStore.open}. */
export interface SqliteStoreOptions {
  /** Path to the database file; its directory is created if missing. */
  file: string;
  /** How long to wait for another process's write lock, in ms. */
  busyTimeoutMs?: number;
}

/** The SQLite store. Use {@link SqliteStore.open}. */
export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  readonly db: Kysely<Database>;
  readonly location: string;
  readonly #raw: BetterSqlite3.Database;
  #insertEntry: BetterSqlite3.Statement | undefined;
  #readPage: BetterSqlite3.Statement | undefined;

  private constructor(raw: BetterSqlite3.Database, file: string) {
    this.#raw = raw;
    this.location = file;
    this.db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
  }

  /**
   * Opens (or creates) the database file, after checking that it is an Agentvisor database in
   * good health.
   *
   * @example
   * const store = await SqliteStore.open({ file: '.agentvisor/agentvisor.db' });
   */
  static async open(options: SqliteStoreOptions): Promise<SqliteStore> {
    const file = path.resolve(options.file);
    mkdirSync(path.dirname(file), { recursive: true });
    const existed = existsSync(file) && statSync(file).size > 0;
    if (existed) checkHeader(file);

    let raw: BetterSqlite3.Database;
    try {
      raw = new BetterSqlite3(file, { fileMustExist: false });
      raw.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
    } catch (error) {
      throw damaged(file, error);
    }
    try {
      // Ownership first: switching to WAL rewrites the file header, which must never happen to
      // another program's database.
      checkOwnership(raw, file, existed);
      raw.pragma('journal_mode = WAL');
      raw.pragma('synchronous = FULL');
      raw.pragma('foreign_keys = ON');
    } catch (error) {
      raw.close();
      throw error instanceof AgentvisorError ? error : damaged(file, error);
    }
    return new SqliteStore(raw, file);
  }

  /** The underlying better-sqlite3 handle, for hot paths that bypass the query builder. */
  get raw(): BetterSqlite3.Database {
    return this.#raw;
  }

  async writeTransaction<T>(
    fn: (trx: Transaction<Database>) => Promise<T>,
    _options?: { lock?: string },
  ): Promise<T> {
    // kysely's SQLite driver serialises queries on one connection; BEGIN IMMEDIATE takes the
    // file's write lock up front so a read-then-write never fails with SQLITE_BUSY_SNAPSHOT.
    return this.db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        const result = await fn(conn as unknown as Transaction<Database>);
        await sql`commit`.execute(conn);
        return result;
      } catch (error) {
        if (this.#raw.inTransaction) await sql`rollback`.execute(conn);
        throw mapSqliteError(error, this.location);
      }
    });
  }

  async insertLedgerEntries(
    _trx: Transaction<Database>,
    rows: readonly LedgerEntryRow[],
  ): Promise<void> {
    // Hand-written rather than through kysely: a multi-row INSERT built by the query builder
    // costs a parse and compile per row on every batch, about a third of an append's time at
    // 20k appends/s; one cached prepared statement does the same work for a bind and a step.
    // better-sqlite3 runs it on the connection kysely holds, so it is inside `trx`.
    this.#insertEntry ??= this.#raw.prepare(
      'insert into ledger_entries (seq, id, ts, type, actor, subject, payload, prev_hash, entry_hash, signature, key_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const stmt = this.#insertEntry;
    for (const r of rows) {
      stmt.run(
        r.seq,
        r.id,
        r.ts,
        r.type,
        r.actor,
        r.subject,
        r.payload,
        Buffer.from(r.prev_hash, 'hex'),
        Buffer.from(r.entry_hash, 'hex'),
        Buffer.from(r.signature, 'base64'),
        r.key_id,
      );
    }
  }

  async readLedgerPage(afterSeq: number, limit: number): Promise<LedgerEntryRow[]> {
    // A cached statement: 1.9 µs per row against 4.5 µs through the query builder, measured
    // over 10^6 rows; verification reads every row.
    this.#readPage ??= this.#raw.prepare(
      'select * from ledger_entries where seq > ? order by seq limit ?',
    );
    return (this.#readPage.all(afterSeq, limit) as LedgerEntryTable[]).map(decodeLedgerRow);
  }

  async ping(): Promise<void> {
    try {
      this.#raw.prepare('select 1').get();
    } catch (error) {
      throw new AgentvisorError('STORE_UNAVAILABLE', `database ${this.location} does not answer`, {
        cause: error,
      });
    }
  }

  async close(): Promise<void> {
    if (this.#raw.open) {
      // Fold the WAL back into the main file so the data directory is one self-contained file.
      try {
        this.#raw.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // Another process may hold the WAL; it will checkpoint on its own close.
      }
    }
    await this.db.destroy();
    // kysely only closes connections it has used; the handle was opened here, so close it here.
    if (this.#raw.open) this.#raw.close();
  }
}

function checkHeader(file: string): void {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(16);
    const n = readSync(fd, buf, 0, 16, 0);
    if (n < 16 || buf.toString('latin1') !== SQLITE_MAGIC) {
      throw new AgentvisorError(
        'STORE_FOREIGN',
        `${file} is not a SQLite database, so it is not Agentvisor's; refusing to open or overwrite it. Move it away or point --data-dir elsewhere.`,
        { details: { file } },
      );
    }
  } finally {
    closeSync(fd);
  }
}

function checkOwnership(raw: BetterSqlite3.Database, file: string, existed: boolean): void {
  let appId: number;
  let tableCount: number;
  try {
    appId = raw.pragma('application_id', { simple: true }) as number;
    tableCount = (
      raw.prepare("select count(*) as n from sqlite_master where type = 'table'").get() as {
        n: number;
      }
    ).n;
    if (existed && statSync(file).size <= QUICK_CHECK_MAX_BYTES) {
      const rows = raw.pragma('quick_check') as Array<{ quick_check: string }>;
      if (rows.length !== 1 || rows[0]?.quick_check !== 'ok') {
        throw new AgentvisorError(
          'STORE_CORRUPT',
          `${file} is damaged (SQLite quick_check: ${rows
            .slice(0, 3)
            .map((r) => r.quick_check)
            .join(
              '; ',
            )}); refusing to use it. Restore it from a backup; the ledger can be checked with "agentvisor audit verify" against an export.`,
          { details: { file } },
        );
      }
    }
  } catch (error) {
    if (error instanceof AgentvisorError) throw error;
    throw damaged(file, error);
  }
  if (appId === SQLITE_APPLICATION_ID) return;
  if (appId === 0 && tableCount === 0) {
    raw.pragma(`application_id = ${SQLITE_APPLICATION_ID}`);
    return;
  }
  throw new AgentvisorError(
    'STORE_FOREIGN',
    `${file} is a SQLite database that belongs to another program (application_id ${appId}, ${tableCount} tables); refusing to open or overwrite it. Point --data-dir at an empty directory.`,
    { details: { file, applicationId: appId } },
  );
}

function damaged(file: string, error: unknown): AgentvisorError {
  const reason = error instanceof Error ? error.message : String(error);
  return new AgentvisorError(
    'STORE_CORRUPT',
    `${file} cannot be read as a database (${reason}); refusing to use or overwrite it. Restore it from a backup.`,
    { details: { file }, cause: error },
  );
}

function mapSqliteError(error: unknown, file: string): unknown {
  const code = (error as { code?: string } | null)?.code;
  if (code === 'SQLITE_FULL') {
    return new AgentvisorError(
      'UNAVAILABLE',
      `the disk holding ${file} is full; nothing was written`,
      {
        cause: error,
      },
    );
  }
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') return damaged(file, error);
  if (code === 'SQLITE_BUSY') {
    return new AgentvisorError('UNAVAILABLE', `${file} is locked by another process; try again`, {
      cause: error,
    });
  }
  return error;
}

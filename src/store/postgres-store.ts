/**
 * @module PostgreSQL implementation of {@link Store}, for many Agentvisor processes on one
 * database. Tables live in a configurable schema; writers that must be serialised (the ledger
 * head) take a transaction-scoped advisory lock, so a crashed process can never leave it held.
 */
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { AgentvisorError } from '../core/index.js';
import { decodeLedgerRow } from './ledger-row-codec.js';
import type { Database, LedgerEntryRow } from './schema.js';
import type { Store } from './store.js';

/** Options for {@link PostgresStore.open}. */
export interface PostgresStoreOptions {
  url: string;
  schema?: string;
  poolSize?: number;
}

// int8 (bigint) columns hold seq numbers far below 2^53; parse them as numbers, per pool only,
// so we never mutate pg's global type table for other code in the process.
const INT8_OID = 20;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/** The PostgreSQL store. Use {@link PostgresStore.open}. */
export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  readonly db: Kysely<Database>;
  readonly location: string;
  readonly schema: string;
  readonly #pool: pg.Pool;
  #closed = false;

  private constructor(pool: pg.Pool, location: string, schema: string) {
    this.#pool = pool;
    this.location = location;
    this.schema = schema;
    this.db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }

  /**
   * Connects, creates the schema if needed, and checks the database answers.
   *
   * @example
   * const store = await PostgresStore.open({ url: 'postgres://localhost/agentvisor' });
   */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const schema = options.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new AgentvisorError(
        'CONFIG_INVALID',
        `store.schema "${schema}" is not a lower-case SQL identifier`,
      );
    }
    const location = redactUrl(options.url);
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      options: `-c search_path=${schema}`,
      types,
      connectionTimeoutMillis: 10_000,
    });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    try {
      const client = await pool.connect();
      try {
        await client.query(`create schema if not exists ${schema}`);
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end().catch(() => {});
      throw new AgentvisorError(
        'STORE_UNAVAILABLE',
        `cannot connect to PostgreSQL at ${location}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    return new PostgresStore(pool, location, schema);
  }

  async writeTransaction<T>(
    fn: (trx: Transaction<Database>) => Promise<T>,
    options: { lock?: string } = {},
  ): Promise<T> {
    const lock = options.lock ?? 'agentvisor';
    return this.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext(${`${this.schema}.${lock}`}))`.execute(trx);
      return fn(trx);
    });
  }

  async insertLedgerEntries(
    trx: Transaction<Database>,
    rows: readonly LedgerEntryRow[],
  ): Promise<void> {
    if (rows.length === 0) return;
    // One statement per batch whatever its size: eleven array parameters unnested server-side,
    // instead of eleven bind parameters per row (and PostgreSQL's 65,535-parameter ceiling).
    const col = <K extends keyof LedgerEntryRow>(k: K) => rows.map((r) => r[k]);
    const bin = (k: 'prev_hash' | 'entry_hash' | 'signature', enc: 'hex' | 'base64') =>
      rows.map((r) => Buffer.from(r[k], enc));
    await sql`insert into ledger_entries (seq, id, ts, type, actor, subject, payload, prev_hash, entry_hash, signature, key_id)
      select * from unnest(${col('seq')}::bigint[], ${col('id')}::text[], ${col('ts')}::text[], ${col('type')}::text[],
        ${col('actor')}::text[], ${col('subject')}::text[], ${col('payload')}::text[], ${bin('prev_hash', 'hex')}::bytea[],
        ${bin('entry_hash', 'hex')}::bytea[], ${bin('signature', 'base64')}::bytea[], ${col('key_id')}::text[])`.execute(
      trx,
    );
  }

  async readLedgerPage(afterSeq: number, limit: number): Promise<LedgerEntryRow[]> {
    const rows = await this.db
      .selectFrom('ledger_entries')
      .selectAll()
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map(decodeLedgerRow);
  }

  async ping(): Promise<void> {
    try {
      await sql`select 1`.execute(this.db);
    } catch (error) {
      throw new AgentvisorError(
        'STORE_UNAVAILABLE',
        `PostgreSQL at ${this.location} does not answer`,
        {
          cause: error,
        },
      );
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.db.destroy();
    // kysely ends the pool only if it ever used it; the pool is ours, so end it here.
    if (!this.#pool.ended) await this.#pool.end();
  }
}

/** A connection URL with any password replaced, safe for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable database URL>';
  }
}

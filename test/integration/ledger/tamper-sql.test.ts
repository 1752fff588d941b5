/**
 * Tampering with the database behind the ledger's back, with real SQL on a separate
 * connection (a second better-sqlite3 handle on the file; a second pg client on the schema),
 * on both SQLite and PostgreSQL. Each case starts from a fresh 50-entry ledger with a checkpoint
 * every 10 entries, a file anchor in another directory and one sealed task, and asserts the
 * exact seq and kind of the first break `verifyLedger` reports.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/core/index.js';
import {
  computeEntryHash,
  type ExportedEntry,
  type ExportedKeys,
  exportEntries,
  FileAnchor,
  Keyring,
  Ledger,
  type LedgerEntry,
  SealedRecords,
  verifyExport,
  verifyLedger,
} from '../../../src/ledger/index.js';
import { generateSigningKey } from '../../../src/ledger/signature-scheme.js';
import { migrate, PostgresStore, SqliteStore, type Store } from '../../../src/store/index.js';
import {
  freshPostgresSchema,
  postgresAvailable,
  TEST_POSTGRES_URL,
  tempDir,
} from '../../support/services.js';

const hasPostgres = await postgresAvailable();

const config = configSchema.parse({ ledger: { checkpoint: { every_entries: 10 } } }).ledger;
const SIZE = 50;
/** The task's seal lands here: genesis, 24 appends, then the seal. */
const SEAL_SEQ = 26;

/** Raw SQL on a connection of its own, as an attacker with database access would have. */
interface RawSql {
  run(text: string, ...params: unknown[]): Promise<void>;
  get<T>(text: string, ...params: unknown[]): Promise<T>;
  close(): Promise<void>;
}

interface Fixture {
  store: Store;
  keyring: Keyring;
  anchor: FileAnchor;
  taskId: string;
  raw: RawSql;
  cleanup(): Promise<void>;
}

async function openDialect(
  dialect: 'sqlite' | 'postgres',
  dir: string,
): Promise<{ store: Store; raw: () => Promise<RawSql>; drop(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const file = path.join(dir, 'agentvisor.db');
    const store = await SqliteStore.open({ file });
    return {
      store,
      raw: async () => {
        const db = new BetterSqlite3(file);
        return {
          run: async (text, ...params) => {
            db.prepare(text).run(...params);
          },
          get: async <T>(text: string, ...params: unknown[]) =>
            db.prepare(text).get(...params) as T,
          close: async () => {
            db.close();
          },
        };
      },
      drop: async () => {},
    };
  }
  const { schema, drop } = await freshPostgresSchema();
  const store = await PostgresStore.open({ url: TEST_POSTGRES_URL, schema, poolSize: 4 });
  return {
    store,
    raw: async () => {
      const client = new pg.Client({
        connectionString: TEST_POSTGRES_URL,
        options: `-c search_path=${schema}`,
      });
      await client.connect();
      const numbered = (text: string) => {
        let i = 0;
        return text.replace(/\?/g, () => `$${++i}`);
      };
      return {
        run: async (text, ...params) => {
          await client.query(numbered(text), params);
        },
        get: async <T>(text: string, ...params: unknown[]) =>
          (await client.query(numbered(text), params)).rows[0] as T,
        close: () => client.end(),
      };
    },
    drop,
  };
}

async function buildFixture(dialect: 'sqlite' | 'postgres'): Promise<Fixture> {
  const data = tempDir('agentvisor-tamper-sql-');
  const elsewhere = tempDir('agentvisor-anchor-');
  const { store, raw: openRaw, drop } = await openDialect(dialect, data.dir);
  await migrate(store);
  const keyring = await Keyring.open({
    store,
    dataDir: data.dir,
    passphraseEnv: 'AGENTVISOR_TEST_UNSET_PASSPHRASE',
    keyFile: 'keys/keyring.key',
    env: {},
  });
  const anchor = new FileAnchor(path.join(elsewhere.dir, 'checkpoints.jsonl'));
  const ledger = await Ledger.open({ store, keyring, config, anchors: [anchor] });
  // Appends issued together share one commit; groups ending at multiples of 10 put a
  // checkpoint at every 10 entries while keeping the fixture fast.
  const appendRange = async (from: number, to: number) => {
    const receipts = await Promise.all(
      Array.from({ length: to - from + 1 }, (_, i) =>
        ledger.append({
          type: 'test.entry',
          actor: 'agent:worker',
          subject: `item/${from + i}`,
          payload: { n: from + i, note: `entry number ${from + i}` },
        }),
      ),
    );
    expect(receipts.map((r) => r.seq)).toEqual(
      Array.from({ length: to - from + 1 }, (_, i) => from + i),
    );
  };
  await appendRange(2, 10);
  await appendRange(11, 20);
  await appendRange(21, SEAL_SEQ - 1);
  const task = await new SealedRecords({ store, ledger }).createTask(
    { title: 'summarise the logs', description: 'weekly' },
    'human:ops',
  );
  expect(task.ledger_seq).toBe(SEAL_SEQ);
  await appendRange(SEAL_SEQ + 1, 30);
  await appendRange(31, 40);
  await appendRange(41, SIZE);
  await ledger.close();
  const raw = await openRaw();
  return {
    store,
    keyring,
    anchor,
    taskId: task.id,
    raw,
    async cleanup() {
      await raw.close();
      await store.close();
      await drop();
      data.remove();
      elsewhere.remove();
    },
  };
}

function verify(f: Fixture, anchors = [f.anchor]) {
  return verifyLedger({ store: f.store, anchors, origin: config.origin, workers: 0 });
}

async function entryHash(f: Fixture, seq: number): Promise<string> {
  const row = await f.raw.get<{ entry_hash: Uint8Array }>(
    'select entry_hash from ledger_entries where seq = ?',
    seq,
  );
  // Stored as raw bytes (BLOB / bytea).
  return Buffer.from(row.entry_hash).toString('hex');
}

/** A row for `seq` after `prevHash`, signed by a key this ledger never introduced. */
function foreignRow(seq: number, prevHash: string): LedgerEntry {
  const key = generateSigningKey('ed25519');
  const fields = {
    seq,
    id: `forged-${seq}`,
    ts: '2030-01-01T00:00:00.000Z',
    type: 'test.entry',
    actor: 'agent:intruder',
    subject: 'forged',
    payload: '{"n":-1}',
    prev_hash: prevHash,
    key_id: key.keyId,
  };
  const hash = computeEntryHash(fields);
  return {
    ...fields,
    entry_hash: hash.toString('hex'),
    signature: Buffer.from(key.sign(hash)).toString('base64'),
  };
}

async function insertRow(f: Fixture, e: LedgerEntry): Promise<void> {
  await f.raw.run(
    `insert into ledger_entries (seq, id, ts, type, actor, subject, payload, prev_hash, entry_hash, signature, key_id)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    e.seq,
    e.id,
    e.ts,
    e.type,
    e.actor,
    e.subject,
    e.payload,
    // An intruder writes what the column holds: raw bytes.
    Buffer.from(e.prev_hash, 'hex'),
    Buffer.from(e.entry_hash, 'hex'),
    Buffer.from(e.signature, 'base64'),
    e.key_id,
  );
}

async function exportJsonl(store: Store): Promise<string[]> {
  const lines: string[] = [];
  for await (const e of exportEntries(store, 7)) lines.push(JSON.stringify(e));
  return lines;
}

async function keysDocument(keyring: Keyring): Promise<ExportedKeys> {
  return {
    format: 'agentvisor-keys/1',
    origin: config.origin,
    keys: (await keyring.publicKeys()).map((k) => ({
      key_id: k.keyId,
      algorithm: k.algorithm,
      public_key: Buffer.from(k.publicKey).toString('base64'),
      created_at: k.createdAt,
      retired_at: k.retiredAt,
    })),
  };
}

const dialects = [
  { dialect: 'sqlite' as const, skip: false, label: 'SQLite' },
  {
    dialect: 'postgres' as const,
    skip: !hasPostgres,
    label: hasPostgres ? 'PostgreSQL' : `PostgreSQL (skipped: unreachable at ${TEST_POSTGRES_URL})`,
  },
];

describe.each(dialects)('SQL tampering on $label', ({ dialect, skip }) => {
  let f: Fixture;

  beforeEach(async () => {
    if (skip) return;
    f = await buildFixture(dialect);
  });

  afterEach(async () => {
    if (skip) return;
    await f.cleanup();
  });

  it.skipIf(skip)(
    'the untouched ledger verifies: entries, checkpoints, anchor and the sealed task',
    async () => {
      const stored = await f.store.db
        .selectFrom('ledger_checkpoints')
        .select('size')
        .orderBy('size')
        .execute();
      expect(stored.map((c) => Number(c.size))).toEqual([10, 20, 30, 40, 50]);
      expect((await f.anchor.list()).map((c) => c.size)).toEqual([10, 20, 30, 40, 50]);
      const report = await verify(f);
      expect(report.firstBad).toBeNull();
      expect(report.ok).toBe(true);
      expect(report.entries).toBe(SIZE);
      expect(report.size).toBe(SIZE);
      expect(report.anchors).toBe(SIZE / 10);
      // Five database checkpoints and their five anchored copies.
      expect(report.checkpoints).toBe((2 * SIZE) / 10);
      expect(report.records).toBe(1);
    },
  );

  it.skipIf(skip)('an UPDATE of a payload is "modified" at that seq', async () => {
    await f.raw.run('update ledger_entries set payload = ? where seq = ?', '{"n":999}', 23);
    const report = await verify(f);
    expect(report.ok).toBe(false);
    expect(report.firstBad).toMatchObject({ seq: 23, kind: 'modified', where: 'entry' });
  });

  it.skipIf(skip)('a DELETE of a middle row is "deleted" at that seq', async () => {
    await f.raw.run('delete from ledger_entries where seq = ?', 23);
    const report = await verify(f);
    expect(report.firstBad).toMatchObject({ seq: 23, kind: 'deleted', where: 'entry' });
  });

  it.skipIf(skip)('swapping the seqs of two rows is "reordered" at the first', async () => {
    await f.raw.run('update ledger_entries set seq = ? where seq = ?', -1, 23);
    await f.raw.run('update ledger_entries set seq = ? where seq = ?', 23, 24);
    await f.raw.run('update ledger_entries set seq = ? where seq = ?', 24, -1);
    const report = await verify(f);
    expect(report.firstBad).toMatchObject({ seq: 23, kind: 'reordered', where: 'entry' });
  });

  it.skipIf(skip)(
    'a truncation with the head row and checkpoints fixed up is caught by the anchor file',
    async () => {
      const kept = 45;
      const hash = await entryHash(f, kept);
      await f.raw.run('delete from ledger_entries where seq > ?', kept);
      await f.raw.run('update ledger_head set seq = ?, entry_hash = ? where id = 1', kept, hash);
      await f.raw.run('delete from ledger_checkpoints where size > ?', kept);
      // The database alone is now self-consistent: nothing in it proves the log was longer.
      const withoutAnchor = await verify(f, []);
      expect(withoutAnchor.firstBad).toBeNull();
      expect(withoutAnchor.entries).toBe(kept);
      const report = await verify(f);
      expect(report.firstBad).toMatchObject({ seq: kept + 1, kind: 'truncated', where: 'anchor' });
    },
  );

  it.skipIf(skip)('a row appended with a foreign Ed25519 key is "unknown_key"', async () => {
    await insertRow(f, foreignRow(SIZE + 1, await entryHash(f, SIZE)));
    const report = await verify(f);
    expect(report.firstBad).toMatchObject({ seq: SIZE + 1, kind: 'unknown_key', where: 'entry' });
  });

  it.skipIf(skip)(
    'a row inserted mid-chain with a foreign key (later seqs shifted) is "inserted"',
    async () => {
      const at = 24;
      const prev = await entryHash(f, at - 1);
      // Two steps so the primary key never collides mid-statement.
      await f.raw.run('update ledger_entries set seq = seq + 1000 where seq >= ?', at);
      await f.raw.run('update ledger_entries set seq = seq - 999 where seq >= ?', 1000);
      await insertRow(f, foreignRow(at, prev));
      const report = await verify(f);
      expect(report.firstBad).toMatchObject({ seq: at, kind: 'inserted', where: 'entry' });
    },
  );

  it.skipIf(skip)('a changed signature is "bad_signature"', async () => {
    const row = await f.raw.get<{ signature: Uint8Array }>(
      'select signature from ledger_entries where seq = ?',
      37,
    );
    const bytes = Buffer.from(row.signature);
    bytes[10] = bytes[10]! ^ 0x01;
    await f.raw.run('update ledger_entries set signature = ? where seq = ?', bytes, 37);
    const report = await verify(f);
    expect(report.firstBad).toMatchObject({ seq: 37, kind: 'bad_signature', where: 'entry' });
  });

  it.skipIf(skip)('an edited sealed task row is a "record" finding at its seal', async () => {
    await f.raw.run('update tasks set title = ? where id = ?', 'summarise nothing', f.taskId);
    const report = await verify(f);
    // The chain itself is intact; only the record no longer matches its seal.
    expect(report.entries).toBe(SIZE);
    expect(report.firstBad).toMatchObject({
      seq: SEAL_SEQ,
      kind: 'modified',
      where: 'record',
      record: { table: 'tasks', id: f.taskId },
    });
  });

  it.skipIf(skip)(
    'an export verifies standalone with the exported keys, and an edited line does not',
    async () => {
      const lines = await exportJsonl(f.store);
      expect(lines).toHaveLength(SIZE);
      const keys = await keysDocument(f.keyring);
      expect(keys.keys).toHaveLength(1);
      const checkpoints = readFileSync(f.anchor.file, 'utf8');
      const good = await verifyExport({ entries: lines.join('\n'), keys, checkpoints });
      expect(good.firstBad).toBeNull();
      expect(good.entries).toBe(SIZE);
      expect(good.checkpoints).toBe(SIZE / 10);

      const edited = [...lines];
      const line = JSON.parse(edited[29]!) as ExportedEntry;
      expect(line.seq).toBe(30);
      edited[29] = JSON.stringify({ ...line, payload: { n: 31, note: 'rewritten' } });
      const bad = await verifyExport({ entries: edited.join('\n'), keys, checkpoints });
      expect(bad.ok).toBe(false);
      expect(bad.firstBad).toMatchObject({ seq: 30, kind: 'modified', where: 'entry' });

      // Keys of another ledger are not trusted for this one's genesis.
      const strangerKey = generateSigningKey('ed25519');
      const stranger: ExportedKeys = {
        ...keys,
        keys: [
          {
            key_id: strangerKey.keyId,
            algorithm: 'ed25519',
            public_key: Buffer.from(strangerKey.publicKey).toString('base64'),
          },
        ],
      };
      const untrusted = await verifyExport({ entries: lines.join('\n'), keys: stranger });
      expect(untrusted.firstBad).toMatchObject({ seq: 1, kind: 'unknown_key' });
    },
  );
});

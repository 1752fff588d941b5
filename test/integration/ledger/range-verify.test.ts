/**
 * Range-parallel verification (worker threads, one read-only SQLite connection each) must give
 * the same report as the sequential verifier: on an intact ledger (with a key rotation, a sealed
 * task and checkpoints landing inside, at the end of and across ranges) and after each kind of
 * tampering, where it gives up and the sequential verifier names the break.
 */
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/core/index.js';
import {
  computeEntryHash,
  FileAnchor,
  Keyring,
  Ledger,
  type LedgerEntry,
  SealedRecords,
  verifyLedger,
} from '../../../src/ledger/index.js';
import { verifyRanges } from '../../../src/ledger/range-verify.js';
import { generateSigningKey } from '../../../src/ledger/signature-scheme.js';
import { migrate, SqliteStore } from '../../../src/store/index.js';
import { tempDir } from '../../support/services.js';

const config = configSchema.parse({ ledger: { checkpoint: { every_entries: 7 } } }).ledger;
const SIZE = 150;
const RANGE = 16;

interface Fixture {
  store: SqliteStore;
  anchor: FileAnchor;
  raw: BetterSqlite3.Database;
  rotationSeq: number;
  cleanup(): Promise<void>;
}

async function buildFixture(): Promise<Fixture> {
  const data = tempDir('agentvisor-range-');
  const elsewhere = tempDir('agentvisor-range-anchor-');
  const store = await SqliteStore.open({ file: path.join(data.dir, 'agentvisor.db') });
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
  const appendN = async (n: number) => {
    for (let i = 0; i < n; i += 5) {
      await Promise.all(
        Array.from({ length: Math.min(5, n - i) }, (_, j) =>
          ledger.append({
            type: 'test.entry',
            actor: 'agent:worker',
            subject: `item/${i + j} é "quoted"`,
            payload: { n: i + j, note: `entry ${i + j} ✓`, x: 1.5e-7 },
          }),
        ),
      );
    }
  };
  await appendN(40);
  await new SealedRecords({ store, ledger }).createTask(
    { title: 'summarise the logs', description: 'weekly' },
    'human:ops',
  );
  await appendN(20);
  const rotated = await ledger.rotateKey({ actor: 'human:admin', reason: 'scheduled' });
  const head = (await ledger.head()).size;
  await appendN(SIZE - head);
  await ledger.close();
  expect((await store.db.selectFrom('ledger_entries').select('seq').execute()).length).toBe(SIZE);
  const raw = new BetterSqlite3(store.location);
  return {
    store,
    anchor,
    raw,
    rotationSeq: rotated.seq,
    async cleanup() {
      raw.close();
      await store.close();
      data.remove();
      elsewhere.remove();
    },
  };
}

const sequential = (f: Fixture, anchors = [f.anchor], mode: 'full' | 'fast' = 'full') =>
  verifyLedger({ store: f.store, anchors, origin: config.origin, workers: 0, mode });
const parallel = (f: Fixture, anchors = [f.anchor], mode: 'full' | 'fast' = 'full') =>
  verifyLedger({
    store: f.store,
    anchors,
    origin: config.origin,
    workers: 2,
    mode,
    parallelFrom: 1,
    rangeEntries: RANGE,
  });

async function expectSame(f: Fixture, anchors = [f.anchor]) {
  for (const mode of ['full', 'fast'] as const) {
    const a = await sequential(f, anchors, mode);
    const b = await parallel(f, anchors, mode);
    const strip = ({ durationMs: _, ...r }: typeof a) => r;
    expect(strip(b)).toEqual(strip(a));
  }
  return sequential(f, anchors);
}

function hashOf(f: Fixture, seq: number): Buffer {
  return (
    f.raw.prepare('select entry_hash from ledger_entries where seq = ?').get(seq) as {
      entry_hash: Buffer;
    }
  ).entry_hash;
}

function foreignRow(seq: number, prevHash: Buffer): LedgerEntry {
  const key = generateSigningKey('ed25519');
  const fields = {
    seq,
    id: `forged-${seq}`,
    ts: '2030-01-01T00:00:00.000Z',
    type: 'test.entry',
    actor: 'agent:intruder',
    subject: 'forged',
    payload: '{"n":-1}',
    prev_hash: prevHash.toString('hex'),
    key_id: key.keyId,
  };
  const hash = computeEntryHash(fields);
  return {
    ...fields,
    entry_hash: hash.toString('hex'),
    signature: Buffer.from(key.sign(hash)).toString('base64'),
  };
}

function insertRow(f: Fixture, e: LedgerEntry): void {
  f.raw
    .prepare(
      'insert into ledger_entries (seq, id, ts, type, actor, subject, payload, prev_hash, entry_hash, signature, key_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    )
    .run(
      e.seq,
      e.id,
      e.ts,
      e.type,
      e.actor,
      e.subject,
      e.payload,
      Buffer.from(e.prev_hash, 'hex'),
      Buffer.from(e.entry_hash, 'hex'),
      Buffer.from(e.signature, 'base64'),
      e.key_id,
    );
}

describe('range-parallel verification (SQLite)', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await buildFixture();
  });
  afterEach(async () => {
    await f.cleanup();
  });

  it('verifies an intact ledger in parallel with the same report as the sequential verifier', async () => {
    const report = await expectSame(f);
    expect(report.ok).toBe(true);
    expect(report.entries).toBe(SIZE);
    expect(report.records).toBe(1);
    expect(report.checkpoints).toBeGreaterThan(10);
    // The parallel pass itself accepted it (no fallback), for both modes and several range sizes,
    // with every checkpoint's root rebuilt from range roots and frontiers.
    const claims = (
      await f.store.db.selectFrom('ledger_checkpoints').select(['size', 'note']).execute()
    ).map((c) => ({
      size: Number(c.size),
      note: c.note,
      where: 'checkpoint' as const,
      label: 'cp',
    }));
    expect(claims.length).toBeGreaterThan(10);
    for (const mode of ['full', 'fast'] as const) {
      for (const rangeEntries of [2, 16, 64, 256]) {
        const direct = await verifyRanges({
          file: f.store.location,
          mode,
          total: SIZE,
          to: Number.POSITIVE_INFINITY,
          claims: claims.sort((a, b) => a.size - b.size),
          origin: config.origin,
          hintKeys: (await f.store.db.selectFrom('ledger_keys').selectAll().execute()).map((k) => ({
            keyId: k.key_id,
            algorithm: 'ed25519' as const,
            publicKey: Buffer.from(k.public_key, 'base64'),
          })),
          workers: 2,
          rangeEntries,
        });
        expect(direct).toMatchObject({
          ok: true,
          entries: SIZE,
          size: SIZE,
          checkpoints: claims.length,
        });
      }
    }
  });

  it('verifies a prefix (to) like the sequential verifier', async () => {
    for (const to of [5, RANGE, RANGE + 1, 100]) {
      const a = await verifyLedger({ store: f.store, origin: config.origin, workers: 0, to });
      const b = await verifyLedger({
        store: f.store,
        origin: config.origin,
        workers: 2,
        to,
        parallelFrom: 1,
        rangeEntries: RANGE,
      });
      expect({ ...b, durationMs: 0 }).toEqual({ ...a, durationMs: 0 });
    }
  });

  it('a modified payload is "modified" at that seq', async () => {
    f.raw.prepare('update ledger_entries set payload = ? where seq = ?').run('{"n":999}', 37);
    expect((await expectSame(f)).firstBad).toMatchObject({ seq: 37, kind: 'modified' });
  });

  it('a deleted row at a range edge is "deleted"', async () => {
    f.raw.prepare('delete from ledger_entries where seq = ?').run(2 * RANGE + 1);
    expect((await expectSame(f)).firstBad).toMatchObject({ seq: 2 * RANGE + 1, kind: 'deleted' });
  });

  it('swapped rows across a range edge are "reordered"', async () => {
    const a = RANGE;
    f.raw.prepare('update ledger_entries set seq = -1 where seq = ?').run(a);
    f.raw.prepare('update ledger_entries set seq = ? where seq = ?').run(a, a + 1);
    f.raw.prepare('update ledger_entries set seq = ? where seq = -1').run(a + 1);
    expect((await expectSame(f)).firstBad).toMatchObject({ seq: a, kind: 'reordered' });
  });

  it('a flipped signature bit is "bad_signature" (full mode) and passes fast mode', async () => {
    const row = f.raw.prepare('select signature from ledger_entries where seq = ?').get(99) as {
      signature: Buffer;
    };
    row.signature[5] = row.signature[5]! ^ 0x01;
    f.raw.prepare('update ledger_entries set signature = ? where seq = ?').run(row.signature, 99);
    expect((await expectSame(f)).firstBad).toMatchObject({ seq: 99, kind: 'bad_signature' });
    expect((await parallel(f, [f.anchor], 'fast')).ok).toBe(true);
  });

  it('an entry after the rotation signed with the retired key is "bad_signature"', async () => {
    // Re-sign nothing: just name the old key on the entry after the rotation.
    const old = f.raw.prepare('select key_id from ledger_entries where seq = 1').get() as {
      key_id: string;
    };
    f.raw
      .prepare('update ledger_entries set key_id = ? where seq = ?')
      .run(old.key_id, f.rotationSeq + 1);
    const report = await expectSame(f);
    expect(report.firstBad?.seq).toBe(f.rotationSeq + 1);
  });

  it('a row appended with a foreign key is "unknown_key"; one inserted mid-chain is "inserted"', async () => {
    insertRow(f, foreignRow(SIZE + 1, hashOf(f, SIZE)));
    expect((await expectSame(f)).firstBad).toMatchObject({ seq: SIZE + 1, kind: 'unknown_key' });
    f.raw.prepare('delete from ledger_entries where seq = ?').run(SIZE + 1);
    const at = 50;
    const prev = hashOf(f, at - 1);
    f.raw.prepare('update ledger_entries set seq = seq + 1000 where seq >= ?').run(at);
    f.raw.prepare('update ledger_entries set seq = seq - 999 where seq >= ?').run(1000);
    insertRow(f, foreignRow(at, prev));
    expect((await expectSame(f)).firstBad).toMatchObject({ seq: at, kind: 'inserted' });
  });

  it('a truncation with the head row and checkpoints fixed up is caught by the anchor', async () => {
    const kept = 3 * RANGE + 3;
    const hash = hashOf(f, kept);
    f.raw.prepare('delete from ledger_entries where seq > ?').run(kept);
    f.raw.prepare('update ledger_head set seq = ?, entry_hash = ? where id = 1').run(kept, hash);
    f.raw.prepare('delete from ledger_checkpoints where size > ?').run(kept);
    expect((await expectSame(f, [])).firstBad).toBeNull();
    expect((await expectSame(f)).firstBad).toMatchObject({ seq: kept + 1, kind: 'truncated' });
  });

  it('a checkpoint note rewritten in the table is judged like the sequential verifier', async () => {
    const cp = f.raw
      .prepare('select size, note from ledger_checkpoints order by size limit 1 offset 3')
      .get() as { size: number; note: string };
    f.raw
      .prepare('update ledger_checkpoints set note = ? where size = ?')
      .run(cp.note.replace(/\n\d+\n/, `\n${cp.size + 1}\n`), cp.size);
    expect((await expectSame(f)).ok).toBe(false);
  });

  it('hashes rewritten as text, and a mangled key table, give the sequential answer', async () => {
    f.raw
      .prepare('update ledger_entries set prev_hash = lower(hex(prev_hash)) where seq = ?')
      .run(60);
    await expectSame(f);
    f.raw.prepare("update ledger_keys set public_key = 'AAAA'").run();
    await expectSame(f);
    f.raw.prepare('delete from ledger_keys').run();
    expect((await expectSame(f)).ok).toBe(true);
  });
});

/**
 * Checkpoints written on time as well as on count, published to a file anchor, verifiable as
 * C2SP signed notes; RSA-PSS keys end to end; rotation entries signed by the outgoing key.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema, type LedgerConfig } from '../../../src/core/index.js';
import {
  FileAnchor,
  Keyring,
  Ledger,
  listEntries,
  parseCheckpointBody,
  parseSignedNote,
  verifyLedger,
} from '../../../src/ledger/index.js';
import { migrate, SqliteStore } from '../../../src/store/index.js';
import { tempDir } from '../../support/services.js';

async function open(
  dir: string,
  ledgerConfig: Partial<Record<string, unknown>>,
  anchorFile?: string,
) {
  const store = await SqliteStore.open({ file: path.join(dir, 'a.db') });
  await migrate(store);
  const keyring = await Keyring.open({
    store,
    dataDir: dir,
    passphraseEnv: 'AGENTVISOR_TEST_UNSET',
    keyFile: 'k.key',
    env: {},
  });
  const config: LedgerConfig = configSchema.parse({ ledger: ledgerConfig }).ledger;
  const anchors = anchorFile === undefined ? [] : [new FileAnchor(anchorFile)];
  const ledger = await Ledger.open({ store, keyring, config, anchors, timers: true });
  return { store, keyring, ledger, anchors, config };
}

describe('checkpoints and keys', () => {
  let tmp: ReturnType<typeof tempDir>;
  let anchorDir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
    anchorDir = tempDir();
  });
  afterEach(() => {
    tmp.remove();
    anchorDir.remove();
  });

  it('writes a timed checkpoint without reaching the entry count, and publishes it to the anchor', async () => {
    const anchorFile = path.join(anchorDir.dir, 'checkpoints.jsonl');
    const { store, ledger, config } = await open(
      tmp.dir,
      { checkpoint: { every_entries: 1_000_000, every_seconds: 1 } },
      anchorFile,
    );
    for (let i = 0; i < 5; i++)
      await ledger.append({ type: 'test.entry', actor: 'human:t', payload: { i } });
    // Poll (no wall-clock assertion): the timer fires within a couple of its periods.
    for (let i = 0; i < 100 && (await ledger.latestCheckpoint()) === undefined; i++)
      await new Promise((r) => setTimeout(r, 100));
    const cp = await ledger.latestCheckpoint();
    expect(cp?.size).toBe(6);
    for (
      let i = 0;
      i < 50 && !readFileSync(anchorFile, { encoding: 'utf8', flag: 'a+' }).includes('"size":6');
      i++
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const anchored = readFileSync(anchorFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { size: number; note: string });
    expect(anchored.map((a) => a.size)).toContain(6);
    const body = parseCheckpointBody(parseSignedNote(anchored[0]!.note).body);
    expect(body.origin).toBe(config.origin);
    expect(Buffer.from(body.rootHash).toString('hex')).toBe(cp!.rootHash);
    await ledger.close();
    const report = await verifyLedger({
      store,
      anchors: [new FileAnchor(anchorFile)],
      origin: config.origin,
    });
    expect(report).toMatchObject({ ok: true, anchors: 1 });
    await store.close();
  });

  it('signs with RSA-PSS-2048 when configured, rotates, and detects a bad RSA signature', async () => {
    const { store, ledger, config } = await open(tmp.dir, {
      signature: 'rsa-pss-2048',
      checkpoint: { every_entries: 4 },
    });
    for (let i = 0; i < 5; i++)
      await ledger.append({ type: 'test.entry', actor: 'human:t', payload: { i } });
    const rotated = await ledger.rotateKey({ actor: 'human:admin', reason: 'scheduled' });
    expect(rotated.keyId).not.toBe(rotated.previousKeyId);
    await ledger.append({ type: 'test.entry', actor: 'human:t', payload: { after: true } });
    await ledger.close();
    const entries = await listEntries(store, { limit: 100 });
    expect(entries.every((e) => e.key_id.startsWith('rsapss:'))).toBe(true);
    const rotation = entries.find((e) => e.seq === rotated.seq)!;
    expect(rotation.key_id).toBe(rotated.previousKeyId);
    expect(entries.at(-1)!.key_id).toBe(rotated.keyId);
    expect((await verifyLedger({ store, origin: config.origin })).ok).toBe(true);

    const sig = Buffer.from(entries[2]!.signature, 'base64');
    sig[10] = sig[10]! ^ 0xff;
    store.raw
      .prepare('update ledger_entries set signature = ? where seq = ?')
      .run(sig, entries[2]!.seq);
    expect((await verifyLedger({ store, origin: config.origin })).firstBad).toMatchObject({
      seq: entries[2]!.seq,
      kind: 'bad_signature',
    });
    await store.close();
  });

  it('refuses an entry signed by a key the chain never introduced, even if it is in the keys table', async () => {
    const { store, keyring, ledger, config } = await open(tmp.dir, {});
    await ledger.append({ type: 'test.entry', actor: 'human:t', payload: {} });
    await ledger.close();
    // An attacker with database access adds their own key and signs a forged entry with it.
    const { generateSigningKey } = await import('../../../src/ledger/signature-scheme.js');
    const { computeEntryHash, GENESIS_PREV_HASH } = await import('../../../src/ledger/index.js');
    const evil = generateSigningKey('ed25519');
    await store.db
      .insertInto('ledger_keys')
      .values(keyring.rowFor(evil, new Date().toISOString()))
      .execute();
    const last = (await listEntries(store, { order: 'desc', limit: 1 }))[0]!;
    const fields = {
      seq: last.seq + 1,
      id: '01900000-0000-7000-8000-000000000000',
      ts: new Date().toISOString(),
      type: 'test.entry',
      actor: 'human:mallory',
      subject: '',
      payload: '{}',
      prev_hash: last.entry_hash,
      key_id: evil.keyId,
    };
    const hash = computeEntryHash(fields);
    expect(GENESIS_PREV_HASH).toHaveLength(64);
    store.raw
      .prepare(
        'insert into ledger_entries (seq,id,ts,type,actor,subject,payload,prev_hash,entry_hash,signature,key_id) values (?,?,?,?,?,?,?,?,?,?,?)',
      )
      .run(
        fields.seq,
        fields.id,
        fields.ts,
        fields.type,
        fields.actor,
        fields.subject,
        fields.payload,
        Buffer.from(fields.prev_hash, 'hex'),
        hash,
        Buffer.from(evil.sign(hash)),
        evil.keyId,
      );
    const report = await verifyLedger({ store, origin: config.origin });
    expect(report.firstBad).toMatchObject({ seq: last.seq + 1, kind: 'unknown_key' });
    await store.close();
  });
});

describe('closing with appends still queued', () => {
  it('flushes appends nobody awaited (read-operation records) and closes', async () => {
    const tmp = tempDir();
    try {
      const { store, ledger } = await open(tmp.dir, {});
      const pending = [1, 2, 3].map((i) =>
        ledger.append({ type: 'test.entry', actor: 'human:t', payload: { i } }),
      );
      // close() before the group commit's setImmediate has run: must not spin or hang.
      await ledger.close({ checkpoint: false });
      expect((await Promise.all(pending)).map((r) => r.seq)).toEqual([2, 3, 4]);
      await store.close();
    } finally {
      tmp.remove();
    }
  });
});

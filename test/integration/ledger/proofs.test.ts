/**
 * Inclusion and consistency proofs served from the database verify against the roots in the
 * ledger's own signed checkpoints, the way an auditor holding only checkpoints would check them.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/core/index.js';
import {
  Keyring,
  Ledger,
  parseCheckpointBody,
  parseSignedNote,
  proveConsistency,
  proveInclusion,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/ledger/index.js';
import { migrate, SqliteStore } from '../../../src/store/index.js';
import { tempDir } from '../../support/services.js';

const hex = (h: string) => Buffer.from(h, 'hex');

describe('proofs against signed checkpoints', () => {
  const tmp = tempDir();
  let store: SqliteStore;
  const roots = new Map<number, string>();

  beforeAll(async () => {
    store = await SqliteStore.open({ file: path.join(tmp.dir, 'a.db') });
    await migrate(store);
    const keyring = await Keyring.open({
      store,
      dataDir: tmp.dir,
      passphraseEnv: 'UNSET_FOR_TEST',
      keyFile: 'k.key',
      env: {},
    });
    const config = configSchema.parse({ ledger: { checkpoint: { every_entries: 7 } } }).ledger;
    const ledger = await Ledger.open({ store, keyring, config });
    for (let i = 0; i < 40; i++)
      await ledger.append({ type: 'test.entry', actor: 'human:t', payload: { i } });
    await ledger.close();
    const rows = await store.db.selectFrom('ledger_checkpoints').select(['size', 'note']).execute();
    for (const r of rows) {
      const body = parseCheckpointBody(parseSignedNote(r.note).body);
      roots.set(Number(r.size), Buffer.from(body.rootHash).toString('hex'));
    }
  });
  afterAll(async () => {
    await store.close();
    tmp.remove();
  });

  it('has several checkpoints to prove against', () => {
    expect(roots.size).toBeGreaterThanOrEqual(5);
  });

  it('proves every entry included in every checkpoint that covers it', async () => {
    for (const [size, root] of roots) {
      for (const seq of [1, Math.ceil(size / 2), size]) {
        const p = await proveInclusion(store, seq, size);
        expect(p.rootHash).toBe(root);
        expect(
          verifyInclusion({
            leafHash: hex(p.leafHash),
            index: p.leafIndex,
            treeSize: size,
            proof: p.proof.map(hex),
            root: hex(root),
          }),
        ).toBe(true);
        // The same proof does not hold for another entry.
        const other = await proveInclusion(store, seq === 1 ? 2 : 1, size);
        expect(
          verifyInclusion({
            leafHash: hex(other.leafHash),
            index: p.leafIndex,
            treeSize: size,
            proof: p.proof.map(hex),
            root: hex(root),
          }),
        ).toBe(false);
      }
    }
  });

  it('proves each checkpoint consistent with every later one', async () => {
    const sizes = [...roots.keys()].sort((a, b) => a - b);
    for (let i = 0; i < sizes.length; i++) {
      for (let j = i + 1; j < sizes.length; j++) {
        const [a, b] = [sizes[i]!, sizes[j]!];
        const p = await proveConsistency(store, a, b);
        expect([p.oldRoot, p.newRoot]).toEqual([roots.get(a), roots.get(b)]);
        expect(
          verifyConsistency({
            oldSize: a,
            newSize: b,
            oldRoot: hex(roots.get(a)!),
            newRoot: hex(roots.get(b)!),
            proof: p.proof.map(hex),
          }),
          `${a} -> ${b}`,
        ).toBe(true);
      }
    }
  });

  it('refuses proofs outside the log with a clear error', async () => {
    await expect(proveInclusion(store, 0)).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(proveInclusion(store, 10_000)).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(proveConsistency(store, 50, 20)).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});

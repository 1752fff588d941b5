/**
 * Property tests of tamper classification. One real signed chain (SQLite in a temp dir, 60
 * entries, a key rotation in the middle, a checkpoint every 10 entries) is built once; each
 * property tampers with an in-memory copy and checks that the verifier names the first bad
 * seq and the kind of break exactly.
 */
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/core/index.js';
import {
  arrayEntrySource,
  canonicalJson,
  computeEntryHash,
  ENTRY_TYPES,
  GENESIS_PREV_HASH,
  Keyring,
  Ledger,
  type LedgerEntry,
  listEntries,
  type SizeClaim,
  type VerifyReport,
  verifyEntries,
} from '../../../src/ledger/index.js';
import { migrate, SqliteStore } from '../../../src/store/index.js';
import { tempDir } from '../../support/services.js';

const config = configSchema.parse({ ledger: { checkpoint: { every_entries: 10 } } }).ledger;
const origin = config.origin;
const CHAIN_LENGTH = 60;
/** Seq of the key rotation entry (genesis + 30 appends, then the rotation). */
const ROTATION_SEQ = 32;

let entries: readonly LedgerEntry[] = [];
let checkpointClaims: readonly SizeClaim[] = [];
let oldKeyId = '';
let newKeyId = '';

beforeAll(async () => {
  const tmp = tempDir('agentvisor-tamper-prop-');
  try {
    const store = await SqliteStore.open({ file: path.join(tmp.dir, 'agentvisor.db') });
    try {
      await migrate(store);
      const keyring = await Keyring.open({
        store,
        dataDir: tmp.dir,
        passphraseEnv: 'AGENTVISOR_TEST_UNSET_PASSPHRASE',
        keyFile: 'keys/keyring.key',
        env: {},
      });
      const ledger = await Ledger.open({ store, keyring, config });
      oldKeyId = ledger.keyId;
      for (let seq = 2; seq <= CHAIN_LENGTH; seq++) {
        if (seq === ROTATION_SEQ) {
          newKeyId = (await ledger.rotateKey({ actor: 'human:ops', reason: 'scheduled' })).keyId;
          continue;
        }
        const receipt = await ledger.append({
          type: seq % 3 === 0 ? 'test.entry' : 'test.other_entry',
          actor: `agent:a${seq % 5}`,
          subject: `subject/${seq}`,
          payload: { n: seq, text: `héllo "${seq}"`, list: [seq, true, null], nested: { k: 'v' } },
        });
        expect(receipt.seq).toBe(seq);
      }
      await ledger.close();
      entries = Object.freeze(
        (await listEntries(store, { limit: 1000 })).map((e) => Object.freeze({ ...e })),
      );
      const rows = await store.db
        .selectFrom('ledger_checkpoints')
        .select(['size', 'note'])
        .orderBy('size')
        .execute();
      checkpointClaims = rows.map((r) => ({
        size: Number(r.size),
        note: r.note,
        where: 'checkpoint' as const,
        label: `checkpoint ${r.size}`,
      }));
    } finally {
      await store.close();
    }
  } finally {
    tmp.remove();
  }
});

afterAll(() => {
  entries = [];
});

function verify(
  log: readonly LedgerEntry[],
  claims: readonly SizeClaim[] = checkpointClaims,
): Promise<VerifyReport> {
  return verifyEntries(arrayEntrySource(log), { claims, origin, workers: 0 });
}

function entryAt(seq: number): LedgerEntry {
  const e = entries[seq - 1];
  if (e === undefined) throw new Error(`no entry ${seq}`);
  return e;
}

/** The key that must sign the entry at `seq`: the rotation entry is signed by the outgoing key. */
function signingKeyAt(seq: number): string {
  return seq <= ROTATION_SEQ ? oldKeyId : newKeyId;
}

/** Flips one bit of one UTF-16 code unit; the result always differs from the input. */
function flipChar(text: string, position: number, bit: number): string {
  const i = position % text.length;
  const flipped = String.fromCharCode(text.charCodeAt(i) ^ (1 << bit));
  return text.slice(0, i) + flipped + text.slice(i + 1);
}

const TEXT_FIELDS = [
  'type',
  'actor',
  'subject',
  'payload',
  'ts',
  'id',
  'prev_hash',
  'entry_hash',
  'key_id',
  'signature',
] as const;

const seqArb = () => fc.integer({ min: 1, max: CHAIN_LENGTH });

describe('the fixture chain', () => {
  it('is a real signed chain with checkpoints and a key rotation', () => {
    expect(entries).toHaveLength(CHAIN_LENGTH);
    expect(entries.map((e) => e.seq)).toEqual(
      Array.from({ length: CHAIN_LENGTH }, (_, i) => i + 1),
    );
    expect(entryAt(1).type).toBe(ENTRY_TYPES.genesis);
    expect(entryAt(1).prev_hash).toBe(GENESIS_PREV_HASH);
    expect(entryAt(ROTATION_SEQ).type).toBe(ENTRY_TYPES.keyRotated);
    expect(newKeyId).not.toBe(oldKeyId);
    expect(entryAt(ROTATION_SEQ).key_id).toBe(oldKeyId);
    expect(entryAt(ROTATION_SEQ + 1).key_id).toBe(newKeyId);
    expect(checkpointClaims.map((c) => c.size)).toEqual([10, 20, 30, 40, 50, 60]);
    for (const field of TEXT_FIELDS) {
      for (const e of entries) expect(e[field].length).toBeGreaterThan(0);
    }
  });

  it('verifies untouched, checking every entry, signature and checkpoint', async () => {
    const report = await verify(entries);
    expect(report.firstBad).toBeNull();
    expect(report.ok).toBe(true);
    expect(report.entries).toBe(CHAIN_LENGTH);
    expect(report.size).toBe(CHAIN_LENGTH);
    expect(report.checkpoints).toBe(checkpointClaims.length);
  });

  it('any prefix verifies against the claims it covers', async () => {
    await fc.assert(
      fc.asyncProperty(seqArb(), async (size) => {
        const report = await verify(
          entries.slice(0, size),
          checkpointClaims.filter((c) => c.size <= size),
        );
        expect(report.firstBad).toBeNull();
        expect(report.entries).toBe(size);
      }),
      { numRuns: 30 },
    );
  });
});

describe('tampering is detected at the right seq with the right kind', () => {
  it('a flipped character in any field of any entry', async () => {
    await fc.assert(
      fc.asyncProperty(
        seqArb(),
        fc.constantFrom(...TEXT_FIELDS),
        fc.nat(),
        fc.integer({ min: 0, max: 6 }),
        async (seq, field, position, bit) => {
          const original = entryAt(seq);
          const value = flipChar(original[field], position, bit);
          expect(value).not.toBe(original[field]);
          const copy = [...entries];
          copy[seq - 1] = { ...original, [field]: value };
          const report = await verify(copy);
          expect(report.ok).toBe(false);
          expect(report.firstBad).toMatchObject({
            seq,
            kind: field === 'signature' ? 'bad_signature' : 'modified',
            where: 'entry',
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a flipped bit in the decoded signature bytes', async () => {
    await fc.assert(
      fc.asyncProperty(seqArb(), fc.nat(), fc.integer({ min: 0, max: 7 }), async (seq, at, bit) => {
        const original = entryAt(seq);
        const bytes = Buffer.from(original.signature, 'base64');
        bytes[at % bytes.length] = bytes[at % bytes.length]! ^ (1 << bit);
        const copy = [...entries];
        copy[seq - 1] = { ...original, signature: bytes.toString('base64') };
        const report = await verify(copy);
        expect(report.firstBad).toMatchObject({ seq, kind: 'bad_signature', where: 'entry' });
      }),
    );
  });

  it('a payload edited into other valid canonical JSON', async () => {
    await fc.assert(
      fc.asyncProperty(seqArb(), fc.jsonValue(), async (seq, value) => {
        const original = entryAt(seq);
        const payload = canonicalJson(value);
        fc.pre(payload !== original.payload);
        const copy = [...entries];
        copy[seq - 1] = { ...original, payload };
        const report = await verify(copy);
        expect(report.firstBad).toMatchObject({ seq, kind: 'modified', where: 'entry' });
      }),
      { numRuns: 50 },
    );
  });

  it('a deleted entry, with or without renumbering the entries after it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: CHAIN_LENGTH - 1 }),
        fc.boolean(),
        async (k, renumber) => {
          const after = entries.slice(k).map((e) => (renumber ? { ...e, seq: e.seq - 1 } : e));
          const copy = [...entries.slice(0, k - 1), ...after];
          expect(copy).toHaveLength(CHAIN_LENGTH - 1);
          const report = await verify(copy);
          expect(report.firstBad).toMatchObject({ seq: k, kind: 'deleted', where: 'entry' });
        },
      ),
    );
  });

  it('deleting the last entry is a truncation when a claim covers it, and invisible otherwise', async () => {
    const copy = entries.slice(0, -1);
    const claimed = await verify(copy);
    expect(claimed.firstBad).toMatchObject({
      seq: CHAIN_LENGTH,
      kind: 'truncated',
      where: 'checkpoint',
    });
    // Without a claim of the full size a shorter log is indistinguishable from an honest one.
    const unclaimed = await verify(
      copy,
      checkpointClaims.filter((c) => c.size < CHAIN_LENGTH),
    );
    expect(unclaimed.firstBad).toBeNull();
  });

  it('two adjacent entries swapped (seqs swapped too, so seq order is kept)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: CHAIN_LENGTH - 1 }), async (k) => {
        const a = entryAt(k);
        const b = entryAt(k + 1);
        const copy = [...entries];
        copy[k - 1] = { ...b, seq: a.seq };
        copy[k] = { ...a, seq: b.seq };
        const report = await verify(copy);
        expect(report.firstBad).toMatchObject({ seq: k, kind: 'reordered', where: 'entry' });
      }),
    );
  });

  it('a forged entry inserted with a correct link and hash but a random signature', async () => {
    await fc.assert(
      fc.asyncProperty(
        seqArb(),
        fc.boolean(),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.jsonValue(),
        fc.string({ minLength: 1, maxLength: 20 }),
        async (k, currentKey, signature, payloadValue, actor) => {
          const fields = {
            seq: k,
            id: `forged-${k}`,
            ts: new Date(Date.UTC(2030, 0, 1)).toISOString(),
            type: 'test.entry',
            actor,
            subject: 'forged',
            payload: canonicalJson(payloadValue),
            prev_hash: k === 1 ? GENESIS_PREV_HASH : entryAt(k - 1).entry_hash,
            // The key that should sign here, or the other one of this chain.
            key_id: currentKey
              ? signingKeyAt(k)
              : signingKeyAt(k) === oldKeyId
                ? newKeyId
                : oldKeyId,
          };
          const forged: LedgerEntry = {
            ...fields,
            entry_hash: computeEntryHash(fields).toString('hex'),
            signature: Buffer.from(signature).toString('base64'),
          };
          const copy = [
            ...entries.slice(0, k - 1),
            forged,
            ...entries.slice(k - 1).map((e) => ({ ...e, seq: e.seq + 1 })),
          ];
          expect(copy).toHaveLength(CHAIN_LENGTH + 1);
          const report = await verify(copy);
          expect(report.firstBad).toMatchObject({ seq: k, kind: 'inserted', where: 'entry' });
        },
      ),
    );
  });

  it('the last n entries truncated while a checkpoint, anchor or head claims the full size', async () => {
    const full = checkpointClaims.at(-1)!;
    expect(full.size).toBe(CHAIN_LENGTH);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: CHAIN_LENGTH }),
        fc.constantFrom('checkpoint', 'anchor', 'head'),
        async (n, where) => {
          const kept = CHAIN_LENGTH - n;
          const claims: SizeClaim[] = checkpointClaims.filter((c) => c.size <= kept);
          if (where === 'head') {
            claims.push({ size: CHAIN_LENGTH, where: 'head', label: 'the chain head row' });
          } else {
            claims.push({ ...full, where, label: `${where} copy` });
          }
          const report = await verify(entries.slice(0, kept), claims);
          expect(report.firstBad).toMatchObject({ seq: kept + 1, kind: 'truncated', where });
        },
      ),
    );
  });
});

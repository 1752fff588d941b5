/**
 * C2SP tlog-witness anchors against a local witness written from the spec (its own Ed25519 key,
 * its own request parsing, RFC 6962 consistency checks): cosignatures verify; a tampered
 * checkpoint's cosignature fails; a 409 old-size mismatch is resolved by proving from the size
 * the witness knows; refusals and a witness that is down are reported without touching the
 * ledger's write path.
 */
import { generateKeyPairSync } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema, type LedgerConfig, validateConfig } from '../../../src/core/index.js';
import {
  type Anchor,
  anchorsFromConfig,
  COSIGNATURE_V1_TYPE,
  cosignatureTimestamp,
  FileAnchor,
  formatVerifierKey,
  Keyring,
  Ledger,
  NOTE_ALG_ED25519,
  parseCosignerKey,
  parseSignedNote,
  Rfc3161Anchor,
  timestampTrustFromPem,
  verifyAnchorProofs,
  verifyCosignedNote,
  verifyLedger,
  WitnessAnchor,
} from '../../../src/ledger/index.js';
import { migrate, SqliteStore, type Store } from '../../../src/store/index.js';
import { deadUrl, makeTsaPki, opensslAvailable, startLocalTsa } from '../../support/local-tsa.js';
import { type LocalWitness, startLocalWitness } from '../../support/local-witness.js';
import { tempDir } from '../../support/services.js';

const ORIGIN = 'agentvisor.test/ledger';
const WITNESS = 'witness.test/w1';

interface Fixture {
  readonly dir: string;
  readonly store: Store;
  readonly ledger: Ledger;
  readonly logVkey: string;
  readonly errors: Array<{ error: unknown; context: string }>;
}

async function openLedger(
  dir: string,
  everyEntries = 1000,
): Promise<Omit<Fixture, 'ledger'> & { open(anchors: Anchor[]): Promise<Ledger> }> {
  const store = await SqliteStore.open({ file: path.join(dir, 'a.db') });
  await migrate(store);
  const keyring = await Keyring.open({
    store,
    dataDir: dir,
    passphraseEnv: 'AGENTVISOR_TEST_UNSET',
    keyFile: 'k.key',
    env: {},
  });
  const config: LedgerConfig = configSchema.parse({
    ledger: { origin: ORIGIN, checkpoint: { every_entries: everyEntries } },
  }).ledger;
  const errors: Fixture['errors'] = [];
  // Open once to create the genesis key, so the witness can be told the log's verifier key.
  await (await Ledger.open({ store, keyring, config })).close({ checkpoint: false });
  const [key] = await keyring.publicKeys();
  const logVkey = formatVerifierKey(ORIGIN, key!.publicKey, NOTE_ALG_ED25519);
  return {
    dir,
    store,
    logVkey,
    errors,
    open: (anchors) =>
      Ledger.open({
        store,
        keyring,
        config,
        anchors,
        onBackgroundError: (error, context) => errors.push({ error, context }),
      }),
  };
}

async function append(ledger: Ledger, n: number) {
  for (let i = 0; i < n; i++)
    await ledger.append({ type: 'test.entry', actor: 'human:t', payload: { i } });
}

/** A witness anchor built from config, as the system builds it; `sub` picks its data dir. */
function witnessAnchor(
  f: { dir: string; store: Store },
  witness: { url: string; vkey: string; name: string },
  sub = 'main',
): WitnessAnchor {
  const [anchor] = anchorsFromConfig(
    [
      {
        type: 'witness',
        url: witness.url,
        name: witness.name,
        public_key: witness.vkey,
        timeout_ms: 5000,
      },
    ],
    path.join(f.dir, sub),
    { store: f.store },
  );
  return anchor as WitnessAnchor;
}

describe('witness anchor with a local C2SP witness', () => {
  let tmp: ReturnType<typeof tempDir>;
  let witness: LocalWitness | undefined;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(async () => {
    await witness?.close();
    witness = undefined;
    tmp.remove();
  });

  it('gets each checkpoint cosigned with a consistency proof, and the cosignatures verify', async () => {
    const f = await openLedger(tmp.dir);
    witness = await startLocalWitness({ name: WITNESS, logs: { [ORIGIN]: f.logVkey } });
    const anchor = witnessAnchor(f, witness);
    const ledger = await f.open([anchor]);
    await append(ledger, 4);
    const first = await ledger.checkpoint();
    await append(ledger, 7);
    const second = await ledger.checkpoint();
    await append(ledger, 2);
    const third = await ledger.checkpoint();
    expect(witness.statuses).toEqual([200, 200, 200]);
    expect(witness.sizeOf(ORIGIN)).toBe(third!.size);

    const records = await anchor.cosigned();
    expect(records.map((r) => r.size)).toEqual([first!.size, second!.size, third!.size]);
    // Only our witness's line is kept: the other key's line in the answer is ignored.
    expect(records.every((r) => r.cosignatures.length === 1)).toBe(true);
    const [cosigned] = await anchor.list();
    const check = verifyCosignedNote(cosigned!.note, parseCosignerKey(witness.vkey));
    expect(check.ok).toBe(true);
    expect(Math.abs((check.ok ? check.timestamp : 0) - Date.now() / 1000)).toBeLessThan(60);

    expect(await anchor.verifyProofs()).toMatchObject({
      ok: true,
      type: 'witness',
      checked: 3,
      latest: { size: third!.size },
    });
    // The cosigned notes are still our signed checkpoints: the ledger verifier accepts them.
    expect(await verifyLedger({ store: f.store, anchors: [anchor], origin: ORIGIN })).toMatchObject(
      {
        ok: true,
        anchors: 3,
      },
    );
    await ledger.close({ checkpoint: false });
    await f.store.close();
  });

  it("fails a tampered checkpoint's cosignature, and a forged one", async () => {
    const f = await openLedger(tmp.dir);
    witness = await startLocalWitness({ name: WITNESS, logs: { [ORIGIN]: f.logVkey } });
    const anchor = witnessAnchor(f, witness);
    const ledger = await f.open([anchor]);
    await append(ledger, 3);
    await ledger.checkpoint();
    await append(ledger, 3);
    await ledger.checkpoint();
    await ledger.close({ checkpoint: false });

    const file = anchor.file;
    const original = readFileSync(file, 'utf8');
    const records = original
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { size: number; note: string; cosignatures: string[] });
    // Rewrite the second checkpoint's root hash (line 3 of the note).
    const lines = records[1]!.note.split('\n');
    lines[2] = Buffer.alloc(32, 9).toString('base64');
    records[1]!.note = lines.join('\n');
    writeFileSync(file, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
    const report = await anchor.verifyProofs();
    expect(report).toMatchObject({ ok: false, checked: 2 });
    expect(report.failures).toEqual([
      {
        size: records[1]!.size,
        kind: 'bad_signature',
        reason: expect.stringMatching(/does not verify over this checkpoint/),
      },
    ]);
    const ledgerReport = await verifyLedger({ store: f.store, anchors: [anchor], origin: ORIGIN });
    expect(ledgerReport.firstBad).toMatchObject({ where: 'anchor', seq: records[1]!.size });

    // A cosignature moved onto another checkpoint fails too.
    writeFileSync(file, original);
    const swapped = original
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { cosignatures: string[] });
    [swapped[0]!.cosignatures, swapped[1]!.cosignatures] = [
      swapped[1]!.cosignatures,
      swapped[0]!.cosignatures,
    ];
    writeFileSync(file, `${swapped.map((r) => JSON.stringify(r)).join('\n')}\n`);
    const [moved] = await verifyAnchorProofs([anchor]);
    expect(moved!.failures.map((x) => x.kind)).toEqual(['bad_signature', 'bad_signature']);

    // At publish time, a cosignature from another key under the witness's name is refused.
    writeFileSync(file, original);
    const ledger2 = await f.open([anchor]);
    witness.signWith(generateKeyPairSync('ed25519').privateKey);
    await append(ledger2, 1);
    await expect(ledger2.checkpoint()).rejects.toThrow(/does not verify/);
    expect((await anchor.cosigned()).length).toBe(2);
    await ledger2.close({ checkpoint: false });
    await f.store.close();
  });

  it('resolves a 409 old-size mismatch by proving from the size the witness knows', async () => {
    const f = await openLedger(tmp.dir);
    witness = await startLocalWitness({ name: WITNESS, logs: { [ORIGIN]: f.logVkey } });
    const a = witnessAnchor(f, witness, 'a');
    const ledger = await f.open([a]);
    await append(ledger, 5);
    const first = await ledger.checkpoint();
    await ledger.close({ checkpoint: false });

    // A second client with no journal (a new node, a lost file) starts from old size 0.
    const b = witnessAnchor(f, witness, 'b');
    const ledger2 = await f.open([b]);
    await append(ledger2, 3);
    const second = await ledger2.checkpoint();
    expect(witness.statuses).toEqual([200, 409, 200]);
    expect(witness.sizeOf(ORIGIN)).toBe(second!.size);
    expect((await b.cosigned()).map((r) => r.size)).toEqual([second!.size]);
    expect(second!.size).toBeGreaterThan(first!.size);

    // A response lost on the way: the witness cosigned, we did not hear. The next checkpoint
    // still claims the old size, gets 409 with the lost one, and proves from there.
    witness.loseResponses(1);
    await append(ledger2, 2);
    await expect(ledger2.checkpoint()).rejects.toThrow(/HTTP 500/);
    expect(b.lastFailure?.message).toMatch(/HTTP 500/);
    await append(ledger2, 2);
    const fourth = await ledger2.checkpoint();
    expect(witness.statuses.slice(3)).toEqual([500, 409, 200]);
    expect(witness.sizeOf(ORIGIN)).toBe(fourth!.size);
    expect(b.lastFailure).toBeUndefined();
    expect((await b.verifyProofs()).ok).toBe(true);
    await ledger2.close({ checkpoint: false });
    await f.store.close();
  });

  it('reports refusals clearly: unknown log, a bad proof, a witness that is down', async () => {
    const f = await openLedger(tmp.dir, 3);
    witness = await startLocalWitness({ name: WITNESS, logs: {} });
    const unknown = witnessAnchor(f, witness, 'unknown');
    await expect(unknown.publish({ size: 1, note: (await firstNote(f)).note })).rejects.toThrow(
      /does not know this log's origin \(404\)/,
    );
    await witness.close();

    witness = await startLocalWitness({ name: WITNESS, logs: { [ORIGIN]: f.logVkey } });
    const liar = new WitnessAnchor({
      url: witness.url,
      publicKey: witness.vkey,
      file: path.join(f.dir, 'liar.jsonl'),
      prover: async () => [Buffer.alloc(32, 1)],
    });
    const ledger = await f.open([]);
    await append(ledger, 2);
    const cp1 = await ledger.checkpoint();
    await append(ledger, 2);
    const cp2 = await ledger.checkpoint();
    await ledger.close({ checkpoint: false });
    await liar.publish(cp1!);
    await expect(liar.publish(cp2!)).rejects.toThrow(
      /rejected the consistency proof from size \d+ \(422\)/,
    );

    // Down: the checkpoint is written by the append that reached every_entries; the failure
    // goes to the background error handler, not to the appender.
    const down = new WitnessAnchor({
      url: await deadUrl(''),
      publicKey: witness.vkey,
      file: path.join(f.dir, 'down.jsonl'),
      prover: async () => [],
    });
    const ledger2 = await f.open([down]);
    const before = (await ledger2.latestCheckpoint())!.size;
    await append(ledger2, 3);
    for (let i = 0; i < 200 && f.errors.length === 0; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect((await ledger2.latestCheckpoint())!.size).toBeGreaterThan(before);
    expect(f.errors).toEqual([
      {
        context: `anchor ${down.name}`,
        error: expect.objectContaining({
          code: 'ANCHOR_FAILED',
          message: expect.stringMatching(/unreachable/),
        }),
      },
    ]);
    await ledger2.close({ checkpoint: false });
    await f.store.close();
  });

  it('validates witness config: key type, key ID and name are checked and the path named', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const raw = (publicKey.export({ format: 'der', type: 'spki' }) as Buffer).subarray(12);
    const cosignKey = formatVerifierKey(WITNESS, raw, COSIGNATURE_V1_TYPE);
    const noteKey = formatVerifierKey(WITNESS, raw, NOTE_ALG_ED25519);
    const parse = (anchor: Record<string, unknown>) =>
      validateConfig({ data_dir: tmp.dir, ledger: { anchors: [anchor] } }, { env: {} }).config;
    const ok = parse({
      type: 'witness',
      url: 'https://w.example/',
      name: WITNESS,
      public_key: cosignKey,
    });
    expect(ok.ledger.anchors[0]).toMatchObject({ type: 'witness', timeout_ms: 10_000 });
    const [anchor] = anchorsFromConfig(ok.ledger.anchors, tmp.dir);
    expect(anchor).toBeInstanceOf(WitnessAnchor);
    expect(anchor!.name).toBe(`witness:${WITNESS}`);
    expect(() =>
      parse({ type: 'witness', url: 'https://w.example', name: WITNESS, public_key: noteKey }),
    ).toThrow(/ledger\.anchors\.0\.public_key.*type byte 0x04/);
    expect(() =>
      parse({
        type: 'witness',
        url: 'https://w.example',
        name: 'other.name',
        public_key: cosignKey,
      }),
    ).toThrow(/ledger\.anchors\.0\.public_key.*named "witness.test\/w1" but name is "other.name"/);
    const wrongId = cosignKey.replace(/\+([0-9a-f]{8})\+/, '+00000000+');
    expect(() =>
      parse({ type: 'witness', url: 'https://w.example', name: WITNESS, public_key: wrongId }),
    ).toThrow(/ledger\.anchors\.0\.public_key.*key ID 00000000 does not match/);
    expect(() =>
      parse({ type: 'witness', url: 'https://w.example', name: 'a b', public_key: cosignKey }),
    ).toThrow(/ledger\.anchors\.0\.name.*without spaces/);
  });

  it('reads the cosignature layout the Go implementation writes', () => {
    // From transparency-dev/formats note/note_cosigv1_test.go (TestCoSigV1Timestamp).
    const blob = Buffer.from(
      'ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==',
      'base64',
    );
    expect(cosignatureTimestamp(blob)).toBe(1727964367n);
  });
});

/**
 * The Anchor seam's contract, for every implementation: a new anchor lists nothing; what was
 * published is listed in order with its size and a note that is still our signed checkpoint
 * (so the ledger verifier accepts it); a torn last journal line (a crash mid-write) is ignored.
 */
describe.each([
  ['file', false],
  ['rfc3161', true],
  ['witness', false],
] as const)('Anchor contract: %s', (kind, needsOpenssl) => {
  it.skipIf(needsOpenssl && !opensslAvailable())(
    'publishes durably and lists what it holds',
    async () => {
      const tmp = tempDir();
      const f = await openLedger(tmp.dir);
      const cleanup: Array<() => Promise<void>> = [];
      try {
        let anchor: Anchor;
        let file: string;
        if (kind === 'file') {
          file = path.join(tmp.dir, 'file-anchor.jsonl');
          anchor = new FileAnchor(file);
        } else if (kind === 'rfc3161') {
          const pki = makeTsaPki(tmp.dir);
          const tsa = await startLocalTsa(pki);
          cleanup.push(() => tsa.close());
          const rfc = new Rfc3161Anchor({
            url: tsa.url,
            trust: timestampTrustFromPem(readFileSync(pki.caCert, 'utf8')),
            file: path.join(tmp.dir, 'tsa.jsonl'),
          });
          anchor = rfc;
          file = rfc.file;
        } else {
          const w = await startLocalWitness({ name: WITNESS, logs: { [ORIGIN]: f.logVkey } });
          cleanup.push(() => w.close());
          const wa = witnessAnchor(f, w);
          anchor = wa;
          file = wa.file;
        }
        expect(await anchor.list()).toEqual([]);
        const ledger = await f.open([anchor]);
        await append(ledger, 3);
        const one = await ledger.checkpoint();
        await append(ledger, 4);
        const two = await ledger.checkpoint();
        await ledger.close({ checkpoint: false });
        const listed = await anchor.list();
        expect(listed.map((c) => c.size)).toEqual([one!.size, two!.size]);
        for (const [i, cp] of [one!, two!].entries()) {
          expect(parseSignedNote(listed[i]!.note).body).toBe(parseSignedNote(cp.note).body);
        }
        expect(
          await verifyLedger({ store: f.store, anchors: [anchor], origin: ORIGIN }),
        ).toMatchObject({ ok: true, anchors: 2 });
        appendFileSync(file, '{"size":99,"no');
        expect((await anchor.list()).length).toBe(2);
      } finally {
        for (const c of cleanup) await c();
        await f.store.close();
        tmp.remove();
      }
    },
  );
});

async function firstNote(f: { open(anchors: Anchor[]): Promise<Ledger> }) {
  const ledger = await f.open([]);
  const cp = await ledger.checkpoint();
  await ledger.close({ checkpoint: false });
  return cp!;
}

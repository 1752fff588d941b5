/**
 * RFC 3161 trusted timestamps for checkpoints, against a local TSA made with `openssl ts` (no
 * network): tokens verify (and OpenSSL agrees), a token for other data or from an untrusted TSA
 * is rejected with a reason, a TSA that is down or refuses never breaks the ledger's write path,
 * and `audit verify` reports per-anchor results and exits 3 on a bad token.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/program.js';
import { configSchema, type LedgerConfig, validateConfig } from '../../../src/core/index.js';
import {
  anchorsFromConfig,
  Keyring,
  Ledger,
  Rfc3161Anchor,
  timestampTrustFromPem,
  verifyLedger,
  verifyTimestampToken,
} from '../../../src/ledger/index.js';
import { parseTimestampToken } from '../../../src/ledger/rfc3161-token.js';
import { migrate, SqliteStore } from '../../../src/store/index.js';
import {
  cmsToken,
  deadUrl,
  type LocalTsa,
  makeTsaPki,
  OPENSSL,
  opensslAvailable,
  startLocalTsa,
  type TsaPki,
} from '../../support/local-tsa.js';
import { tempDir } from '../../support/services.js';

const ORIGIN = 'agentvisor.test/ledger';

async function openLedger(dir: string, anchors: Rfc3161Anchor[], everyEntries = 1000) {
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
  const errors: Array<{ error: unknown; context: string }> = [];
  const ledger = await Ledger.open({
    store,
    keyring,
    config,
    anchors,
    onBackgroundError: (error, context) => errors.push({ error, context }),
  });
  return { store, ledger, errors };
}

async function append(ledger: Ledger, n: number) {
  for (let i = 0; i < n; i++)
    await ledger.append({ type: 'test.entry', actor: 'human:t', payload: { i } });
}

function rewriteJournal(file: string, edit: (records: Record<string, unknown>[]) => void) {
  const records = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  edit(records);
  writeFileSync(file, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
}

async function until(check: () => boolean) {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
}

describe.skipIf(!opensslAvailable())('RFC 3161 anchor with a local openssl TSA', () => {
  let pki: TsaPki;
  let otherPki: TsaPki;
  let tsa: LocalTsa;

  const dirs: Array<{ remove(): void }> = [];
  /** A temp dir removed after the suite. */
  const scratch = () => {
    const t = tempDir();
    dirs.push(t);
    return t.dir;
  };

  beforeAll(async () => {
    pki = makeTsaPki(scratch());
    otherPki = makeTsaPki(scratch(), { name: 'Other' });
    tsa = await startLocalTsa(pki);
  });
  afterAll(async () => {
    await tsa.close();
    for (const d of dirs) d.remove();
  });

  const trustOf = (p: TsaPki) => timestampTrustFromPem(readFileSync(p.caCert, 'utf8'));
  const anchorIn = (dir: string, url = tsa.url, p = pki) =>
    new Rfc3161Anchor({
      url,
      trust: trustOf(p),
      file: path.join(dir, 'tsa.jsonl'),
      timeoutMs: 5000,
    });

  it('time-stamps each checkpoint; the tokens verify, and OpenSSL agrees', async () => {
    const dir = scratch();
    const anchor = anchorIn(dir);
    const opened = await openLedger(dir, [anchor]);
    await append(opened.ledger, 5);
    const first = await opened.ledger.checkpoint();
    await append(opened.ledger, 3);
    const second = await opened.ledger.checkpoint();
    const tokens = await anchor.tokens();
    expect(tokens.map((t) => t.size)).toEqual([first!.size, second!.size]);
    expect(tokens[1]!.note).toBe(second!.note);

    const check = verifyTimestampToken(
      Buffer.from(tokens[1]!.token, 'base64'),
      Buffer.from(second!.note),
      trustOf(pki),
    );
    expect(check).toMatchObject({ ok: true, tsa: 'CN=Test TSA', policy: '1.2.3.4.1' });
    expect(Math.abs((check.ok ? check.genTime.getTime() : 0) - Date.now())).toBeLessThan(60_000);

    // Independent check: `openssl ts -verify` accepts our stored token for the note bytes.
    writeFileSync(path.join(dir, 'token.der'), Buffer.from(tokens[1]!.token, 'base64'));
    writeFileSync(path.join(dir, 'note.txt'), second!.note);
    const out = execFileSync(
      OPENSSL,
      [
        'ts',
        '-verify',
        '-token_in',
        '-in',
        'token.der',
        '-data',
        'note.txt',
        '-CAfile',
        pki.caCert,
      ],
      { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    expect(out).toContain('Verification: OK');

    const proofs = await anchor.verifyProofs();
    expect(proofs).toMatchObject({ ok: true, checked: 2, type: 'rfc3161', failures: [] });
    expect(proofs.latest?.size).toBe(second!.size);
    const report = await verifyLedger({ store: opened.store, anchors: [anchor], origin: ORIGIN });
    expect(report).toMatchObject({ ok: true, anchors: 2 });
    await opened.ledger.close({ checkpoint: false });
    await opened.store.close();
  });

  it('rejects a token presented for other data, an altered token, and an untrusted TSA', async () => {
    const dir = scratch();
    const anchor = anchorIn(dir);
    const opened = await openLedger(dir, [anchor]);
    await append(opened.ledger, 2);
    const cp = await opened.ledger.checkpoint();
    await opened.ledger.close({ checkpoint: false });
    await opened.store.close();
    const [record] = await anchor.tokens();
    const token = new Uint8Array(Buffer.from(record!.token, 'base64'));
    const note = Buffer.from(cp!.note);

    const other = verifyTimestampToken(token, Buffer.from(`${cp!.note}x`), trustOf(pki));
    expect(other).toMatchObject({ ok: false, kind: 'modified' });
    expect(other.ok ? '' : other.reason).toMatch(/time-stamps other data/);

    const untrusted = verifyTimestampToken(token, note, trustOf(otherPki));
    expect(untrusted).toMatchObject({ ok: false, kind: 'unknown_key' });
    expect(untrusted.ok ? '' : untrusted.reason).toMatch(/does not chain to a trusted certificate/);

    // The TSA certificate itself may be pinned instead of its CA.
    const pinned = timestampTrustFromPem(readFileSync(pki.tsaCert, 'utf8'));
    expect(verifyTimestampToken(token, note, pinned).ok).toBe(true);

    // The last byte is the end of the signature: the signed attributes no longer verify.
    const badSig = Uint8Array.from(token);
    badSig[badSig.length - 1]! ^= 0x01;
    expect(verifyTimestampToken(badSig, note, trustOf(pki))).toMatchObject({
      ok: false,
      kind: 'bad_signature',
    });
    // Change the TSTInfo's time (inside the signed content): the messageDigest no longer matches.
    const genTime = Buffer.from(token).indexOf(Buffer.from([0x18, 0x0f]));
    const badTime = Uint8Array.from(token);
    badTime[genTime + 2 + 3]! ^= 0x01; // a year digit
    const altered = verifyTimestampToken(badTime, note, trustOf(pki));
    expect(altered).toMatchObject({ ok: false, kind: 'modified' });
    expect(altered.ok ? '' : altered.reason).toMatch(/messageDigest/);
    expect(verifyTimestampToken(Uint8Array.of(1, 2, 3), note, trustOf(pki))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not a well-formed RFC 3161 token/),
    });
  });

  it('refuses at publish time a token from a TSA the configured CA does not vouch for', async () => {
    const dir = scratch();
    const anchor = anchorIn(dir, tsa.url, otherPki);
    await expect(
      anchor.publish({ size: 1, note: 'agentvisor.test/ledger\n1\nAAAA\n\n— x AAAA\n' }),
    ).rejects.toMatchObject({
      code: 'ANCHOR_FAILED',
      message: expect.stringMatching(/does not chain/),
    });
    expect(await anchor.list()).toEqual([]);
    expect(anchor.lastFailure?.message).toMatch(/does not chain/);
  });

  it('accepts EC TSA keys and ESS v1 certificate IDs', async () => {
    for (const options of [
      { keyType: 'ec', name: 'Ec' },
      { essCertIdAlg: 'sha1', name: 'Ess1' },
    ] as const) {
      const variant = makeTsaPki(scratch(), options);
      const server = await startLocalTsa(variant);
      try {
        const anchor = new Rfc3161Anchor({
          url: server.url,
          trust: trustOf(variant),
          file: path.join(scratch(), 'tsa.jsonl'),
        });
        await anchor.publish({ size: 1, note: 'agentvisor.test/ledger\n1\nAAAA\n\n— x AAAA\n' });
        expect(await anchor.verifyProofs()).toMatchObject({ ok: true, checked: 1 });
      } finally {
        await server.close();
      }
    }
  });

  it('rejects a token signed by a certificate that is not a TSA certificate (RFC 3161 §2.3); accepts PSS', async () => {
    // `openssl ts` refuses such certificates, so sign a genuine TSTInfo with `openssl cms`.
    const note = Buffer.from('agentvisor.test/ledger\n1\nAAAA\n\n— x AAAA\n');
    const anchor = anchorIn(scratch());
    await anchor.publish({ size: 1, note: note.toString() });
    const [record] = await anchor.tokens();
    const { eContent } = parseTimestampToken(Buffer.from(record!.token, 'base64'));
    for (const [extensions, reason] of [
      ['tsa', undefined],
      [['extendedKeyUsage=timeStamping'], /not critical/],
      [['extendedKeyUsage=critical,timeStamping,codeSigning'], /timeStamping only/],
      [[], /no extended key usage/],
    ] as const) {
      const token = cmsToken(pki, eContent, extensions);
      const result = verifyTimestampToken(token, note, trustOf(pki));
      if (reason === undefined) expect(result.ok).toBe(true);
      else {
        expect(result).toMatchObject({ ok: false, kind: 'unknown_key' });
        expect(result.ok ? '' : result.reason).toMatch(reason);
      }
    }
    // RSASSA-PSS signatures (parameters in the signature algorithm) verify as well.
    const pss = cmsToken(pki, eContent, 'tsa', { pss: true });
    expect(Buffer.from(pss).includes(Buffer.from('2a864886f70d01010a', 'hex'))).toBe(true);
    expect(verifyTimestampToken(pss, note, trustOf(pki)).ok).toBe(true);
  });

  it('reports refusals and replays clearly', async () => {
    const dir = scratch();
    const anchor = anchorIn(dir);
    await anchor.publish({ size: 1, note: 'n\n1\nAAAA\n\n— x AAAA\n' });
    // rejection (2) with text "busy" and failure bit systemFailure (25)
    tsa.override({
      status: 200,
      body: Buffer.from(
        '3014 3012 020102 3006 0c0462757379 03050600000040'.replace(/ /g, ''),
        'hex',
      ),
    });
    try {
      await expect(anchor.publish({ size: 2, note: 'n\n2\nAAAA\n\n— x AAAA\n' })).rejects.toThrow(
        /the TSA refused: rejection, "busy", systemFailure/,
      );
      // Replaying an earlier response: the nonce gives it away.
      const earlier = readFileSync(path.join(pki.dir, 'r-1.tsr'));
      tsa.override({ status: 200, body: earlier });
      await expect(anchor.publish({ size: 3, note: 'n\n3\nAAAA\n\n— x AAAA\n' })).rejects.toThrow(
        /nonce/,
      );
      tsa.override({ status: 503, body: new Uint8Array() });
      await expect(anchor.publish({ size: 4, note: 'n\n4\nAAAA\n\n— x AAAA\n' })).rejects.toThrow(
        /HTTP 503/,
      );
    } finally {
      tsa.override(undefined);
    }
    expect((await anchor.tokens()).map((t) => t.size)).toEqual([1]);
  });

  it('a TSA that is down never fails an append: the checkpoint is written, the failure reported, the next one stamped', async () => {
    const dir = scratch();
    const down = anchorIn(dir, await deadUrl());
    const flaky = new Rfc3161Anchor({
      url: tsa.url,
      trust: trustOf(pki),
      file: path.join(dir, 'flaky.jsonl'),
    });
    const { ledger, store: s, errors } = await openLedger(dir, [down, flaky], 3);
    tsa.override({ status: 503, body: new Uint8Array() });
    await append(ledger, 3); // reaches every_entries: a checkpoint is written in the write path
    await until(() => errors.length >= 2);
    tsa.override(undefined);
    const cp = await ledger.latestCheckpoint();
    expect(cp?.size).toBeGreaterThanOrEqual(3);
    expect(errors.map((e) => (e.error as { code?: string }).code)).toEqual([
      'ANCHOR_FAILED',
      'ANCHOR_FAILED',
    ]);
    expect(errors.map((e) => e.context).sort()).toEqual(
      [`anchor ${down.name}`, `anchor ${flaky.name}`].sort(),
    );
    expect(
      String((errors.find((e) => e.context.includes(down.name))!.error as Error).message),
    ).toMatch(/unreachable/);
    expect(down.lastFailure?.size).toBe(cp!.size);

    // The next checkpoint is the retry: the TSA is back for `flaky`, still down for `down`.
    await append(ledger, 3);
    await until(() => errors.length >= 3);
    await until(() => flaky.lastFailure === undefined);
    const stamped = await flaky.tokens();
    expect(stamped.length).toBe(1);
    expect(stamped[0]!.size).toBeGreaterThan(cp!.size);
    expect((await flaky.verifyProofs()).ok).toBe(true);

    // An explicit checkpoint keeps the existing contract: stored first, then the anchor error.
    await append(ledger, 1);
    await expect(ledger.checkpoint()).rejects.toMatchObject({ code: 'ANCHOR_FAILED' });
    expect((await ledger.latestCheckpoint())!.size).toBe((await ledger.head()).size);
    await ledger.close({ checkpoint: false });
    await s.close();
  });

  it('builds from config: the path of a bad setting is named', async () => {
    const dir = scratch();
    const parse = (anchor: Record<string, unknown>) =>
      validateConfig({ data_dir: dir, ledger: { anchors: [anchor] } }, { env: {} }).config;
    const config = parse({ type: 'rfc3161', url: tsa.url, ca_cert: pki.caCert });
    expect(config.ledger.anchors[0]).toMatchObject({ type: 'rfc3161', timeout_ms: 10_000 });
    const [anchor] = anchorsFromConfig(config.ledger.anchors, dir);
    expect(anchor).toBeInstanceOf(Rfc3161Anchor);
    expect((anchor as Rfc3161Anchor).file).toMatch(/anchors\/rfc3161-127\.0\.0\.1_.*\.jsonl$/);

    expect(() => parse({ type: 'rfc3161', url: 'ftp://x', ca_cert: 'a.pem' })).toThrow(
      /ledger\.anchors\.0\.url.*http:\/\/ or https:\/\//,
    );
    expect(() => parse({ type: 'rfc3161', url: tsa.url })).toThrow(/ledger\.anchors\.0\.ca_cert/);
    expect(() => parse({ type: 'rfc3161', url: tsa.url, ca_cert: 'a', extra: 1 })).toThrow(
      /ledger\.anchors\.0: unknown key "extra"/,
    );
    expect(() => parse({ type: 'tsa' })).toThrow(/'file' \| 'rfc3161' \| 'witness'/);
    const missing = parse({ type: 'rfc3161', url: tsa.url, ca_cert: 'missing.pem' });
    expect(() => anchorsFromConfig(missing.ledger.anchors, dir)).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringMatching(/^ledger\.anchors\.0\.ca_cert: cannot use .*missing\.pem/),
      }),
    );
  });

  it('`audit verify` checks the tokens and exits 3 naming the anchor when one is bad', async () => {
    const dir = scratch();
    const cfg = path.join(dir, 'agentvisor.yaml');
    writeFileSync(
      cfg,
      [
        `data_dir: ${path.join(dir, 'data')}`,
        'ledger:',
        '  anchors:',
        '    - type: rfc3161',
        `      url: ${tsa.url}`,
        `      ca_cert: ${pki.caCert}`,
        '',
      ].join('\n'),
    );
    const cli = async (...args: string[]) => {
      const out: string[] = [];
      const io = { out: (t: string) => out.push(t), err: () => {}, isTTY: false };
      const code = await runCli(['node', 'agentvisor', '--config', cfg, ...args], io);
      process.exitCode = undefined;
      return { code, out: out.join('\n') };
    };
    for (let i = 0; i < 2; i++) {
      const appended = await cli(
        'audit',
        'append',
        '--type',
        'operator.note',
        '--actor',
        'a',
        '--payload',
        `{"i":${i}}`,
      );
      expect(appended.code, appended.out).toBe(0);
    }
    const good = await cli('audit', 'verify', '--json');
    expect(good.code, good.out).toBe(0);
    const report = JSON.parse(good.out) as {
      ok: boolean;
      anchorProofs: Array<{ type: string; ok: boolean; checked: number }>;
    };
    expect(report.ok).toBe(true);
    expect(report.anchorProofs).toEqual([
      expect.objectContaining({ type: 'rfc3161', ok: true, checked: 2 }),
    ]);
    const human = await cli('audit', 'verify');
    expect(human.out).toMatch(
      /rfc3161:http:\/\/127\.0\.0\.1:\d+\/tsr: 2 time-stamp tokens checked, latest: size \d+/,
    );

    // Swap the tokens of the two checkpoints: each now time-stamps the other note.
    const journals = readdirSync(path.join(dir, 'data', 'anchors'));
    expect(journals).toEqual([expect.stringMatching(/^rfc3161-.*\.jsonl$/)]);
    rewriteJournal(path.join(dir, 'data', 'anchors', journals[0]!), (records) => {
      const t = records[0]!.token;
      records[0]!.token = records[1]!.token;
      records[1]!.token = t;
    });
    const bad = await cli('audit', 'verify', '--json');
    expect(bad.code).toBe(3);
    const badReport = JSON.parse(bad.out) as {
      ok: boolean;
      firstBad: { where: string; kind: string; detail: string };
      anchorProofs: Array<{ ok: boolean; failures: unknown[] }>;
    };
    expect(badReport.ok).toBe(false);
    expect(badReport.firstBad).toMatchObject({ where: 'anchor', kind: 'modified' });
    expect(badReport.firstBad.detail).toMatch(/rfc3161:.*time-stamps other data/);
    expect(badReport.anchorProofs[0]!.failures).toHaveLength(2);
    const badHuman = await cli('audit', 'verify');
    expect(badHuman.code).toBe(3);
    expect(badHuman.out).toMatch(/TAMPERED.*\(anchor\)/);
    expect(badHuman.out).toMatch(/2 FAILED/);
  });
});

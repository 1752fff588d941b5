/**
 * @module A local RFC 3161 time-stamping authority for tests, with no network: a throwaway PKI
 * made with `openssl req`/`openssl x509` (a root CA and a TSA certificate with a critical
 * timeStamping extended key usage), a `tsa.cnf`, and a node:http server that pipes each
 * TimeStampReq through `openssl ts -reply` and answers with its DER.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The OpenSSL binary the tests use. */
export const OPENSSL = '/usr/bin/openssl';

/** True when `openssl ts` can run here. */
export function opensslAvailable(): boolean {
  return existsSync(OPENSSL);
}

/** Files of a test PKI. */
export interface TsaPki {
  readonly dir: string;
  /** PEM of the root CA: what an anchor's `ca_cert` points at. */
  readonly caCert: string;
  /** PEM of the TSA certificate. */
  readonly tsaCert: string;
  /** The `openssl ts` configuration. */
  readonly config: string;
}

/** Options for {@link makeTsaPki}. */
export interface TsaPkiOptions {
  /** Common name prefix, so two PKIs in one test differ. */
  readonly name?: string;
  /** The TSA's key: RSA-2048 (default) or EC P-256. */
  readonly keyType?: 'rsa' | 'ec';
  /** Hash of the ESS signing-certificate attribute: sha256 (v2, default) or sha1 (v1). */
  readonly essCertIdAlg?: 'sha1' | 'sha256';
}

function openssl(args: string[], cwd: string): void {
  execFileSync(OPENSSL, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Creates a root CA and a TSA certificate it issued, plus `tsa.cnf`, in `dir`.
 *
 * @example
 * const pki = makeTsaPki(tmp.dir);
 */
export function makeTsaPki(dir: string, options: TsaPkiOptions = {}): TsaPki {
  const name = options.name ?? 'Test';
  const p = (f: string) => path.join(dir, f);
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '3650',
      '-subj',
      `/CN=${name} Root CA`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  const keyArgs =
    options.keyType === 'ec'
      ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']
      : ['-newkey', 'rsa:2048'];
  openssl(
    [
      'req',
      ...keyArgs,
      '-nodes',
      '-keyout',
      'tsa.key',
      '-out',
      'tsa.csr',
      '-subj',
      `/CN=${name} TSA`,
    ],
    dir,
  );
  writeFileSync(
    p('tsa-ext.cnf'),
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,nonRepudiation',
      'extendedKeyUsage=critical,timeStamping',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid',
      '',
    ].join('\n'),
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'tsa.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'tsa.pem',
      '-days',
      '365',
      '-extfile',
      'tsa-ext.cnf',
    ],
    dir,
  );
  writeFileSync(p('tsa-serial'), '01\n');
  writeFileSync(
    p('tsa.cnf'),
    [
      '[ tsa ]',
      'default_tsa = tsa_config1',
      '[ tsa_config1 ]',
      `dir = ${dir}`,
      'serial = $dir/tsa-serial',
      'crypto_device = builtin',
      'signer_cert = $dir/tsa.pem',
      'certs = $dir/ca.pem',
      'signer_key = $dir/tsa.key',
      'signer_digest = sha256',
      'default_policy = 1.2.3.4.1',
      'other_policies = 1.2.3.4.5',
      'digests = sha256, sha384, sha512',
      'accuracy = secs:1',
      'ordering = no',
      'tsa_name = yes',
      'ess_cert_id_chain = no',
      `ess_cert_id_alg = ${options.essCertIdAlg ?? 'sha256'}`,
      '',
    ].join('\n'),
  );
  return { dir, caCert: p('ca.pem'), tsaCert: p('tsa.pem'), config: p('tsa.cnf') };
}

/**
 * Signs `tstInfo` as a time-stamp token with `openssl cms` (CAdES signing-certificate attribute
 * included), with the PKI's TSA key (`'tsa'`) or under a fresh certificate from its CA with the
 * given extensions: the way to get tokens `openssl ts` refuses to make, such as one from a
 * certificate that is not a TSA's. (A fresh certificate starts now, after the TSTInfo's time,
 * so it fails the validity check too; the key-usage checks come first.)
 *
 * @example
 * const token = cmsToken(pki, tstInfo, ['extendedKeyUsage=timeStamping']);
 */
export function cmsToken(
  pki: TsaPki,
  tstInfo: Uint8Array,
  extensions: readonly string[] | 'tsa',
  options: { pss?: boolean } = {},
): Uint8Array {
  const dir = pki.dir;
  writeFileSync(path.join(dir, 'cms-tst.der'), tstInfo);
  let signer = 'tsa';
  if (extensions !== 'tsa') {
    signer = 'cms';
    writeFileSync(
      path.join(dir, 'cms-ext.cnf'),
      `${['basicConstraints=critical,CA:FALSE', ...extensions].join('\n')}\n`,
    );
    openssl(
      [
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'cms.key',
        '-out',
        'cms.csr',
        '-subj',
        '/CN=Not A TSA',
      ],
      dir,
    );
    openssl(
      [
        'x509',
        '-req',
        '-in',
        'cms.csr',
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        'cms.pem',
        '-days',
        '30',
        '-extfile',
        'cms-ext.cnf',
      ],
      dir,
    );
  }
  openssl(
    [
      'cms',
      '-sign',
      '-binary',
      '-nodetach',
      '-in',
      'cms-tst.der',
      '-econtent_type',
      '1.2.840.113549.1.9.16.1.4',
      '-signer',
      `${signer}.pem`,
      '-inkey',
      `${signer}.key`,
      '-md',
      'sha256',
      ...(options.pss === true ? ['-keyopt', 'rsa_padding_mode:pss'] : []),
      '-nosmimecap',
      '-cades',
      '-outform',
      'DER',
      '-out',
      'cms-token.der',
    ],
    dir,
  );
  return new Uint8Array(readFileSync(path.join(dir, 'cms-token.der')));
}

/** A running local TSA. */
export interface LocalTsa {
  readonly url: string;
  /** Requests answered so far. */
  requests(): number;
  /** Answer every request with this HTTP status and body instead (undefined: back to normal). */
  override(answer: { status: number; body: Uint8Array } | undefined): void;
  close(): Promise<void>;
}

/**
 * Serves `openssl ts -reply` over HTTP on 127.0.0.1.
 *
 * @example
 * const tsa = await startLocalTsa(pki);
 * const anchor = new Rfc3161Anchor({ url: tsa.url, trust, file });
 */
export async function startLocalTsa(pki: TsaPki): Promise<LocalTsa> {
  let count = 0;
  let overridden: { status: number; body: Uint8Array } | undefined;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        count++;
        if (overridden !== undefined) {
          res.writeHead(overridden.status, { 'content-type': 'application/timestamp-reply' });
          res.end(overridden.body);
          return;
        }
        if (
          req.method !== 'POST' ||
          req.headers['content-type'] !== 'application/timestamp-query'
        ) {
          res.writeHead(415).end();
          return;
        }
        const q = path.join(pki.dir, `q-${count}.tsq`);
        const r = path.join(pki.dir, `r-${count}.tsr`);
        writeFileSync(q, Buffer.concat(chunks));
        try {
          await run(OPENSSL, ['ts', '-reply', '-config', pki.config, '-queryfile', q, '-out', r]);
          res.writeHead(200, { 'content-type': 'application/timestamp-reply' });
          res.end(readFileSync(r));
        } catch (error) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(error));
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/tsr`,
    requests: () => count,
    override: (answer) => {
      overridden = answer;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL on 127.0.0.1 where nothing listens (a TSA or witness that is down). */
export async function deadUrl(pathname = '/tsr'): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}${pathname}`;
}

/**
 * @module A local C2SP tlog-witness for tests (c2sp.org/tlog-witness, `add-checkpoint` only),
 * written from the spec and independent of the client: it parses requests itself, verifies the
 * log's Ed25519 note signature and the RFC 6962 consistency proof, keeps the latest cosigned
 * size and root per origin, answers 400/403/404/409/422 as the spec says, and cosigns with its
 * own Ed25519 key in the c2sp.org/tlog-cosignature v1 format.
 */
import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyConsistency } from '../../src/ledger/index.js';

const DASH = '\u2014 ';
/** SPKI DER prefix of a raw 32-byte Ed25519 public key (RFC 8410). */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const EMPTY_ROOT = createHash('sha256').digest();

function keyId(name: string, type: number, publicKey: Buffer): Buffer {
  return createHash('sha256')
    .update(Buffer.concat([Buffer.from(`${name}\n`), Buffer.of(type), publicKey]))
    .digest()
    .subarray(0, 4);
}

function rawPublicKey(key: KeyObject): Buffer {
  return (key.export({ format: 'der', type: 'spki' }) as Buffer).subarray(12);
}

/** A log the witness accepts: its origin and its note verifier key (type 0x01). */
interface KnownLog {
  readonly publicKey: KeyObject;
  readonly keyId: Buffer;
  readonly name: string;
}

function parseLogVkey(vkey: string): KnownLog {
  const [name, id, ...rest] = vkey.split('+');
  const blob = Buffer.from(rest.join('+'), 'base64');
  if (name === undefined || id === undefined || blob[0] !== 0x01 || blob.length !== 33) {
    throw new Error(`not an Ed25519 note verifier key: ${vkey}`);
  }
  const publicKey = blob.subarray(1);
  if (keyId(name, 0x01, publicKey).toString('hex') !== id) throw new Error('key ID mismatch');
  return {
    name,
    keyId: Buffer.from(id, 'hex'),
    publicKey: createPublicKey({
      key: Buffer.concat([ED25519_SPKI_PREFIX, publicKey]),
      format: 'der',
      type: 'spki',
    }),
  };
}

/** Options for {@link startLocalWitness}. */
export interface LocalWitnessOptions {
  /** The witness's key name. */
  readonly name: string;
  /** Logs it witnesses: origin → the log's note verifier key. */
  readonly logs: Readonly<Record<string, string>>;
}

/** A running local witness. */
export interface LocalWitness {
  /** The submission prefix. */
  readonly url: string;
  readonly name: string;
  /** The witness's verifier key, `<name>+<key ID>+<base64(0x04 || key)>`. */
  readonly vkey: string;
  /** Every add-checkpoint answer status, in order. */
  readonly statuses: number[];
  /** The latest cosigned size per origin. */
  sizeOf(origin: string): number;
  /**
   * Cosign and persist, but answer 500 instead of the cosignature (a response lost on the way),
   * for the next `n` requests.
   */
  loseResponses(n: number): void;
  /** Sign with this key instead (a cosignature the client must reject). */
  signWith(key: KeyObject | undefined): void;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly contentType = 'text/plain',
  ) {
    super(message);
  }
}

/**
 * Starts a witness on 127.0.0.1 with a fresh Ed25519 key.
 *
 * @example
 * const witness = await startLocalWitness({ name: 'witness.test/w1', logs: { [origin]: logVkey } });
 */
export async function startLocalWitness(options: LocalWitnessOptions): Promise<LocalWitness> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = rawPublicKey(publicKey);
  const ownKeyId = keyId(options.name, 0x04, raw);
  const vkey = `${options.name}+${ownKeyId.toString('hex')}+${Buffer.concat([Buffer.of(0x04), raw]).toString('base64')}`;
  const logs = new Map(Object.entries(options.logs).map(([o, k]) => [o, parseLogVkey(k)]));
  const state = new Map<string, { size: number; root: Buffer }>();
  const statuses: number[] = [];
  let lose = 0;
  let signingKey: KeyObject | undefined;

  const addCheckpoint = (text: string): string => {
    const split = text.indexOf('\n\n');
    if (split < 0) throw new HttpError(400, 'no blank line');
    const head = text.slice(0, split).split('\n');
    const note = text.slice(split + 2);
    const oldMatch = /^old (0|[1-9][0-9]*)$/.exec(head[0] ?? '');
    if (oldMatch === null) throw new HttpError(400, 'bad old size line');
    const oldSize = Number(oldMatch[1]);
    const proof = head.slice(1).map((l) => Buffer.from(l, 'base64'));
    if (proof.length > 63 || proof.some((p) => p.length !== 32))
      throw new HttpError(400, 'bad proof');
    // The checkpoint: a signed note; the body ends at the last blank line.
    const sigStart = note.lastIndexOf('\n\n');
    if (sigStart < 0) throw new HttpError(400, 'checkpoint is not a signed note');
    const body = note.slice(0, sigStart + 1);
    const sigLines = note
      .slice(sigStart + 2)
      .replace(/\n$/, '')
      .split('\n');
    const [origin, sizeText, rootText] = body.split('\n');
    const log = logs.get(origin ?? '');
    if (log === undefined) throw new HttpError(404, 'unknown origin');
    let signed = false;
    for (const line of sigLines) {
      if (!line.startsWith(DASH)) throw new HttpError(400, 'bad signature line');
      const [name, b64] = line.slice(DASH.length).split(' ');
      const blob = Buffer.from(b64 ?? '', 'base64');
      if (name !== log.name || !blob.subarray(0, 4).equals(log.keyId)) continue; // unknown keys are ignored
      if (!verify(null, Buffer.from(body), log.publicKey, blob.subarray(4))) {
        throw new HttpError(403, 'log signature does not verify');
      }
      signed = true;
    }
    if (!signed) throw new HttpError(403, 'no signature from a trusted log key');
    if (!/^(0|[1-9][0-9]*)$/.test(sizeText ?? '')) throw new HttpError(400, 'bad size');
    const size = Number(sizeText);
    const root = Buffer.from(rootText ?? '', 'base64');
    if (oldSize > size) throw new HttpError(400, 'old size is larger than the checkpoint');
    const known = state.get(origin!) ?? { size: 0, root: EMPTY_ROOT };
    if (oldSize !== known.size) {
      throw new HttpError(409, `${known.size}\n`, 'text/x.tlog.size');
    }
    if (size === 0 && !root.equals(EMPTY_ROOT))
      throw new HttpError(422, 'size 0 needs the empty root');
    if (oldSize === 0 && proof.length > 0) throw new HttpError(422, 'a proof from size 0');
    if (oldSize === size && !root.equals(known.root))
      throw new HttpError(422, 'same size, other root');
    if (
      oldSize > 0 &&
      oldSize < size &&
      !verifyConsistency({ oldSize, newSize: size, oldRoot: known.root, newRoot: root, proof })
    ) {
      throw new HttpError(422, 'consistency proof does not verify');
    }
    state.set(origin!, { size, root });
    const timestamp = BigInt(Math.floor(Date.now() / 1000));
    const message = Buffer.from(`cosignature/v1\ntime ${timestamp}\n${body}`);
    const signature = sign(null, message, signingKey ?? privateKey);
    const ts = Buffer.alloc(8);
    ts.writeBigUInt64BE(timestamp);
    const line = `${DASH}${options.name} ${Buffer.concat([ownKeyId, ts, signature]).toString('base64')}\n`;
    // A second line from a key the client does not know: it must be ignored.
    const other = `${DASH}other.witness/w9 ${Buffer.concat([Buffer.alloc(4, 7), ts, Buffer.alloc(64, 1)]).toString('base64')}\n`;
    return line + other;
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let status = 200;
      let type = 'text/plain; charset=utf-8';
      let out: string;
      try {
        if (req.method !== 'POST' || req.url !== '/add-checkpoint')
          throw new HttpError(404, 'not found');
        out = addCheckpoint(Buffer.concat(chunks).toString('utf8'));
        if (lose > 0) {
          lose--;
          status = 500;
          out = 'lost';
        }
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
        status = error.status;
        type = error.contentType;
        out = error.message;
      }
      statuses.push(status);
      res.writeHead(status, { 'content-type': type });
      res.end(out);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    name: options.name,
    vkey,
    statuses,
    sizeOf: (origin) => state.get(origin)?.size ?? 0,
    loseResponses: (n) => {
      lose = n;
    },
    signWith: (key) => {
      signingKey = key;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

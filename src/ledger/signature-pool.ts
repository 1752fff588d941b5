/**
 * @module A pool of worker threads that check entry signatures in parallel. Verifying is the
 * dominant cost of a full audit (Ed25519 verifies ~18k/s per core here), so it is spread over
 * every core while the main thread reads rows and recomputes hashes. The worker is evaluated
 * from source text so it runs the same from `src/` under vitest and from `dist/` in production.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SignatureAlgorithm } from './signature-scheme.js';

/** A batch of signatures over 32-byte hashes. */
export interface SignatureBatch {
  /** n × 32 bytes: the signed entry hashes. */
  readonly hashes: Uint8Array;
  /** Concatenated signatures; signature i is `signatures[offsets[i] .. offsets[i+1])`. */
  readonly signatures: Uint8Array;
  readonly offsets: Uint32Array;
  /** Index into the pool's key list for each signature. */
  readonly keys: Uint16Array;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const crypto = require('node:crypto');
const sodium = require(workerData.sodiumPath);
let keys = [];
function load(list) {
  keys = list.map((k) => k.algorithm === 'ed25519'
    ? { ed: Buffer.from(k.publicKey) }
    : { rsa: crypto.createPublicKey({ key: Buffer.from(k.publicKey), format: 'der', type: 'spki' }) });
}
load(workerData.keys);
parentPort.on('message', (msg) => {
  if (msg.type === 'keys') { load(msg.keys); return; }
  const { id, hashes, signatures, offsets, keyIdx } = msg;
  const n = keyIdx.length;
  const bad = [];
  const h = Buffer.from(hashes.buffer, hashes.byteOffset, hashes.byteLength);
  const s = Buffer.from(signatures.buffer, signatures.byteOffset, signatures.byteLength);
  for (let i = 0; i < n; i++) {
    const key = keys[keyIdx[i]];
    const hash = h.subarray(i * 32, i * 32 + 32);
    const sig = s.subarray(offsets[i], offsets[i + 1]);
    let ok = false;
    try {
      if (key === undefined) ok = false;
      else if (key.ed) ok = sig.length === 64 && sodium.crypto_sign_verify_detached(sig, hash, key.ed);
      else ok = crypto.verify('sha256', hash, { key: key.rsa, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: crypto.constants.RSA_PSS_SALTLEN_AUTO }, sig);
    } catch { ok = false; }
    if (!ok) bad.push(i);
  }
  parentPort.postMessage({ id, bad });
});
`;

/** A public key as the pool needs it. */
export interface PoolKey {
  readonly algorithm: SignatureAlgorithm;
  readonly publicKey: Uint8Array;
}

/**
 * Verifies signature batches on worker threads; results come back per batch as the indexes
 * that failed.
 *
 * @example
 * const pool = new SignaturePool([{ algorithm: 'ed25519', publicKey }]);
 * const bad = await pool.verify(batch);
 * await pool.close();
 */
export class SignaturePool {
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<number, { resolve(bad: number[]): void; reject(e: unknown): void }>();
  #next = 0;
  #rr = 0;

  constructor(keys: readonly PoolKey[], size = availableParallelism()) {
    const sodiumPath = createRequire(import.meta.url).resolve('sodium-native');
    for (let i = 0; i < Math.max(1, size); i++) {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: {
          sodiumPath,
          keys: keys.map((k) => ({ algorithm: k.algorithm, publicKey: k.publicKey })),
        },
      });
      worker.on('message', (msg: { id: number; bad: number[] }) => {
        const p = this.#pending.get(msg.id);
        this.#pending.delete(msg.id);
        p?.resolve(msg.bad);
      });
      worker.on('error', (error) => {
        for (const p of this.#pending.values()) p.reject(error);
        this.#pending.clear();
      });
      this.#workers.push(worker);
    }
  }

  /** Replaces the key list (after a rotation entry introduces a key). */
  setKeys(keys: readonly PoolKey[]): void {
    const list = keys.map((k) => ({ algorithm: k.algorithm, publicKey: k.publicKey }));
    for (const w of this.#workers) w.postMessage({ type: 'keys', keys: list });
  }

  /** Verifies a batch; resolves with the indexes (within the batch) whose signature failed. */
  verify(batch: SignatureBatch): Promise<number[]> {
    const id = this.#next++;
    const worker = this.#workers[this.#rr++ % this.#workers.length]!;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({
        id,
        hashes: batch.hashes,
        signatures: batch.signatures,
        offsets: batch.offsets,
        keyIdx: batch.keys,
      });
    });
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}

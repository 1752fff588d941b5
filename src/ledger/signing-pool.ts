/**
 * @module Parallel Ed25519 signing for large append batches. Signing is the largest single cost
 * of an append (~18 µs of libsodium per entry, about a third of the total); the entry hashes of
 * a batch are computed first (they chain, signatures do not), then a worker thread signs one half
 * while the calling thread signs the other. The worker holds a copy of the signing seed, in this
 * process's memory only, exactly like the calling thread.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const sodium = require(workerData.sodiumPath);
const keys = new Map();
parentPort.on('message', (msg) => {
  if (msg.type === 'key') {
    const pk = Buffer.alloc(32), sk = Buffer.alloc(64);
    sodium.crypto_sign_seed_keypair(pk, sk, Buffer.from(msg.seed));
    keys.set(msg.keyId, sk);
    return;
  }
  const sk = keys.get(msg.keyId);
  const n = msg.count;
  const out = new Uint8Array(n * 64);
  const o = Buffer.from(out.buffer);
  const h = Buffer.from(msg.hashes.buffer, msg.hashes.byteOffset, msg.hashes.byteLength);
  for (let i = 0; i < n; i++) sodium.crypto_sign_detached(o.subarray(i * 64, i * 64 + 64), h.subarray(i * 32, i * 32 + 32), sk);
  parentPort.postMessage({ id: msg.id, signatures: out }, [out.buffer]);
});
`;

/** Batches smaller than this are signed on the calling thread: a round trip costs more. */
export const PARALLEL_SIGNING_MIN_BATCH = 128;

/**
 * One signing worker. Keys are registered by id with their 32-byte seed.
 *
 * @example
 * const pool = new SigningPool();
 * pool.addKey(key.keyId, key.secret);
 * const sigs = await pool.sign(key.keyId, hashes, count);
 * await pool.close();
 */
export class SigningPool {
  readonly #worker: Worker;
  readonly #pending = new Map<
    number,
    { resolve(sigs: Uint8Array): void; reject(e: unknown): void }
  >();
  readonly #keys = new Set<string>();
  #next = 0;
  #failed: unknown;

  constructor() {
    const sodiumPath = createRequire(import.meta.url).resolve('sodium-native');
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { sodiumPath } });
    this.#worker.on('message', (msg: { id: number; signatures: Uint8Array }) => {
      const p = this.#pending.get(msg.id);
      this.#pending.delete(msg.id);
      if (this.#pending.size === 0) this.#worker.unref();
      p?.resolve(msg.signatures);
    });
    this.#worker.on('error', (error) => {
      this.#failed = error;
      for (const p of this.#pending.values()) p.reject(error);
      this.#pending.clear();
    });
    // Idle, the worker must not keep the process alive; while a job runs it must.
    this.#worker.unref();
  }

  /** True once the worker has died; callers then sign on their own thread. */
  get failed(): boolean {
    return this.#failed !== undefined;
  }

  /** Makes a key available to the worker (idempotent). */
  addKey(keyId: string, seed: Uint8Array): void {
    if (this.#keys.has(keyId)) return;
    this.#keys.add(keyId);
    this.#worker.postMessage({ type: 'key', keyId, seed: Uint8Array.from(seed) });
  }

  /** Signs `count` 32-byte hashes laid end to end in `hashes`; resolves to `count` × 64 bytes. */
  sign(keyId: string, hashes: Uint8Array, count: number): Promise<Uint8Array> {
    if (this.#failed !== undefined) return Promise.reject(this.#failed);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.ref();
      this.#worker.postMessage({
        type: 'sign',
        id,
        keyId,
        count,
        hashes: hashes.slice(0, count * 32),
      });
    });
  }

  /** Stops the worker. */
  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}

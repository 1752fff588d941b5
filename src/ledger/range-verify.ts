/**
 * @module Range-parallel verification of a SQLite ledger. The log is cut into aligned ranges of
 * 2^k entries; worker threads (one per core), each with its own read-only connection, check a
 * range at a time on raw rows (see ./range-worker.ts) and return its Merkle subtree root, edge
 * hashes, key-id runs and key/seal entries. The main thread only stitches: range k's first
 * `prev_hash` must be range k-1's last hash, the chain's own genesis and rotation entries must
 * name the key every entry is signed with, and checkpoint roots come from the subtree roots plus
 * the frontiers the workers took at claimed sizes. So the main thread is almost idle and both
 * cores hash and verify signatures.
 *
 * It answers only "intact" — everything checked, same report as the sequential verifier — or
 * "not sure": at the first anomaly of any kind it stops and returns undefined, and the caller
 * runs the sequential verifier, which finds and classifies the first break exactly as before
 * (tamper.ts). A tampered log therefore costs one parallel pass cut short plus a sequential one.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ENTRY_TYPES, type LedgerEntry } from './entry.js';
import { MerkleAccumulator } from './merkle.js';
import { RANGE_WORKER_SOURCE, type RangeResult } from './range-worker.js';
import {
  keyIdOf,
  parseAlgorithm,
  type SignatureAlgorithm,
  verifyingKeyFromPublic,
} from './signature-scheme.js';
import {
  judgeClaims,
  type KeyState,
  type SizeClaim,
  type TrustedKey,
  type VerifyReport,
} from './verifier.js';

/** A public key found outside the chain (the keys table): used only if the chain agrees. */
export interface HintKey {
  readonly keyId: string;
  readonly algorithm: SignatureAlgorithm;
  readonly publicKey: Uint8Array;
}

/** Input to {@link verifyRanges}. */
export interface RangeVerifyOptions {
  /** The SQLite database file. */
  readonly file: string;
  readonly mode: 'full' | 'fast';
  /** Entries in the log (rows counted at the start). */
  readonly total: number;
  /** Last seq to check (`Infinity`: to the end). */
  readonly to: number;
  /** Sorted by size. */
  readonly claims: readonly SizeClaim[];
  readonly origin?: string | undefined;
  readonly trustedKeys?: readonly TrustedKey[] | undefined;
  /** Public keys by id for the workers' signature checks (full mode). */
  readonly hintKeys: readonly HintKey[];
  readonly workers?: number | undefined;
  /** Entries per range, a power of two. */
  readonly rangeEntries?: number | undefined;
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
  readonly onSeal?: ((entry: LedgerEntry) => void) | undefined;
}

/** Default entries per range: 2^13 keeps two workers balanced and a range ~0.5 s in full mode. */
export const DEFAULT_RANGE_ENTRIES = 8192;

/**
 * Verifies entries 1..min(total, to) in parallel ranges. Returns the report when everything
 * checked out, or undefined at the first anomaly (then verify sequentially to name it).
 *
 * @example
 * const report = await verifyRanges({ file, mode: 'full', total, to: Infinity, claims, hintKeys });
 * if (report === undefined) report = await verifyEntries(source, options);
 */
export async function verifyRanges(options: RangeVerifyOptions): Promise<VerifyReport | undefined> {
  const started = Date.now();
  const size = Math.min(options.total, options.to);
  const C = options.rangeEntries ?? DEFAULT_RANGE_ENTRIES;
  if (!Number.isSafeInteger(C) || C < 2 || (C & (C - 1)) !== 0) {
    throw new RangeError(`rangeEntries: expected a power of two >= 2, got ${C}`);
  }
  if (size < 1) return undefined;
  const rangeCount = Math.ceil(size / C);
  const claimSizes = options.claims
    .filter((c) => c.note !== undefined && c.size >= 1 && c.size <= size)
    .map((c) => c.size);
  const uniqueClaimSizes = [...new Set(claimSizes)].sort((a, b) => a - b);
  const workerCount = Math.max(1, Math.min(options.workers ?? availableParallelism(), rangeCount));
  const require = createRequire(import.meta.url);
  const workerData = {
    sodiumPath: require.resolve('sodium-native'),
    sqlitePath: require.resolve('better-sqlite3'),
    file: options.file,
    mode: options.mode,
    keys: options.mode === 'full' ? options.hintKeys : [],
    claimSizes: uniqueClaimSizes,
  };

  const results: (RangeResult | undefined)[] = new Array(rangeCount);
  const workers: Worker[] = [];
  let failed = false;
  try {
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let done = 0;
      let contiguous = 0;
      const dispatch = (w: Worker) => {
        if (failed || next >= rangeCount) return;
        const k = next++;
        const start = k * C + 1;
        const end = Math.min((k + 1) * C, size);
        w.postMessage({ id: k, start, end, aligned: end - start + 1 === C });
      };
      for (let i = 0; i < workerCount; i++) {
        const w = new Worker(RANGE_WORKER_SOURCE, { eval: true, workerData });
        workers.push(w);
        w.on('message', (r: RangeResult) => {
          if (failed) return;
          if (!r.ok) {
            failed = true;
            resolve();
            return;
          }
          results[r.id] = r;
          done++;
          while (contiguous < rangeCount && results[contiguous] !== undefined) contiguous++;
          options.onProgress?.(Math.min(contiguous * C, size), options.total);
          if (done === rangeCount) resolve();
          else dispatch(w);
        });
        w.on('error', (error) => {
          failed = true;
          reject(error);
        });
        dispatch(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  if (failed) return undefined;
  return stitch(results as RangeResult[], size, C, options, started);
}

function stitch(
  results: readonly RangeResult[],
  size: number,
  C: number,
  options: RangeVerifyOptions,
  started: number,
): VerifyReport | undefined {
  // Links across range edges, the tree, and roots at claimed sizes.
  const acc = new MerkleAccumulator();
  const rootsAt = new Map<number, string>();
  const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
  for (let k = 0; k < results.length; k++) {
    const r = results[k]!;
    if (k > 0 && !Buffer.from(r.firstPrev).equals(results[k - 1]!.lastHash)) return undefined;
    const base = k * C;
    const global = acc.frontier();
    const late: number[] = [];
    for (const f of r.frontiers) {
      if (f.size - base === C) late.push(f.size);
      else
        rootsAt.set(
          f.size,
          hex(MerkleAccumulator.fromFrontier(f.size, [...global, ...f.nodes]).root()),
        );
    }
    if (r.root !== null) {
      acc.push(r.root);
      for (const s of late) rootsAt.set(s, hex(acc.root()));
    } else if (k !== results.length - 1 || late.length > 0) {
      return undefined;
    }
  }

  // The key chain: genesis at seq 1 introduces the first key; a rotation at seq r, signed by the
  // outgoing key, makes the key it introduces current from r + 1. Every entry must be signed
  // with the key current at its seq (the sequential verifier's rule, checked here per run).
  const keys = new Map<string, KeyState>();
  const trusted =
    options.trustedKeys === undefined
      ? undefined
      : new Set(options.trustedKeys.map((k) => k.keyId));
  const changes: Array<{ from: number; keyId: string }> = [];
  const seals: LedgerEntry[] = [];
  let keyCount = 0;
  for (const r of results) {
    for (const e of r.special) {
      if (e.type === ENTRY_TYPES.recordSealed) seals.push(e);
      const genesis = e.seq === 1;
      if (!genesis && e.type !== ENTRY_TYPES.keyRotated) continue;
      const introduced = introduce(e, keyCount);
      if (introduced === undefined) return undefined;
      keyCount++;
      keys.set(introduced.key.keyId, introduced);
      if (genesis) {
        if (trusted !== undefined && !trusted.has(e.key_id)) return undefined;
        if (!keys.has(e.key_id)) return undefined;
        changes.push({ from: 1, keyId: e.key_id });
      } else {
        changes.push({ from: e.seq + 1, keyId: introduced.key.keyId });
      }
    }
  }
  if (changes.length === 0 || changes[0]!.from !== 1) return undefined;
  const runs: Array<{ from: number; to: number; keyId: string }> = [];
  for (let k = 0; k < results.length; k++) {
    const r = results[k]!;
    r.keyRuns.forEach(([from, keyId], i) => {
      const to = i + 1 < r.keyRuns.length ? r.keyRuns[i + 1]![0] - 1 : r.end;
      runs.push({ from, to, keyId });
    });
  }
  for (const run of runs) {
    for (let i = 0; i < changes.length; i++) {
      const from = changes[i]!.from;
      const to = i + 1 < changes.length ? changes[i + 1]!.from - 1 : Number.POSITIVE_INFINITY;
      if (to < run.from || from > run.to) continue;
      if (changes[i]!.keyId !== run.keyId) return undefined;
    }
  }
  if (options.mode === 'full') {
    // The workers checked signatures with keys from the keys table; they must be the chain's.
    const hints = new Map(options.hintKeys.map((k) => [k.keyId, k]));
    for (const keyId of new Set(runs.map((r) => r.keyId))) {
      const hint = hints.get(keyId);
      const chain = keys.get(keyId)?.key;
      if (
        hint === undefined ||
        chain === undefined ||
        hint.algorithm !== chain.algorithm ||
        !Buffer.from(hint.publicKey).equals(Buffer.from(chain.publicKey))
      )
        return undefined;
    }
  }

  const judged = judgeClaims(options.claims, {
    position: size,
    size,
    broken: false,
    to: options.to,
    rootsAt,
    keys,
    origin: options.origin,
  });
  for (const e of seals) options.onSeal?.(e);
  return {
    ok: judged.first === undefined,
    entries: size,
    checkpoints: judged.checkpoints,
    size: Math.max(options.total, size),
    mode: options.mode,
    firstBad: judged.first ?? null,
    durationMs: Date.now() - started,
  };
}

/** The key a genesis or rotation entry introduces, or undefined if it introduces none validly. */
function introduce(entry: LedgerEntry, index: number): KeyState | undefined {
  try {
    const payload = JSON.parse(entry.payload) as {
      key_id?: unknown;
      algorithm?: unknown;
      public_key?: unknown;
    };
    const algorithm = parseAlgorithm(String(payload.algorithm));
    const publicKey = Buffer.from(String(payload.public_key), 'base64');
    const keyId = keyIdOf(algorithm, publicKey);
    if (keyId !== payload.key_id) return undefined;
    return { key: verifyingKeyFromPublic(algorithm, publicKey), index, introducedAt: entry.seq };
  } catch {
    return undefined;
  }
}

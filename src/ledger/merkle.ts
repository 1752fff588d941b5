/**
 * @module RFC 6962 / RFC 9162 Merkle tree hashing over SHA-256. The ledger commits to its
 * entries with this tree so a checkpoint (tree size + root) can be checked by anyone: an
 * inclusion proof shows one entry is in the tree, a consistency proof shows a later tree
 * only appends to an earlier one. Hashes are 32-byte `Uint8Array`s; SHA-256 comes from
 * sodium-native because this runs over every ledger entry and it is ~3x faster than
 * node:crypto for 33- and 65-byte inputs.
 */

import sodium from 'sodium-native';
import { AgentvisorError } from '../core/index.js';

/**
 * A fresh copy of `bytes`. Not `bytes.slice()`: on a Node Buffer (a Uint8Array subclass) that
 * returns a view sharing memory, so a verifier fed Buffers would hash into its own input.
 */
function copyBytes(bytes: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes);
}

/** Length in bytes of every hash in the tree (SHA-256). */
export const HASH_BYTES = 32;

// The sodium-native typings ask for Buffer, but the binding accepts any typed array
// (it asserts `ArrayBuffer.isView`), so plain Uint8Array views avoid Buffer copies.
const sha256Into = sodium.crypto_hash_sha256 as unknown as (
  out: Uint8Array,
  input: Uint8Array,
) => void;

function sha256(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(HASH_BYTES);
  sha256Into(out, input);
  return out;
}

/** MTH({}) = SHA-256() — the root of the empty tree (RFC 6962 §2.1). */
export const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0));

function invalid(message: string, details?: Record<string, unknown>): AgentvisorError {
  return new AgentvisorError('INPUT_INVALID', message, details === undefined ? {} : { details });
}

function checkHash(name: string, hash: unknown): asserts hash is Uint8Array {
  if (!(hash instanceof Uint8Array) || hash.length !== HASH_BYTES) {
    const got = hash instanceof Uint8Array ? `${hash.length} bytes` : typeof hash;
    throw invalid(`${name}: expected a ${HASH_BYTES}-byte hash, got ${got}`);
  }
}

function checkHashes(name: string, hashes: readonly Uint8Array[]): void {
  for (let i = 0; i < hashes.length; i++) checkHash(`${name}[${i}]`, hashes[i]);
}

function checkInteger(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalid(`${name}: expected an integer in [${min}, ${max}], got ${String(value)}`, {
      [name]: value,
      min,
      max,
    });
  }
}

/** A verifier may receive anything from an untrusted proof; only exact 32-byte hashes count. */
function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === HASH_BYTES;
}

function equalHashes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/**
 * Leaf hash: SHA-256(0x00 || data). The 0x00 prefix (RFC 6962 §2.1) separates leaves from
 * interior nodes, so no leaf can be passed off as a subtree (second-preimage resistance).
 *
 * @example
 * const h = leafHash(new TextEncoder().encode('{"seq":1}'));
 */
export function leafHash(data: Uint8Array): Uint8Array {
  const input = new Uint8Array(data.length + 1);
  input[0] = 0x00;
  input.set(data, 1);
  return sha256(input);
}

// One shared 65-byte buffer for 0x01 || left || right: interior hashing is the hot path and
// must not allocate per node. JavaScript is single-threaded, so sharing it is safe as long as
// no function yields between filling and hashing it (none do).
const nodeInput = new Uint8Array(1 + 2 * HASH_BYTES);
nodeInput[0] = 0x01;

function nodeHashInto(out: Uint8Array, left: Uint8Array, right: Uint8Array): void {
  nodeInput.set(left, 1);
  nodeInput.set(right, 1 + HASH_BYTES);
  sha256Into(out, nodeInput);
}

/**
 * Interior node hash: SHA-256(0x01 || left || right) (RFC 6962 §2.1).
 *
 * @example
 * const parent = nodeHash(leafHash(a), leafHash(b));
 */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  checkHash('left', left);
  checkHash('right', right);
  const out = new Uint8Array(HASH_BYTES);
  nodeHashInto(out, left, right);
  return out;
}

/** Largest power of two strictly less than n, for n >= 2 (the RFC 6962 §2.1 split point k). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[lo:hi]) for hi > lo, by the RFC 6962 §2.1 recursion. Inputs already validated. */
function subtreeRoot(leaves: readonly Uint8Array[], lo: number, hi: number): Uint8Array {
  const n = hi - lo;
  if (n === 1) return leaves[lo] as Uint8Array;
  const k = splitPoint(n);
  const out = new Uint8Array(HASH_BYTES);
  nodeHashInto(out, subtreeRoot(leaves, lo, lo + k), subtreeRoot(leaves, lo + k, hi));
  return out;
}

/**
 * The Merkle Tree Hash MTH(D[n]) of already-hashed leaves (RFC 6962 §2.1): the empty tree
 * hashes to {@link EMPTY_ROOT}, one leaf is its own root, and n > 1 leaves split at the
 * largest power of two k < n into MTH(D[0:k]) and MTH(D[k:n]).
 *
 * @example
 * const root = merkleRoot(entries.map((bytes) => leafHash(bytes)));
 */
export function merkleRoot(leafHashes: readonly Uint8Array[]): Uint8Array {
  checkHashes('leafHashes', leafHashes);
  if (leafHashes.length === 0) return copyBytes(EMPTY_ROOT);
  return copyBytes(subtreeRoot(leafHashes, 0, leafHashes.length));
}

/** Deepest possible compact range: one node per bit of a safe-integer tree size. */
const MAX_LEVELS = 64;

/**
 * Streaming Merkle root over an append-only sequence of leaf hashes (a "compact range",
 * see transparency-dev/merkle docs/compact_ranges.md). It keeps one node per set bit of the
 * size — the roots of the perfect subtrees the RFC 6962 §2.1 split produces — so `push` is
 * amortised O(1), `root()` is O(log n), and memory is a fixed 64×32-byte stack: the ledger
 * can run it over millions of entries without per-leaf allocation.
 *
 * @example
 * const acc = new MerkleAccumulator();
 * for (const h of leafHashes) acc.push(h);
 * const checkpointRoot = acc.root();
 */
export class MerkleAccumulator {
  /** Node storage; slot i holds stack entry i (bottom = leftmost, largest subtree). */
  readonly #store = new Uint8Array(MAX_LEVELS * HASH_BYTES);
  readonly #slots: Uint8Array[] = [];
  readonly #scratch = new Uint8Array(HASH_BYTES);
  #depth = 0;
  #size = 0;

  constructor() {
    for (let i = 0; i < MAX_LEVELS; i++) {
      this.#slots.push(this.#store.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES));
    }
  }

  /**
   * Rebuilds an accumulator from a stored {@link MerkleAccumulator.frontier} and size, so a
   * restarted ledger does not rehash every entry.
   *
   * @example
   * const acc = MerkleAccumulator.fromFrontier(saved.size, saved.frontier);
   */
  static fromFrontier(size: number, frontier: readonly Uint8Array[]): MerkleAccumulator {
    checkInteger('size', size, 0, Number.MAX_SAFE_INTEGER);
    checkHashes('frontier', frontier);
    let bits = 0;
    for (let n = size; n > 0; n = Math.floor(n / 2)) bits += n % 2;
    if (frontier.length !== bits) {
      throw invalid(
        `frontier: a tree of size ${size} has ${bits} frontier hashes, got ${frontier.length}`,
      );
    }
    const acc = new MerkleAccumulator();
    frontier.forEach((hash, i) => {
      acc.#slots[i]?.set(hash);
    });
    acc.#depth = bits;
    acc.#size = size;
    return acc;
  }

  /** Number of leaves pushed so far. */
  get size(): number {
    return this.#size;
  }

  /**
   * Appends one leaf hash (as produced by {@link leafHash}).
   *
   * @example
   * acc.push(leafHash(entryBytes));
   */
  push(leafHash: Uint8Array): void {
    checkHash('leafHash', leafHash);
    if (this.#size >= Number.MAX_SAFE_INTEGER) {
      throw invalid(`size: the tree cannot grow past ${Number.MAX_SAFE_INTEGER} leaves`);
    }
    // Adding a leaf is binary increment on the size: every trailing 1-bit is a perfect
    // subtree of the same height as the carry, so merge it (left = older) and carry on.
    const cur = this.#scratch;
    cur.set(leafHash);
    for (let n = this.#size; n % 2 === 1; n = (n - 1) / 2) {
      this.#depth--;
      nodeHashInto(cur, this.#slots[this.#depth] as Uint8Array, cur);
    }
    (this.#slots[this.#depth] as Uint8Array).set(cur);
    this.#depth++;
    this.#size++;
  }

  /**
   * MTH of all leaves pushed so far, equal to {@link merkleRoot} over the same leaves: the
   * RFC 6962 split always puts the largest perfect subtree on the left, so folding the
   * stack right-to-left rebuilds exactly the recursive definition.
   *
   * @example
   * const root = acc.root();
   */
  root(): Uint8Array {
    if (this.#depth === 0) return copyBytes(EMPTY_ROOT);
    const acc = new Uint8Array(HASH_BYTES);
    acc.set(this.#slots[this.#depth - 1] as Uint8Array);
    for (let i = this.#depth - 2; i >= 0; i--) {
      nodeHashInto(acc, this.#slots[i] as Uint8Array, acc);
    }
    return acc;
  }

  /**
   * Copies of the stack nodes, leftmost (largest subtree) first; persist these with
   * {@link MerkleAccumulator.size} and restore with {@link MerkleAccumulator.fromFrontier}.
   *
   * @example
   * const saved = { size: acc.size, frontier: acc.frontier() };
   */
  frontier(): Uint8Array[] {
    return this.#slots.slice(0, this.#depth).map((slot) => copyBytes(slot));
  }
}

/** PATH(m, D[lo:hi]) of RFC 6962 §2.1.1, appending to `out`. */
function path(
  leaves: readonly Uint8Array[],
  m: number,
  lo: number,
  hi: number,
  out: Uint8Array[],
): void {
  const n = hi - lo;
  if (n <= 1) return;
  const k = splitPoint(n);
  if (m < k) {
    path(leaves, m, lo, lo + k, out);
    out.push(copyBytes(subtreeRoot(leaves, lo + k, hi)));
  } else {
    path(leaves, m - k, lo + k, hi, out);
    out.push(copyBytes(subtreeRoot(leaves, lo, lo + k)));
  }
}

/**
 * Inclusion proof (audit path) for leaf `index` in the tree of the first `treeSize` leaves,
 * as defined by PATH(m, D[n]) in RFC 6962 §2.1.1; siblings are ordered leaf-to-root.
 *
 * @example
 * const proof = inclusionProof(leafHashes, 5, 8);
 */
export function inclusionProof(
  leafHashes: readonly Uint8Array[],
  index: number,
  treeSize: number = leafHashes.length,
): Uint8Array[] {
  checkInteger('treeSize', treeSize, 1, leafHashes.length);
  checkInteger('index', index, 0, treeSize - 1);
  checkHashes('leafHashes', leafHashes.slice(0, treeSize));
  const out: Uint8Array[] = [];
  path(leafHashes, index, 0, treeSize, out);
  return out;
}

/** SUBPROOF(m, D[lo:hi], b) of RFC 6962 §2.1.2, appending to `out`. */
function subproof(
  leaves: readonly Uint8Array[],
  m: number,
  lo: number,
  hi: number,
  complete: boolean,
  out: Uint8Array[],
): void {
  const n = hi - lo;
  if (m === n) {
    // The old tree is this whole subtree: its root is known to the verifier when the
    // subtree is the old tree itself (b = true), otherwise it must be supplied.
    if (!complete) out.push(copyBytes(subtreeRoot(leaves, lo, hi)));
    return;
  }
  const k = splitPoint(n);
  if (m <= k) {
    subproof(leaves, m, lo, lo + k, complete, out);
    out.push(copyBytes(subtreeRoot(leaves, lo + k, hi)));
  } else {
    subproof(leaves, m - k, lo + k, hi, false, out);
    out.push(copyBytes(subtreeRoot(leaves, lo, lo + k)));
  }
}

/**
 * Consistency proof that the tree of the first `oldSize` leaves is a prefix of the tree of
 * the first `newSize` leaves: PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of RFC 6962 §2.1.2.
 * It is empty when oldSize is 0 or equals newSize (nothing to prove).
 *
 * @example
 * const proof = consistencyProof(leafHashes, 6, 8);
 */
export function consistencyProof(
  leafHashes: readonly Uint8Array[],
  oldSize: number,
  newSize: number,
): Uint8Array[] {
  checkInteger('newSize', newSize, 0, leafHashes.length);
  checkInteger('oldSize', oldSize, 0, newSize);
  checkHashes('leafHashes', leafHashes.slice(0, newSize));
  const out: Uint8Array[] = [];
  if (oldSize === 0 || oldSize === newSize) return out;
  subproof(leafHashes, oldSize, 0, newSize, true, out);
  return out;
}

/** Arguments of {@link verifyInclusion}. */
export interface InclusionCheck {
  leafHash: Uint8Array;
  index: number;
  treeSize: number;
  proof: readonly Uint8Array[];
  root: Uint8Array;
}

/**
 * Verifies an inclusion proof by the RFC 9162 §2.1.3.2 algorithm. Returns false for any
 * proof that does not check out — including an index outside the tree or a proof element
 * that is not 32 bytes, since those come from the untrusted prover. Throws INPUT_INVALID
 * only when index/treeSize are not non-negative safe integers (a caller bug).
 *
 * @example
 * const ok = verifyInclusion({ leafHash: h, index: 5, treeSize: 8, proof, root });
 */
export function verifyInclusion(check: InclusionCheck): boolean {
  const { leafHash, index, treeSize, proof, root } = check;
  checkInteger('index', index, 0, Number.MAX_SAFE_INTEGER);
  checkInteger('treeSize', treeSize, 0, Number.MAX_SAFE_INTEGER);
  if (index >= treeSize || !isHash(leafHash) || !isHash(root)) return false;
  // Division instead of >> because sizes may exceed 2^32 (bit operators truncate to int32).
  let fn = index;
  let sn = treeSize - 1;
  const r = copyBytes(leafHash);
  for (const p of proof) {
    if (sn === 0 || !isHash(p)) return false;
    if (fn % 2 === 1 || fn === sn) {
      nodeHashInto(r, p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      nodeHashInto(r, r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalHashes(r, root);
}

/** Arguments of {@link verifyConsistency}. */
export interface ConsistencyCheck {
  oldSize: number;
  newSize: number;
  oldRoot: Uint8Array;
  newRoot: Uint8Array;
  proof: readonly Uint8Array[];
}

/**
 * Verifies a consistency proof by the RFC 9162 §2.1.4.2 algorithm. The trivial cases the RFC
 * leaves out are decided strictly: oldSize = newSize needs an empty proof and equal roots;
 * oldSize = 0 needs an empty proof and `oldRoot` = {@link EMPTY_ROOT}. Returns false for
 * oldSize > newSize or malformed hashes (untrusted input); throws INPUT_INVALID only when
 * a size is not a non-negative safe integer.
 *
 * @example
 * const ok = verifyConsistency({ oldSize: 6, newSize: 8, oldRoot, newRoot, proof });
 */
export function verifyConsistency(check: ConsistencyCheck): boolean {
  const { oldSize, newSize, oldRoot, newRoot, proof } = check;
  checkInteger('oldSize', oldSize, 0, Number.MAX_SAFE_INTEGER);
  checkInteger('newSize', newSize, 0, Number.MAX_SAFE_INTEGER);
  if (oldSize > newSize || !isHash(oldRoot) || !isHash(newRoot)) return false;
  if (oldSize === newSize) return proof.length === 0 && equalHashes(oldRoot, newRoot);
  if (oldSize === 0) return proof.length === 0 && equalHashes(oldRoot, EMPTY_ROOT);
  // Step 1: a non-trivial proof is never empty.
  if (proof.length === 0) return false;
  for (const p of proof) if (!isHash(p)) return false;
  // Step 2: when oldSize is a power of two the old root is itself a node of the new tree,
  // so the prover omits it and the verifier starts from it.
  let path: readonly Uint8Array[] = proof;
  if (isPowerOfTwo(oldSize)) path = [oldRoot, ...proof];
  // Steps 3-4.
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  // Step 5.
  const fr = copyBytes(path[0] as Uint8Array);
  const sr = copyBytes(fr);
  // Step 6.
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as Uint8Array;
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      nodeHashInto(fr, c, fr);
      nodeHashInto(sr, c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      nodeHashInto(sr, sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // Step 7.
  return sn === 0 && equalHashes(fr, oldRoot) && equalHashes(sr, newRoot);
}

function isPowerOfTwo(n: number): boolean {
  let m = n;
  while (m > 1 && m % 2 === 0) m /= 2;
  return m === 1;
}

/**
 * @module The range verifier's worker: source text evaluated in a worker thread (like the
 * signature pool's, so it runs the same from `src/` under vitest and from `dist/`). Each worker
 * opens its own read-only SQLite connection and checks whole ranges of entries on raw rows —
 * hashes, `prev_hash` links, seq continuity and, in full mode, Ed25519 / RSA-PSS signatures —
 * with no hex or base64 round trips, and sends back only what the main thread needs to stitch
 * ranges together: the first `prev_hash` and last entry hash, the Merkle subtree root of the
 * range, compact-range frontiers at checkpoint sizes, the key-introducing and sealing entries,
 * and the runs of `key_id`. It never classifies a break: at the first anomaly it reports the
 * range as failed and the main thread re-runs the sequential verifier, which names it.
 */

/**
 * The canonical entry encoder, as JavaScript source shared by the worker and the tests. It must
 * produce exactly what {@link ledgerEntryCanonical} produces (the property test in
 * test/unit/ledger/range-canonical.test.ts compares them); it takes row fields positionally so
 * the hot loop builds no object per entry, and returns undefined where the generic encoder
 * throws.
 */
export const ENTRY_CANONICAL_SOURCE = `
function entryCanonical(seq, id, ts, type, actor, subject, payload, prevHex, keyId) {
  if (!Number.isSafeInteger(seq) || typeof payload !== 'string' || payload === '') return undefined;
  if (typeof id !== 'string' || typeof ts !== 'string' || typeof type !== 'string' ||
      typeof actor !== 'string' || typeof subject !== 'string' || typeof keyId !== 'string') return undefined;
  return '{"actor":' + JSON.stringify(actor) + ',"id":' + JSON.stringify(id) +
    ',"key_id":' + JSON.stringify(keyId) + ',"payload":' + payload +
    ',"prev_hash":"' + prevHex + '","seq":' + String(seq) +
    ',"subject":' + JSON.stringify(subject) + ',"ts":' + JSON.stringify(ts) +
    ',"type":' + JSON.stringify(type) + '}';
}
`;

/** What a worker reports for one range. */
export interface RangeResult {
  readonly id: number;
  /** False at the first anomaly of any kind; the rest of the fields are then meaningless. */
  readonly ok: boolean;
  /** Why not, for debugging (never shown as a finding). */
  readonly why?: string;
  readonly start: number;
  readonly end: number;
  /** `prev_hash` of the first entry of the range, and the entry hash of its last entry. */
  readonly firstPrev: Uint8Array;
  readonly lastHash: Uint8Array;
  /** Root of the range's subtree when it is a whole aligned range; else null. */
  readonly root: Uint8Array | null;
  /** Compact-range frontier (largest first) of the range's leaves up to each claim size in it. */
  readonly frontiers: ReadonlyArray<{ readonly size: number; readonly nodes: Uint8Array[] }>;
  /** Runs of equal `key_id`: the seq where each run starts, and its key id. */
  readonly keyRuns: ReadonlyArray<readonly [number, string]>;
  /** Genesis, key rotation and record-seal entries, in text form (hex hashes, base64 signature). */
  readonly special: ReadonlyArray<import('./entry.js').LedgerEntry>;
}

/** Worker source; `workerData`: { sodiumPath, sqlitePath, file, mode, keys, claimSizes }. */
export const RANGE_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const crypto = require('node:crypto');
const sodium = require(workerData.sodiumPath);
const Database = require(workerData.sqlitePath);
${ENTRY_CANONICAL_SOURCE}
const full = workerData.mode === 'full';
const claimSizes = workerData.claimSizes;
const keys = new Map();
for (const k of workerData.keys) {
  keys.set(k.keyId, k.algorithm === 'ed25519'
    ? { ed: Buffer.from(k.publicKey) }
    : { rsa: crypto.createPublicKey({ key: Buffer.from(k.publicKey), format: 'der', type: 'spki' }) });
}
const SPECIAL = new Set(['ledger.genesis', 'ledger.key_rotated', 'record.sealed']);
const db = new Database(workerData.file, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 10000');
const stmt = db.prepare(
  'select seq, id, ts, type, actor, subject, payload, prev_hash, entry_hash, ' +
  (full ? 'signature' : 'null') + ', key_id from ledger_entries where seq >= ? and seq <= ? order by seq',
).raw(true);
const ZERO = Buffer.alloc(32);
const leafIn = Buffer.alloc(33);
const nodeIn = Buffer.alloc(65);
nodeIn[0] = 1;
// Merkle compact range over this range's leaves: stack[i] is a 32-byte node, largest first.
const stack = [];
for (let i = 0; i < 64; i++) stack.push(Buffer.alloc(32));
const cur = Buffer.alloc(32);

function verifySig(keyId, hash, sig) {
  const key = keys.get(keyId);
  if (key === undefined || !Buffer.isBuffer(sig)) return false;
  try {
    if (key.ed) return sig.length === 64 && sodium.crypto_sign_verify_detached(sig, hash, key.ed);
    return crypto.verify('sha256', hash, { key: key.rsa, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: crypto.constants.RSA_PSS_SALTLEN_AUTO }, sig);
  } catch { return false; }
}

function textEntry(r) {
  return {
    seq: r[0], id: r[1], ts: r[2], type: r[3], actor: r[4], subject: r[5], payload: r[6],
    prev_hash: r[7].toString('hex'), entry_hash: r[8].toString('hex'),
    signature: Buffer.isBuffer(r[9]) ? r[9].toString('base64') : '', key_id: r[10],
  };
}

function run(msg) {
  const { id, start, end, aligned } = msg;
  const fail = (why) => ({ id, ok: false, why, start, end });
  const rows = stmt.all(start, end);
  const n = end - start + 1;
  if (rows.length !== n) return fail('expected ' + n + ' rows in [' + start + ', ' + end + '], read ' + rows.length);
  let depth = 0;
  let prev = null;
  let prevHex = '';
  const frontiers = [];
  const keyRuns = [];
  const special = [];
  let runKey = null;
  let ci = 0;
  while (ci < claimSizes.length && claimSizes[ci] < start) ci++;
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    const seq = start + i;
    if (r[0] !== seq) return fail('seq ' + r[0] + ' where ' + seq + ' was expected');
    const p = r[7];
    const h = r[8];
    if (!Buffer.isBuffer(p) || p.length !== 32 || !Buffer.isBuffer(h) || h.length !== 32) return fail('hash columns of ' + seq + ' are not 32 raw bytes');
    if (prev === null) {
      if (seq === 1 && !p.equals(ZERO)) return fail('genesis prev_hash');
      prevHex = p.toString('hex');
    } else {
      if (!p.equals(prev)) return fail('link at ' + seq);
      prevHex = prev.toString('hex');
    }
    if (seq === 1 && r[3] !== 'ledger.genesis') return fail('first entry is not a genesis entry');
    const text = entryCanonical(seq, r[1], r[2], r[3], r[4], r[5], r[6], prevHex, r[10]);
    if (text === undefined) return fail('fields of ' + seq);
    const digest = crypto.hash('sha256', text, 'buffer');
    if (!digest.equals(h)) return fail('hash of ' + seq);
    if (full && !verifySig(r[10], h, r[9])) return fail('signature of ' + seq);
    if (r[10] !== runKey) { runKey = r[10]; keyRuns.push([seq, runKey]); }
    if (SPECIAL.has(r[3])) special.push(textEntry(r));
    // Merkle: leaf = SHA-256(0x00 || entry hash), merged while the local count is odd.
    h.copy(leafIn, 1);
    sodium.crypto_hash_sha256(cur, leafIn);
    for (let m = i; m % 2 === 1; m = (m - 1) / 2) {
      depth--;
      stack[depth].copy(nodeIn, 1);
      cur.copy(nodeIn, 33);
      sodium.crypto_hash_sha256(cur, nodeIn);
    }
    cur.copy(stack[depth]);
    depth++;
    while (ci < claimSizes.length && claimSizes[ci] === seq) {
      const nodes = [];
      for (let d = 0; d < depth; d++) nodes.push(Uint8Array.prototype.slice.call(stack[d]));
      frontiers.push({ size: seq, nodes });
      ci++;
    }
    prev = h;
  }
  return {
    id, ok: true, start, end,
    firstPrev: Uint8Array.prototype.slice.call(rows[0][7]),
    lastHash: Uint8Array.prototype.slice.call(prev),
    root: aligned && depth === 1 ? Uint8Array.prototype.slice.call(stack[0]) : null,
    frontiers, keyRuns, special,
  };
}

parentPort.on('message', (msg) => {
  let out;
  try { out = run(msg); } catch (error) { out = { id: msg.id, ok: false, why: String(error && error.message || error), start: msg.start, end: msg.end }; }
  parentPort.postMessage(out);
});
`;

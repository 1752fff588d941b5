/**
 * @module The verifier. Recomputes every entry hash, follows every `prev_hash` link, checks that
 * each entry is signed by the key the chain itself says is current, rebuilds the Merkle tree and
 * compares it with every signed checkpoint (in the database, at anchors, and the head row), and
 * reports the FIRST bad entry and what kind of break it is. It works over any {@link EntrySource},
 * so the same code checks the live database and an export with no database at all.
 */
import {
  type NoteVerifier,
  noteKeyHash,
  parseCheckpointBody,
  parseSignedNote,
  verifyNoteSignature,
} from './checkpoint-note.js';
import { computeEntryHash, ENTRY_TYPES, GENESIS_PREV_HASH, type LedgerEntry } from './entry.js';
import { leafHash, MerkleAccumulator } from './merkle.js';
import { type PoolKey, SignaturePool } from './signature-pool.js';
import {
  keyIdOf,
  parseAlgorithm,
  type SignatureAlgorithm,
  type VerifyingKey,
  verifyingKeyFromPublic,
} from './signature-scheme.js';
import { classifyBreak, type FindingSource, type TamperFinding } from './tamper.js';

/** Reads entries in stored order, a page at a time. */
export interface EntrySource {
  /** Number of stored entries, for progress (may be an estimate). */
  count(): Promise<number>;
  /** Entries after the `position` first ones, in stored order (ORDER BY seq), at most `limit`. */
  read(position: number, limit: number): Promise<LedgerEntry[]>;
}

/** A size the log is claimed to have reached, with the root when the claim is a checkpoint. */
export interface SizeClaim {
  readonly size: number;
  readonly where: FindingSource;
  /** Name of the anchor or table, for messages. */
  readonly label: string;
  /** The signed note; absent for the head row's claim. */
  readonly note?: string;
}

/** A key named by a trusted export, for third-party verification. */
export interface TrustedKey {
  readonly keyId: string;
  readonly algorithm: SignatureAlgorithm;
  readonly publicKey: Uint8Array;
}

/** Options for {@link verifyEntries}. */
export interface VerifyOptions {
  /** First seq to check (earlier entries only feed the Merkle tree and the key chain). */
  from?: number;
  /** Last seq to check; truncation is only judged when verifying to the end. */
  to?: number;
  /** `full` checks every signature; `fast` checks hashes, links, the tree and checkpoint signatures. */
  mode?: 'full' | 'fast';
  /** Checkpoints, anchors and the head row that claim sizes and roots. */
  claims?: readonly SizeClaim[];
  /** The checkpoint origin (key name in notes). */
  origin?: string;
  /** Pin the genesis key: verification fails with `unknown_key` unless it is one of these. */
  trustedKeys?: readonly TrustedKey[];
  /** Worker threads for signatures; 0 verifies on the calling thread. Default: one per core when the log is large. */
  workers?: number;
  onProgress?: (done: number, total: number) => void;
  /** Called for each `record.sealed` entry, so record checks need no second scan. */
  onSeal?: (entry: LedgerEntry) => void;
}

/** The verifier's answer. `firstBad` is null when everything checked is intact. */
export interface VerifyReport {
  readonly ok: boolean;
  /** Entries whose hash, link and (in full mode) signature were checked. */
  readonly entries: number;
  /** Checkpoints (database, anchors) whose signature and root were checked. */
  readonly checkpoints: number;
  /** Entries in the log. */
  readonly size: number;
  readonly mode: 'full' | 'fast';
  readonly firstBad: TamperFinding | null;
  readonly durationMs: number;
}

const PAGE = 4096;
const LOOKAHEAD = 256;
const SIG_BATCH = 2048;
/** Signature batches queued to workers at once: enough to keep every core busy while the main thread reads on. */
const MAX_BATCHES_IN_FLIGHT = 8;

/** A key the chain introduced: where, and its place in the signature pool's key list. */
export interface KeyState {
  readonly key: VerifyingKey;
  readonly index: number;
  readonly introducedAt: number;
}

/**
 * Verifies a log read from `source`.
 *
 * @example
 * const report = await verifyEntries(source, { claims, origin: 'agentvisor.local/ledger' });
 * if (!report.ok) console.log(report.firstBad);
 */
export async function verifyEntries(
  source: EntrySource,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const started = Date.now();
  const mode = options.mode ?? 'full';
  const from = Math.max(1, options.from ?? 1);
  const to = options.to ?? Number.POSITIVE_INFINITY;
  const total = await source.count();
  const claims = [...(options.claims ?? [])].sort((a, b) => a.size - b.size);
  const trusted =
    options.trustedKeys === undefined
      ? undefined
      : new Map(options.trustedKeys.map((k) => [k.keyId, k]));

  const keys = new Map<string, KeyState>();
  const keyList: PoolKey[] = [];
  const keyByIndex: VerifyingKey[] = [];
  let currentKey: KeyState | undefined;
  const poolWanted = mode === 'full' && (options.workers ?? (total > 20_000 ? undefined : 0)) !== 0;
  let pool: SignaturePool | undefined;

  const acc = new MerkleAccumulator();
  const hashBytes = Buffer.alloc(32);
  let computedForLeaf: Buffer | undefined;
  let prevHash = GENESIS_PREV_HASH;
  let position = 0;
  let checked = 0;
  let entryFinding: TamperFinding | undefined;
  // Signature batches in flight: the first failing seq among them is a candidate finding.
  const sigJobs: Promise<number | undefined>[] = [];
  let settledJobs = 0;
  let batch = newBatch();
  const rootsAt = new Map<number, string>();
  const claimSizes = new Set(claims.map((c) => c.size));

  const introduceKey = (entry: LedgerEntry): TamperFinding | undefined => {
    let payload: { key_id?: unknown; algorithm?: unknown; public_key?: unknown };
    try {
      payload = JSON.parse(entry.payload) as typeof payload;
    } catch {
      return {
        seq: entry.seq,
        kind: 'modified',
        where: 'entry',
        detail: `key entry ${entry.seq} has an unreadable payload`,
      };
    }
    try {
      const algorithm = parseAlgorithm(String(payload.algorithm));
      const publicKey = Buffer.from(String(payload.public_key), 'base64');
      const keyId = keyIdOf(algorithm, publicKey);
      if (keyId !== payload.key_id) {
        return {
          seq: entry.seq,
          kind: 'modified',
          where: 'entry',
          detail: `key entry ${entry.seq} names a key id that does not match its public key`,
        };
      }
      const state: KeyState = {
        key: verifyingKeyFromPublic(algorithm, publicKey),
        index: keyList.length,
        introducedAt: entry.seq,
      };
      keys.set(keyId, state);
      keyList.push({ algorithm, publicKey });
      keyByIndex.push(state.key);
      pool?.setKeys(keyList);
      return undefined;
    } catch {
      return {
        seq: entry.seq,
        kind: 'modified',
        where: 'entry',
        detail: `key entry ${entry.seq} holds a malformed key`,
      };
    }
  };

  const flushBatch = () => {
    if (batch.count === 0) return;
    const b = batch;
    batch = newBatch();
    const hashes = b.hashes.subarray(0, b.count * 32);
    const sigs = Buffer.concat(b.sigs);
    const offsets = new Uint32Array(b.count + 1);
    let off = 0;
    for (let i = 0; i < b.count; i++) {
      offsets[i] = off;
      off += b.sigs[i]!.length;
    }
    offsets[b.count] = off;
    const keysIdx = b.keys.subarray(0, b.count);
    if (pool === undefined) {
      // Small logs: verifying here beats starting workers.
      for (let i = 0; i < b.count; i++) {
        const vk = keyByIndex[keysIdx[i]!]!;
        if (
          !vk.verify(
            hashes.subarray(i * 32, i * 32 + 32),
            sigs.subarray(offsets[i]!, offsets[i + 1]!),
          )
        ) {
          sigJobs.push(Promise.resolve(b.seqs[i]));
          return;
        }
      }
      return;
    }
    sigJobs.push(
      pool
        .verify({ hashes, signatures: sigs, offsets, keys: keysIdx })
        .then((bad) => (bad.length === 0 ? undefined : b.seqs[bad[0]!])),
    );
  };

  try {
    if (poolWanted) pool = new SignaturePool([], options.workers);
    let page = await source.read(0, PAGE);
    let pageStart = 0;
    outer: while (page.length > 0) {
      for (let i = 0; i < page.length; i++) {
        const row = page[i]!;
        const expected = position + 1;
        if (expected > to) break outer;
        const checking = expected >= from;

        if (!checking) {
          // Before the range: trust stored hashes, but learn keys and feed the tree.
          if (row.type === ENTRY_TYPES.genesis || row.type === ENTRY_TYPES.keyRotated) {
            introduceKey(row);
            currentKey =
              keys.get(row.type === ENTRY_TYPES.genesis ? row.key_id : safeKeyId(row)) ??
              currentKey;
          }
        } else {
          let problem: 'structure' | 'bad_signature' | 'unknown_key' | undefined;
          let computed: Buffer | undefined;
          try {
            computed = computeEntryHash(row);
          } catch {
            computed = undefined;
          }
          if (
            row.seq !== expected ||
            row.prev_hash !== prevHash ||
            computed === undefined ||
            computed.toString('hex') !== row.entry_hash
          ) {
            problem = 'structure';
          }
          let keyState: KeyState | undefined;
          if (problem === undefined) {
            if (expected === 1) {
              if (row.type !== ENTRY_TYPES.genesis) {
                problem = 'structure';
              } else {
                const f = introduceKey(row);
                if (f !== undefined) {
                  entryFinding = f;
                  break outer;
                }
                const pinnedOk = trusted === undefined || trusted.has(row.key_id);
                currentKey = keys.get(row.key_id);
                if (currentKey === undefined || !pinnedOk) problem = 'unknown_key';
              }
            }
            keyState = keys.get(row.key_id);
            if (problem === undefined) {
              if (keyState === undefined) problem = 'unknown_key';
              else if (keyState !== currentKey) problem = 'bad_signature';
            }
          }
          if (problem !== undefined) {
            const later = await lookahead(source, page, i + 1, pageStart);
            entryFinding = classifyBreak(row, prevHash, expected, later, problem);
            break outer;
          }
          if (mode === 'full') {
            const b = batch;
            b.hashes.set(computed!, b.count * 32);
            // Only the canonical base64 text counts: a re-encoding of the same bytes is an edit too.
            const sig = Buffer.from(row.signature, 'base64');
            b.sigs.push(sig.toString('base64') === row.signature ? sig : Buffer.alloc(0));
            b.keys[b.count] = keyState!.index;
            b.seqs[b.count] = row.seq;
            b.count++;
            if (b.count === SIG_BATCH) {
              flushBatch();
              // Keep every worker fed but bound the memory in flight: wait for the oldest
              // outstanding batch, never the newest (which would drain the pipeline each time).
              while (sigJobs.length - settledJobs > MAX_BATCHES_IN_FLIGHT) {
                await sigJobs[settledJobs];
                settledJobs++;
              }
            }
          }
          if (row.type === ENTRY_TYPES.keyRotated) {
            // The rotation entry is signed by the outgoing key; the new key signs from the next entry.
            const f = introduceKey(row);
            if (f !== undefined) {
              entryFinding = f;
              break outer;
            }
            currentKey = keys.get(safeKeyId(row));
          }
          if (row.type === ENTRY_TYPES.recordSealed) options.onSeal?.(row);
          checked++;
          computedForLeaf = computed;
        }
        // In range the hash was just recomputed (and equals the stored one); reuse its bytes.
        if (computedForLeaf !== undefined) acc.push(leafHash(computedForLeaf));
        else {
          hashBytes.write(row.entry_hash, 'hex');
          acc.push(leafHash(hashBytes));
        }
        computedForLeaf = undefined;
        prevHash = row.entry_hash;
        position++;
        if (claimSizes.has(position))
          rootsAt.set(position, Buffer.from(acc.root()).toString('hex'));
      }
      options.onProgress?.(position, total);
      pageStart += page.length;
      page = await source.read(pageStart, PAGE);
    }
    flushBatch();

    // The first bad signature among entries before the structural break, if any.
    const badSigSeqs = (await Promise.all(sigJobs)).filter((s): s is number => s !== undefined);
    let first: TamperFinding | undefined;
    if (badSigSeqs.length > 0) {
      const seq = Math.min(...badSigSeqs);
      if (entryFinding === undefined || seq < entryFinding.seq) {
        // The row linked and hashed correctly; if a later genuine row links past it, it was inserted.
        const [row, ...later] = await source.read(seq - 1, LOOKAHEAD + 1);
        first =
          row !== undefined && row.seq === seq
            ? classifyBreak(row, row.prev_hash, seq, later, 'bad_signature')
            : {
                seq,
                kind: 'bad_signature',
                where: 'entry',
                detail: `entry ${seq}'s signature does not verify`,
              };
      }
    }
    first ??= entryFinding;

    // Claims: checkpoints, anchors and the head row.
    const judged = judgeClaims(claims, {
      position,
      size: entryFinding === undefined ? position : entryFinding.seq - 1,
      broken: entryFinding !== undefined,
      to,
      rootsAt,
      keys,
      origin: options.origin,
    });
    const checkpointsChecked = judged.checkpoints;
    if (judged.first !== undefined && (first === undefined || judged.first.seq < first.seq))
      first = judged.first;

    return {
      ok: first === undefined,
      entries: checked,
      checkpoints: checkpointsChecked,
      size: Math.max(total, position),
      mode,
      firstBad: first ?? null,
      durationMs: Date.now() - started,
    };
  } finally {
    await pool?.close();
  }
}

function safeKeyId(row: LedgerEntry): string {
  try {
    return String((JSON.parse(row.payload) as { key_id?: unknown }).key_id);
  } catch {
    return '';
  }
}

/** Where the scan of entries ended, for {@link judgeClaims}. */
export interface ScanEnd {
  /** Entries read (in range or not). */
  readonly position: number;
  /** Entries known good: `position`, or the seq before the first break. */
  readonly size: number;
  /** True when the entries themselves broke (then truncation is not judged). */
  readonly broken: boolean;
  /** Last seq asked for (`Infinity` when verifying to the end). */
  readonly to: number;
  /** Merkle root (hex) at each claimed size within the entries read. */
  readonly rootsAt: ReadonlyMap<number, string>;
  readonly keys: Map<string, KeyState>;
  readonly origin: string | undefined;
}

/**
 * Checks every claim (checkpoint, anchor, head row) against where the scan ended: a claim past
 * the end of the log is a truncation, a signed checkpoint must be signed by a key of this
 * ledger and carry the root the entries produce. Returns the claim finding with the lowest seq.
 */
export function judgeClaims(
  claims: readonly SizeClaim[],
  end: ScanEnd,
): { first: TamperFinding | undefined; checkpoints: number } {
  let first: TamperFinding | undefined;
  let checkpoints = 0;
  for (const claim of claims) {
    if (claim.size > end.to) continue;
    let finding: TamperFinding | undefined;
    if (claim.size > end.position && !end.broken && end.to === Number.POSITIVE_INFINITY) {
      finding = {
        seq: end.position + 1,
        kind: 'truncated',
        where: claim.where,
        detail: `the log ends at seq ${end.position} but ${claim.label} proves it reached ${claim.size}`,
      };
    } else if (claim.note !== undefined && claim.size <= end.size) {
      checkpoints++;
      finding = checkClaimNote(claim, end.rootsAt.get(claim.size), end.keys, end.origin);
    }
    if (finding !== undefined && (first === undefined || finding.seq < first.seq)) first = finding;
  }
  return { first, checkpoints };
}

function checkClaimNote(
  claim: SizeClaim,
  actualRoot: string | undefined,
  keys: Map<string, KeyState>,
  origin: string | undefined,
): TamperFinding | undefined {
  const fail = (kind: TamperFinding['kind'], detail: string): TamperFinding => ({
    seq: claim.size,
    kind,
    where: claim.where,
    detail,
  });
  let body: ReturnType<typeof parseCheckpointBody>;
  let note: ReturnType<typeof parseSignedNote>;
  try {
    note = parseSignedNote(claim.note!);
    body = parseCheckpointBody(note.body);
  } catch {
    return fail('modified', `${claim.label} at size ${claim.size} is not a well-formed checkpoint`);
  }
  if (body.size !== claim.size)
    return fail(
      'modified',
      `${claim.label} claims size ${claim.size} but its signed body says ${body.size}`,
    );
  const name = origin ?? body.origin;
  const signedByKnown = [...keys.values()].some((state) => {
    const verifier: NoteVerifier = {
      name,
      keyHash: noteKeyHash(
        name,
        state.key.algorithm === 'ed25519' ? 0x01 : 0xff,
        state.key.publicKey,
      ),
      verify: (msg, sig) => state.key.verify(msg, sig),
    };
    return verifyNoteSignature(note, verifier);
  });
  if (!signedByKnown) {
    const anyKeyHash = note.signatures.length > 0;
    return fail(
      anyKeyHash ? 'bad_signature' : 'unknown_key',
      `${claim.label} at size ${claim.size} is not signed by any key of this ledger`,
    );
  }
  const root = Buffer.from(body.rootHash).toString('hex');
  if (actualRoot !== undefined && actualRoot !== root) {
    return fail(
      'modified',
      `the Merkle root of the first ${claim.size} entries differs from the one ${claim.label} signed: entries up to ${claim.size} were rewritten`,
    );
  }
  return undefined;
}

async function lookahead(
  source: EntrySource,
  page: readonly LedgerEntry[],
  next: number,
  pageStart: number,
): Promise<LedgerEntry[]> {
  const out = page.slice(next, next + LOOKAHEAD);
  if (out.length < LOOKAHEAD) {
    const more = await source.read(pageStart + page.length, LOOKAHEAD - out.length);
    out.push(...more);
  }
  return out;
}

function newBatch() {
  return {
    count: 0,
    hashes: new Uint8Array(SIG_BATCH * 32),
    sigs: [] as Buffer[],
    keys: new Uint16Array(SIG_BATCH),
    seqs: new Array<number>(SIG_BATCH),
  };
}

/** An {@link EntrySource} over entries held in memory (an export, a test). */
export function arrayEntrySource(entries: readonly LedgerEntry[]): EntrySource {
  return {
    count: async () => entries.length,
    read: async (position, limit) => entries.slice(position, position + limit),
  };
}

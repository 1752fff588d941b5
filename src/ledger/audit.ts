/**
 * @module Reading the ledger back: verification of the live database (entries, checkpoints,
 * anchors, the head row and sealed records), entry queries, inclusion and consistency proofs,
 * and export. Shared by the CLI and, later, the HTTP API.
 */
import { existsSync } from 'node:fs';
import { AgentvisorError } from '../core/index.js';
import { decodeLedgerRow, type LedgerEntryTable, type Store } from '../store/index.js';
import type { Anchor } from './anchor.js';
import type { LedgerEntry } from './entry.js';
import { consistencyProof, inclusionProof, leafHash, merkleRoot } from './merkle.js';
import { type HintKey, verifyRanges } from './range-verify.js';
import { SealIndex, verifySealedRecords } from './sealed-records.js';
import { keyIdOf, parseAlgorithm } from './signature-scheme.js';
import {
  type EntrySource,
  type SizeClaim,
  type TrustedKey,
  type VerifyReport,
  verifyEntries,
} from './verifier.js';

/** Options for {@link verifyLedger}. */
export interface VerifyLedgerOptions {
  store: Store;
  anchors?: readonly Anchor[];
  origin: string;
  from?: number;
  to?: number;
  mode?: 'full' | 'fast';
  trustedKeys?: readonly TrustedKey[];
  workers?: number;
  onProgress?: (done: number, total: number) => void;
  /**
   * From this many entries, a SQLite ledger is verified in parallel ranges on worker threads
   * (default 20,000; `workers: 0` always verifies on the calling thread). For tests.
   */
  parallelFrom?: number;
  /** Entries per parallel range, a power of two (default 8,192). For tests. */
  rangeEntries?: number;
}

/** Below this many entries, starting workers costs more than it saves. */
const PARALLEL_FROM = 20_000;

/** A verify report plus sealed-record results. */
export interface LedgerVerifyReport extends VerifyReport {
  readonly records: number;
  readonly anchors: number;
}

/**
 * Verifies the ledger in the database against itself, its checkpoints, its anchors and the
 * sealed task and thought rows.
 *
 * @example
 * const report = await verifyLedger({ store, anchors, origin: config.ledger.origin });
 */
export async function verifyLedger(options: VerifyLedgerOptions): Promise<LedgerVerifyReport> {
  const { store } = options;
  const claims: SizeClaim[] = [];
  const checkpoints = await store.db
    .selectFrom('ledger_checkpoints')
    .select(['size', 'note'])
    .orderBy('size')
    .execute();
  for (const c of checkpoints)
    claims.push({
      size: Number(c.size),
      where: 'checkpoint',
      label: 'a checkpoint in the database',
      note: c.note,
    });
  let anchorCount = 0;
  for (const anchor of options.anchors ?? []) {
    for (const c of await anchor.list()) {
      anchorCount++;
      claims.push({ size: c.size, where: 'anchor', label: `anchor ${anchor.name}`, note: c.note });
    }
  }
  const head = await store.db
    .selectFrom('ledger_head')
    .select('seq')
    .where('id', '=', 1)
    .executeTakeFirst();
  if (head !== undefined)
    claims.push({ size: Number(head.seq), where: 'head', label: 'the chain head row' });

  const seals = new SealIndex();
  const fullRange = options.from === undefined && options.to === undefined;
  const report =
    (await verifyInRanges(options, claims, (e) => seals.add(e))) ??
    (await verifyEntries(storeEntrySource(store), {
      ...options,
      claims,
      onSeal: (e) => seals.add(e),
    }));
  let records = 0;
  let firstBad = report.firstBad;
  if (fullRange && report.firstBad === null) {
    const r = await verifySealedRecords(store, seals);
    records = r.checked;
    firstBad = r.firstBad;
  }
  return { ...report, ok: firstBad === null, firstBad, records, anchors: anchorCount };
}

/**
 * The range-parallel verifier (./range-verify.ts) when it applies — a SQLite file, verifying
 * from seq 1, workers allowed, a large log — else undefined. Also undefined when it finds
 * anything amiss: the sequential verifier then runs and names the first break. Only the
 * sequential verifier runs on PostgreSQL for now.
 */
async function verifyInRanges(
  options: VerifyLedgerOptions,
  claims: readonly SizeClaim[],
  onSeal: (entry: LedgerEntry) => void,
): Promise<VerifyReport | undefined> {
  const { store } = options;
  if (store.dialect !== 'sqlite' || options.workers === 0) return undefined;
  if (options.from !== undefined && options.from > 1) return undefined;
  if (!existsSync(store.location)) return undefined;
  const started = Date.now();
  const total = Number(
    (
      await store.db
        .selectFrom('ledger_entries')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
  if (total < (options.parallelFrom ?? PARALLEL_FROM)) return undefined;
  const hintKeys: HintKey[] = [];
  if ((options.mode ?? 'full') === 'full') {
    const rows = await store.db
      .selectFrom('ledger_keys')
      .select(['key_id', 'algorithm', 'public_key'])
      .execute();
    for (const row of rows) {
      try {
        const algorithm = parseAlgorithm(row.algorithm);
        const publicKey = Buffer.from(row.public_key, 'base64');
        if (keyIdOf(algorithm, publicKey) === row.key_id)
          hintKeys.push({ keyId: row.key_id, algorithm, publicKey });
      } catch {
        // Not a usable key; entries signed with it make the parallel pass give up.
      }
    }
  }
  let report: VerifyReport | undefined;
  try {
    report = await verifyRanges({
      file: store.location,
      mode: options.mode ?? 'full',
      total,
      to: options.to ?? Number.POSITIVE_INFINITY,
      claims: [...claims].sort((a, b) => a.size - b.size),
      origin: options.origin,
      trustedKeys: options.trustedKeys,
      hintKeys,
      workers: options.workers,
      rangeEntries: options.rangeEntries,
      onProgress: options.onProgress,
      onSeal,
    });
  } catch {
    // A worker could not start or read (a driver issue, not a ledger finding): verify here.
    return undefined;
  }
  return report === undefined ? undefined : { ...report, durationMs: Date.now() - started };
}

/** Reads `ledger_entries` in seq order with keyset pagination (constant cost per page). */
export function storeEntrySource(store: Store): EntrySource {
  // position -> stored seq of the row at that position, at page boundaries we have seen.
  const seqAt = new Map<number, number>([[0, 0]]);
  return {
    async count() {
      const r = await store.db
        .selectFrom('ledger_entries')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async read(position, limit) {
      const after = seqAt.get(position);
      const rows =
        after !== undefined
          ? await store.readLedgerPage(after, limit)
          : (
              await store.db
                .selectFrom('ledger_entries')
                .selectAll()
                .orderBy('seq')
                .limit(limit)
                .offset(position)
                .execute()
            ).map(toEntry);
      if (rows.length > 0) seqAt.set(position + rows.length, rows[rows.length - 1]!.seq);
      return rows;
    },
  };
}

/** Converts a stored row (raw hash bytes; seq possibly a string from some drivers) to an entry. */
export function toEntry(row: LedgerEntryTable): LedgerEntry {
  return decodeLedgerRow(row);
}

/** Filters for {@link listEntries}. */
export interface EntryFilter {
  fromSeq?: number;
  toSeq?: number;
  type?: string;
  actor?: string;
  subject?: string;
  limit?: number;
  order?: 'asc' | 'desc';
}

/** Lists entries matching a filter. */
export async function listEntries(store: Store, filter: EntryFilter = {}): Promise<LedgerEntry[]> {
  let q = store.db.selectFrom('ledger_entries').selectAll();
  if (filter.fromSeq !== undefined) q = q.where('seq', '>=', filter.fromSeq);
  if (filter.toSeq !== undefined) q = q.where('seq', '<=', filter.toSeq);
  if (filter.type !== undefined) q = q.where('type', '=', filter.type);
  if (filter.actor !== undefined) q = q.where('actor', '=', filter.actor);
  if (filter.subject !== undefined) q = q.where('subject', '=', filter.subject);
  q = q.orderBy('seq', filter.order ?? 'asc').limit(filter.limit ?? 100);
  return (await q.execute()).map(toEntry);
}

/** One entry by seq; `NOT_FOUND` when absent. */
export async function getEntry(store: Store, seq: number): Promise<LedgerEntry> {
  const row = await store.db
    .selectFrom('ledger_entries')
    .selectAll()
    .where('seq', '=', seq)
    .executeTakeFirst();
  if (row === undefined)
    throw new AgentvisorError('NOT_FOUND', `no ledger entry with seq ${seq}`, { details: { seq } });
  return toEntry(row);
}

async function leafHashes(store: Store, size: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  let after = 0;
  while (out.length < size) {
    const rows = await store.db
      .selectFrom('ledger_entries')
      .select(['seq', 'entry_hash'])
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(Math.min(50_000, size - out.length))
      .execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      // Bytes as stored; text only if someone wrote text there (then the proof will not verify).
      const h = typeof r.entry_hash === 'string' ? Buffer.from(r.entry_hash, 'hex') : r.entry_hash;
      out.push(leafHash(h));
    }
    after = Number(rows[rows.length - 1]!.seq);
  }
  return out;
}

async function currentSize(store: Store): Promise<number> {
  const head = await store.db
    .selectFrom('ledger_head')
    .select('seq')
    .where('id', '=', 1)
    .executeTakeFirst();
  return Number(head?.seq ?? 0);
}

/** An inclusion proof in the RFC 6962 sense, hex-encoded for transport. */
export interface InclusionProofResult {
  readonly seq: number;
  /** 0-based leaf index (= seq - 1). */
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly leafHash: string;
  readonly rootHash: string;
  readonly proof: string[];
}

/** Builds the inclusion proof of entry `seq` in the tree of the first `treeSize` entries. */
export async function proveInclusion(
  store: Store,
  seq: number,
  treeSize?: number,
): Promise<InclusionProofResult> {
  const size = treeSize ?? (await currentSize(store));
  if (!Number.isInteger(seq) || seq < 1 || seq > size) {
    throw new AgentvisorError(
      'INPUT_INVALID',
      `seq: expected an integer from 1 to ${size}, got ${seq}`,
    );
  }
  const leaves = await leafHashes(store, size);
  if (leaves.length < size)
    throw new AgentvisorError(
      'INPUT_INVALID',
      `size: the log has only ${leaves.length} entries, asked for ${size}`,
    );
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  return {
    seq,
    leafIndex: seq - 1,
    treeSize: size,
    leafHash: hex(leaves[seq - 1]!),
    rootHash: hex(merkleRoot(leaves)),
    proof: inclusionProof(leaves, seq - 1, size).map(hex),
  };
}

/** A consistency proof between two tree sizes, hex-encoded. */
export interface ConsistencyProofResult {
  readonly oldSize: number;
  readonly newSize: number;
  readonly oldRoot: string;
  readonly newRoot: string;
  readonly proof: string[];
}

/** Builds the consistency proof from `oldSize` to `newSize` (default: the current size). */
export async function proveConsistency(
  store: Store,
  oldSize: number,
  newSize?: number,
): Promise<ConsistencyProofResult> {
  const size = newSize ?? (await currentSize(store));
  if (!Number.isInteger(oldSize) || oldSize < 1 || oldSize > size) {
    throw new AgentvisorError(
      'INPUT_INVALID',
      `old size: expected an integer from 1 to ${size}, got ${oldSize}`,
    );
  }
  const leaves = await leafHashes(store, size);
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  return {
    oldSize,
    newSize: size,
    oldRoot: hex(merkleRoot(leaves.slice(0, oldSize))),
    newRoot: hex(merkleRoot(leaves)),
    proof: consistencyProof(leaves, oldSize, size).map(hex),
  };
}

/** One exported entry: the stored entry with its payload as a JSON value, for readability. */
export type ExportedEntry = Omit<LedgerEntry, 'payload'> & { payload: unknown };

/** Streams the ledger as exported entries, in seq order. */
export async function* exportEntries(store: Store, pageSize = 5000): AsyncGenerator<ExportedEntry> {
  const source = storeEntrySource(store);
  let position = 0;
  for (;;) {
    const page = await source.read(position, pageSize);
    if (page.length === 0) return;
    for (const e of page) yield { ...e, payload: JSON.parse(e.payload) as unknown };
    position += page.length;
  }
}

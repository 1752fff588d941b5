/**
 * @module What the verifier reports, and how it names a break in the chain. Classification
 * looks at the first row that does not follow from the last good one (hash `H`, expected seq
 * `e`) and at the rows after it: who links to `H`, whether the row is internally consistent
 * (its hash recomputes, possibly under another seq after renumbering), and whether its own
 * predecessor appears later. That is enough to tell a modification from a deletion, an
 * insertion, or a reordering, which is what an investigator needs to know first.
 */
import type { LedgerEntry } from './entry.js';
import { computeEntryHash } from './entry.js';

/** The kinds of break the verifier names. */
export type TamperKind =
  | 'modified'
  | 'deleted'
  | 'inserted'
  | 'reordered'
  | 'truncated'
  | 'bad_signature'
  | 'unknown_key';

/** Where a finding was made. */
export type FindingSource = 'entry' | 'checkpoint' | 'anchor' | 'head' | 'record';

/** The first bad thing found. */
export interface TamperFinding {
  readonly seq: number;
  readonly kind: TamperKind;
  readonly where: FindingSource;
  /** One sentence a person can act on. */
  readonly detail: string;
  /** For `record` findings: which table and id. */
  readonly record?: { readonly table: string; readonly id: string };
}

/** Renumbering after a deletion or insertion shifts seqs by a few; look this far for the original. */
const SEQ_SEARCH = 8;

/** True when the entry's stored hash recomputes under its own or a nearby seq. */
function consistentUnderSomeSeq(row: LedgerEntry, expected: number): boolean {
  if (hashMatches(row, row.seq)) return true;
  for (let d = -SEQ_SEARCH; d <= SEQ_SEARCH; d++) {
    const seq = expected + d;
    if (seq >= 1 && seq !== row.seq && hashMatches(row, seq)) return true;
  }
  return false;
}

function hashMatches(row: LedgerEntry, seq: number): boolean {
  try {
    return computeEntryHash({ ...row, seq }).toString('hex') === row.entry_hash;
  } catch {
    return false;
  }
}

/**
 * Names the break at `row`, the first row that does not follow the last good entry.
 *
 * @param prevHash entry hash of the last good entry (the genesis value before seq 1)
 * @param expected the seq the row should have had
 * @param later the rows stored after `row`, in order (a bounded look-ahead window)
 * @param problem what the sequential check saw: a broken link/seq/hash, or a signature/key issue
 */
export function classifyBreak(
  row: LedgerEntry,
  prevHash: string,
  expected: number,
  later: readonly LedgerEntry[],
  problem: 'structure' | 'bad_signature' | 'unknown_key',
): TamperFinding {
  const at = (kind: TamperKind, detail: string): TamperFinding => ({
    seq: expected,
    kind,
    where: 'entry',
    detail,
  });
  const laterLinksToPrev = later.some(
    (r) => r.prev_hash === prevHash && consistentUnderSomeSeq(r, expected + 1),
  );
  const laterHashes = new Set(later.map((r) => r.entry_hash));

  if (row.prev_hash === prevHash) {
    const selfOk = hashMatches(row, row.seq) && row.seq === expected;
    if (laterLinksToPrev) {
      return at(
        'inserted',
        `entry at seq ${expected} is not part of the signed chain: a later entry follows seq ${expected - 1} directly`,
      );
    }
    if (!selfOk) return at('modified', `entry ${expected}'s content no longer matches its hash`);
    if (problem === 'unknown_key')
      return at(
        'unknown_key',
        `entry ${expected} is signed by key ${row.key_id}, which the chain never introduced`,
      );
    return at(
      'bad_signature',
      `entry ${expected}'s signature does not verify under key ${row.key_id}`,
    );
  }

  const genuine = consistentUnderSomeSeq(row, expected);
  if (laterLinksToPrev) {
    if (genuine && laterHashes.has(row.prev_hash)) {
      return at(
        'reordered',
        `entry stored at seq ${expected} belongs after an entry stored later: entries were reordered`,
      );
    }
    return at(
      'inserted',
      `entry at seq ${expected} was inserted: the next genuine entry follows seq ${expected - 1} directly`,
    );
  }
  if (!genuine) return at('modified', `entry ${expected}'s content no longer matches its hash`);
  if (laterHashes.has(row.prev_hash)) {
    return at(
      'reordered',
      `entry stored at seq ${expected} belongs after an entry stored later: entries were reordered`,
    );
  }
  return at(
    'deleted',
    `entry ${expected} is missing: the entry stored next links to an entry that is no longer in the log`,
  );
}

/**
 * @module Verification that picks up where the last one stopped: the chain, signatures and
 * checkpoints of the entries added since the last verified size, plus every sealed row (tasks,
 * thoughts, goals) against its latest seal — rows can be altered at any age, so they are all
 * checked each time, which costs one indexed read of the seal entries, not a pass over the log.
 */
import type { Store } from '../store/index.js';
import type { Anchor } from './anchor.js';
import { type LedgerVerifyReport, listEntries, verifyLedger } from './audit.js';
import { ENTRY_TYPES } from './entry.js';
import { SealIndex, verifySealedRecords } from './sealed-records.js';
import type { TamperFinding } from './tamper.js';

/** The outcome of one incremental run. */
export interface IncrementalVerifyResult {
  readonly ok: boolean;
  /** The entries verified this time: `from` to `to` (inclusive); `from > to` when none were new. */
  readonly from: number;
  readonly to: number;
  readonly records: number;
  readonly firstBad: TamperFinding | null;
  readonly report: LedgerVerifyReport | null;
}

/**
 * Verifies entries after `verifiedThrough` and every sealed row.
 *
 * @example
 * const r = await verifyIncrementally({ store, origin, verifiedThrough: 12000 });
 */
export async function verifyIncrementally(options: {
  store: Store;
  origin: string;
  anchors?: readonly Anchor[];
  verifiedThrough: number;
}): Promise<IncrementalVerifyResult> {
  const { store } = options;
  const head = await store.db
    .selectFrom('ledger_head')
    .select('seq')
    .where('id', '=', 1)
    .executeTakeFirst();
  const to = Number(head?.seq ?? 0);
  const from = options.verifiedThrough + 1;
  let report: LedgerVerifyReport | null = null;
  if (from <= to) {
    report = await verifyLedger({
      store,
      origin: options.origin,
      ...(options.anchors === undefined ? {} : { anchors: options.anchors }),
      from,
      to,
    });
    if (!report.ok) {
      return { ok: false, from, to, records: 0, firstBad: report.firstBad, report };
    }
  }
  const seals = new SealIndex();
  for (let after = 0; ; ) {
    const page = await listEntries(store, {
      type: ENTRY_TYPES.recordSealed,
      fromSeq: after + 1,
      limit: 10_000,
    });
    for (const entry of page) seals.add(entry);
    if (page.length < 10_000) break;
    after = page.at(-1)!.seq;
  }
  const records = await verifySealedRecords(store, seals);
  return {
    ok: records.firstBad === null,
    from,
    to,
    records: records.checked,
    firstBad: records.firstBad,
    report,
  };
}

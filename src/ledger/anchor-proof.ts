/**
 * @module Checking what external anchors hold besides the checkpoint itself: an RFC 3161 token or
 * a witness cosignature per anchored checkpoint. Each such anchor verifies its own proofs with
 * its own trust (CA certificates, the witness key) and reports per checkpoint; this module runs
 * them all and turns the first failure into a {@link TamperFinding} for `audit verify`.
 */
import type { Anchor } from './anchor.js';
import type { TamperFinding, TamperKind } from './tamper.js';

/** One anchored checkpoint whose proof did not verify. */
export interface AnchorProofFailure {
  readonly size: number;
  readonly kind: TamperKind;
  /** One sentence a person can act on. */
  readonly reason: string;
}

/** An anchor's answer: how many proofs it checked, and which failed. */
export interface AnchorProofReport {
  readonly anchor: string;
  readonly type: string;
  readonly ok: boolean;
  readonly checked: number;
  readonly failures: readonly AnchorProofFailure[];
  /** The largest checkpoint with a valid proof and the time the TSA or witness vouched for. */
  readonly latest: { readonly size: number; readonly time: string } | null;
}

/** An anchor that holds proofs (tokens, cosignatures) it can check. */
export interface ProvingAnchor extends Anchor {
  /** `rfc3161` or `witness`. */
  readonly type: string;
  verifyProofs(): Promise<AnchorProofReport>;
}

/** True when `anchor` can check proofs. */
export function isProvingAnchor(anchor: Anchor): anchor is ProvingAnchor {
  return typeof (anchor as Partial<ProvingAnchor>).verifyProofs === 'function';
}

/**
 * Checks the proofs of every anchor that holds some (file anchors hold none and are skipped).
 * An anchor whose journal cannot be read reports that as a failure rather than throwing.
 *
 * @example
 * const reports = await verifyAnchorProofs(system.anchors);
 * const bad = reports.filter((r) => !r.ok);
 */
export async function verifyAnchorProofs(anchors: readonly Anchor[]): Promise<AnchorProofReport[]> {
  const out: AnchorProofReport[] = [];
  for (const anchor of anchors) {
    if (!isProvingAnchor(anchor)) continue;
    try {
      out.push(await anchor.verifyProofs());
    } catch (error) {
      out.push({
        anchor: anchor.name,
        type: anchor.type,
        ok: false,
        checked: 0,
        failures: [{ size: 0, kind: 'modified', reason: (error as Error).message }],
        latest: null,
      });
    }
  }
  return out;
}

/**
 * The failure with the smallest checkpoint size across reports, as a finding.
 *
 * @example
 * const finding = firstAnchorProofFinding(reports); // { seq: 1000, kind: 'bad_signature', where: 'anchor', ... }
 */
export function firstAnchorProofFinding(
  reports: readonly AnchorProofReport[],
): TamperFinding | undefined {
  let first: TamperFinding | undefined;
  for (const report of reports) {
    for (const f of report.failures) {
      if (first !== undefined && first.seq <= Math.max(1, f.size)) continue;
      first = {
        seq: Math.max(1, f.size),
        kind: f.kind,
        where: 'anchor',
        detail: `anchor ${report.anchor}, checkpoint at size ${f.size}: ${f.reason}`,
      };
    }
  }
  return first;
}

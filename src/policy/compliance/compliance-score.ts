/**
 * @module The compliance score (seed 001 §14 "Compliance Scoring": violations and crashes
 * count against, human oversight and clean exits for) as one documented formula, so every
 * number in a report can be recomputed by hand from the counts beside it.
 */
import type { ComplianceStatus, RiskLevel } from './compliance-report.js';

/** Weights of the penalties; they sum to 1 so an agent failing every way scores 0. */
export const SCORE_WEIGHTS = {
  violationRate: 0.6,
  crashRate: 0.2,
  unresolvedApprovalRate: 0.1,
  highRiskWithoutOversight: 0.1,
} as const;

/** The formula in words, carried in every report. */
export const SCORE_FORMULA =
  'score = 1 - 0.6*min(1, violations/max(1, operations)) - 0.2*min(1, crashes/max(1, starts)) ' +
  '- 0.1*(pending approvals/max(1, approvals requested)) - 0.1*(risk high and no human oversight ? 1 : 0); ' +
  'clamped to [0, 1], rounded to 3 decimals; unacceptable risk scores 0. ' +
  'COMPLIANT >= 0.9, REVIEW_NEEDED >= 0.7, NON_COMPLIANT < 0.7. ' +
  'System score: mean of the scores of agents with ledger entries, agents refused for unacceptable risk excluded; 1 when none.';

/** The counts a score is computed from. */
export interface ScoreInputs {
  readonly risk: RiskLevel | 'unclassified';
  readonly operations: number;
  readonly violations: number;
  readonly starts: number;
  readonly crashes: number;
  readonly approvalsRequested: number;
  readonly approvalsPending: number;
  readonly humanOversight: number;
}

/**
 * An agent's score in [0, 1]. Violations weigh most because they are what the Act regulates;
 * crashes are reliability, approvals left pending are oversight not exercised, and a high-risk
 * agent nobody oversaw misses Art. 14's requirement outright.
 *
 * @example
 * complianceScore({ risk: 'limited', operations: 100, violations: 5, starts: 1, crashes: 0,
 *   approvalsRequested: 0, approvalsPending: 0, humanOversight: 0 }); // 0.97
 */
export function complianceScore(inputs: ScoreInputs): number {
  if (inputs.risk === 'unacceptable') return 0;
  const violationRate = Math.min(1, inputs.violations / Math.max(1, inputs.operations));
  const crashRate = Math.min(1, inputs.crashes / Math.max(1, inputs.starts));
  const pendingRate = Math.min(1, inputs.approvalsPending / Math.max(1, inputs.approvalsRequested));
  const unsupervised = inputs.risk === 'high' && inputs.humanOversight === 0 ? 1 : 0;
  const raw =
    1 -
    SCORE_WEIGHTS.violationRate * violationRate -
    SCORE_WEIGHTS.crashRate * crashRate -
    SCORE_WEIGHTS.unresolvedApprovalRate * pendingRate -
    SCORE_WEIGHTS.highRiskWithoutOversight * unsupervised;
  return roundScore(raw);
}

/** Clamps to [0, 1] and rounds to 3 decimals, so JSON shows what the status was decided on. */
export function roundScore(raw: number): number {
  return Math.round(Math.min(1, Math.max(0, raw)) * 1000) / 1000;
}

/** The status for a score: COMPLIANT >= 0.9, REVIEW_NEEDED >= 0.7, else NON_COMPLIANT. */
export function complianceStatus(score: number): ComplianceStatus {
  if (score >= 0.9) return 'COMPLIANT';
  if (score >= 0.7) return 'REVIEW_NEEDED';
  return 'NON_COMPLIANT';
}

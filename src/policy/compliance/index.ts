/**
 * @module Compliance (seed 001 §14, EU AI Act): the report computed from the ledger alone,
 * its score, and its JSON and printable HTML renderings.
 */

// Rendering
export { complianceHtml, escapeHtml } from './compliance-html.js';
export { complianceJson } from './compliance-json.js';
// Report shapes
export {
  type AgentCompliance,
  type ApprovalCounts,
  type ComplianceReport,
  type ComplianceStatus,
  type DeclaredAgent,
  type HumanOversightSection,
  type LedgerEntryLike,
  type RecordKeepingSection,
  RISK_LEVELS,
  type RiskLevel,
  type SystemCompliance,
  type TransparencySection,
  type ViolationCounts,
} from './compliance-report.js';
export {
  complianceScore,
  complianceStatus,
  SCORE_FORMULA,
  SCORE_WEIGHTS,
} from './compliance-score.js';
// Computing
export { type ComputeComplianceOptions, computeCompliance } from './compute-compliance.js';

/** @module The compliance report as JSON: the report object itself, pretty-printed and stable. */
import type { ComplianceReport } from './compliance-report.js';

/**
 * The report as JSON text (two-space indent, trailing newline). `undefined` fields (an
 * unverified ledger size, an empty ledger's first entry) are written as `null` so every field
 * is present for a consumer.
 *
 * @example
 * writeFileSync('compliance.json', complianceJson(computeCompliance(entries)));
 */
export function complianceJson(report: ComplianceReport): string {
  return `${JSON.stringify(report, (_key, value: unknown) => (value === undefined ? null : value), 2)}\n`;
}

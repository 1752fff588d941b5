/** The score formula and the status thresholds. */
import { describe, expect, it } from 'vitest';
import { complianceScore, complianceStatus } from '../../../../src/policy/compliance/index.js';

const clean = {
  risk: 'limited' as const,
  operations: 100,
  violations: 0,
  starts: 1,
  crashes: 0,
  approvalsRequested: 0,
  approvalsPending: 0,
  humanOversight: 0,
};

describe('complianceScore', () => {
  it('is 1 for a clean agent and 0 for an unacceptable one', () => {
    expect(complianceScore(clean)).toBe(1);
    expect(complianceScore({ ...clean, risk: 'unacceptable' })).toBe(0);
  });

  it('loses 0.6 per unit of violation rate, capped at all ops', () => {
    expect(complianceScore({ ...clean, violations: 10 })).toBe(0.94);
    expect(complianceScore({ ...clean, operations: 0, violations: 3 })).toBe(0.4);
  });

  it('loses 0.2 per unit of crash rate and 0.1 per unit of pending approvals', () => {
    expect(complianceScore({ ...clean, starts: 4, crashes: 1 })).toBe(0.95);
    expect(complianceScore({ ...clean, approvalsRequested: 2, approvalsPending: 1 })).toBe(0.95);
  });

  it('loses 0.1 for a high-risk agent without human oversight', () => {
    expect(complianceScore({ ...clean, risk: 'high' })).toBe(0.9);
    expect(complianceScore({ ...clean, risk: 'high', humanOversight: 1 })).toBe(1);
  });

  it('never goes below 0', () => {
    expect(
      complianceScore({
        ...clean,
        risk: 'high',
        operations: 1,
        violations: 9,
        starts: 1,
        crashes: 5,
        approvalsRequested: 1,
        approvalsPending: 1,
      }),
    ).toBe(0);
  });
});

describe('complianceStatus', () => {
  it.each([
    [1, 'COMPLIANT'],
    [0.9, 'COMPLIANT'],
    [0.899, 'REVIEW_NEEDED'],
    [0.7, 'REVIEW_NEEDED'],
    [0.699, 'NON_COMPLIANT'],
    [0, 'NON_COMPLIANT'],
  ] as const)('%s is %s', (score, status) => {
    expect(complianceStatus(score)).toBe(status);
  });
});

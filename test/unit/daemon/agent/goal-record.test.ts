/** Goal lifecycle edges and the content hash of a goal row. */
import { describe, expect, it } from 'vitest';
import {
  GOAL_SEALED_FIELDS,
  GOAL_STATUSES,
  GOAL_TRANSITIONS,
  goalContentHash,
  isFinished,
} from '../../../../src/daemon/agent/index.js';

const row = {
  id: '0190b2a4-7c3e-7d11-8a2b-3f4c5d6e7f80',
  agent_id: 'agent-1',
  parent_id: null,
  description: 'Publish the report',
  priority: 50,
  status: 'pending',
  status_reason: null,
  status_at: '2026-03-01T09:00:00.000Z',
  outcome: null,
  success_criteria: '["report in ./out"]',
  deadline: null,
  attempts: 0,
  created_at: '2026-03-01T09:00:00.000Z',
  updated_at: '2026-03-01T09:00:00.000Z',
};

describe('goal lifecycle', () => {
  it('follows the seed diagram: pending fans out, completed and abandoned are final', () => {
    expect(GOAL_TRANSITIONS).toEqual({
      pending: ['active', 'blocked', 'suspended', 'abandoned'],
      active: ['completed', 'blocked', 'suspended', 'abandoned'],
      blocked: ['pending', 'suspended', 'abandoned'],
      suspended: ['pending', 'abandoned'],
      completed: [],
      abandoned: [],
    });
    expect(GOAL_STATUSES.filter(isFinished)).toEqual(['completed', 'abandoned']);
    // Only an active goal can be completed: finishing is something worked on.
    expect(GOAL_STATUSES.filter((s) => GOAL_TRANSITIONS[s].includes('completed'))).toEqual([
      'active',
    ]);
  });
});

describe('goalContentHash', () => {
  it('covers every sealed field and nothing else', () => {
    const hash = goalContentHash(row);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    for (const field of GOAL_SEALED_FIELDS) {
      const changed = { ...row, [field]: field === 'priority' || field === 'attempts' ? 99 : 'x' };
      expect(goalContentHash(changed), field).not.toBe(hash);
    }
    const extra = { ...row, content_hash: 'whatever', ledger_seq: 7 };
    expect(goalContentHash(extra)).toBe(hash);
  });

  it('does not depend on key order', () => {
    const reversed = Object.fromEntries(Object.entries(row).reverse()) as typeof row;
    expect(goalContentHash(reversed)).toBe(goalContentHash(row));
  });
});

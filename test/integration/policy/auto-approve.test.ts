/**
 * Escalations approved by rule (issue 9): an agent's `auto_approve` capabilities are granted at
 * once when within its ceiling — the approval item is decided by `system:policy-rule` and recorded
 * as automatic; other capabilities, or requests above the ceiling, wait for a person.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CallerRef } from '../../../src/core/index.js';
import { listEntries } from '../../../src/ledger/index.js';
import type { ApprovalItem, PolicyView } from '../../../src/policy/index.js';
import { type AgentHarness, startAgents } from '../daemon/runtime/harness.js';

let h: AgentHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('auto-approved escalations', () => {
  it('grants by rule within the ceiling and leaves the rest to people', async () => {
    h = await startAgents(() => ({
      agents: [
        {
          name: 'ops',
          model: 'smart',
          permission_level: 1,
          ceiling: 2,
          auto_approve: ['net.http', 'admin'],
        },
      ],
    }));
    const agent: CallerRef = { kind: 'agent', id: h.system.agents.byName('ops')!.id };
    const escalate = (capability: string) =>
      h!.system.kernel.call<ApprovalItem>(agent, 'policy.escalate', {
        capability,
        reason: 'the job needs it',
      });

    const auto = (await escalate('net.http')).result;
    expect(auto.status).toBe('approved');
    expect(auto.decidedBy).toBe('system:policy-rule');
    const { result: policy } = await h.system.kernel.call<PolicyView>(h.operator, 'policy.show', {
      agent: 'ops',
    });
    expect(policy.grantsText.some((g) => g.startsWith('net.http') && !g.includes('hosts'))).toBe(
      true,
    );

    // Not in the rule: waits for a person.
    expect((await escalate('shell.exec')).result.status).toBe('pending');
    // In the rule but above the ceiling (admin is level 3): waits for a person too.
    expect((await escalate('admin')).result.status).toBe('pending');

    await h.system.ledger.flush();
    const decided = (await listEntries(h.system.store, { fromSeq: 1, limit: 100_000 })).filter(
      (e) => e.type === 'policy.approval.decided',
    );
    expect(decided).toHaveLength(1);
    expect(decided[0]!.actor).toBe('system:policy-rule');
    expect(String(decided[0]!.payload)).toContain('"auto":true');
  });
});

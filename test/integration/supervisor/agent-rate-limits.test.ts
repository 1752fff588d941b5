/**
 * Per-agent limits at the gate (seed 002 Rate Limiting): messages and escalation requests per
 * agent per minute answer RATE_LIMITED with when to retry, per agent, and the refusal is in the
 * ledger; people are not subject to agents' limits.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CallerRef } from '../../../src/core/index.js';
import { listEntries } from '../../../src/ledger/index.js';
import { type AgentHarness, startAgents } from '../daemon/runtime/harness.js';

let h: AgentHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('agent rate limits', () => {
  it('refuses the call past each agent’s per-minute allowance', async () => {
    h = await startAgents(() => ({
      agents: [
        { name: 'a', model: 'smart', capabilities: ['message.send', 'agent.self'] },
        { name: 'b', model: 'smart', capabilities: ['message.send', 'agent.self'] },
      ],
      rate_limits: { agents: { messages: 2, escalations: 1, tool_calls: 50 } },
    }));
    const agent = (name: string): CallerRef => ({
      kind: 'agent',
      id: h!.system.agents.byName(name)!.id,
    });
    const send = (from: string) =>
      h!.system.kernel.call(agent(from), 'message.send', {
        to: from === 'a' ? 'b' : 'a',
        body: 'hi',
      });
    await send('a');
    await send('a');
    const third = send('a');
    await expect(third).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await expect(third).rejects.toThrow(
      /more than 2 messages to other agents per minute for agent a/,
    );
    // Another agent has its own allowance.
    await send('b');

    const escalate = () =>
      h!.system.kernel.call(agent('b'), 'policy.escalate', {
        capability: 'fs.read',
        reason: 'need to read the spec',
      });
    await escalate().catch(() => undefined);
    await expect(escalate()).rejects.toMatchObject({ code: 'RATE_LIMITED' });

    await h.system.ledger.flush();
    const refused = (await listEntries(h.system.store, { fromSeq: 1, limit: 100_000 })).filter(
      (e) => JSON.stringify(e.payload).includes('RATE_LIMITED'),
    );
    expect(refused.length).toBeGreaterThanOrEqual(2);
  });
});

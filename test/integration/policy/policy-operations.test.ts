/**
 * Policies in a real system: the gate enforces each agent's policy, a hot patch takes effect on
 * the agent's next operation without a restart, an agent's attempt to widen itself is refused
 * and recorded, and the approval flow runs end to end from the agent's `permission.request`
 * tool call to a human's decision and the grant it creates, with the compliance report counting
 * each step from the ledger.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallerRef } from '../../../src/core/index.js';
import { listEntries } from '../../../src/ledger/index.js';
import {
  type ApprovalItem,
  computeCompliance,
  type PolicyView,
} from '../../../src/policy/index.js';
import { type AgentHarness, startAgents } from '../daemon/runtime/harness.js';

let h: AgentHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function team() {
  return {
    agents: [
      {
        name: 'coder',
        model: 'smart',
        tools: ['fs.write', 'http.fetch', 'permission.request'],
        capabilities: ['llm.use', 'tool.call', 'message.send'],
        scopes: { fs: { read: [], write: ['./out'] }, http: { hosts: ['example.invalid'] } },
        permission_level: 1,
        risk: 'high',
      },
      // An agent that may govern policies (a misconfiguration the ceiling still contains).
      { name: 'rogue', deliberation: 'utility', capabilities: ['agent.govern', 'agent.info'] },
    ],
  };
}

const call = (id: string, name: string, args: unknown) => ({
  id,
  name,
  arguments: JSON.stringify(args),
});

function agentCaller(name: string): CallerRef {
  return { kind: 'agent', id: h!.system.agents.byName(name)!.id };
}

async function entriesOfType(type: string) {
  await h!.system.ledger.flush();
  return (await listEntries(h!.system.store, { fromSeq: 1, limit: 100_000 })).filter(
    (e) => e.type === type,
  );
}

describe('agent policies in a running system', () => {
  it('derives the policy from the configuration', async () => {
    h = await startAgents(() => team());
    const { result } = await h.system.kernel.call<PolicyView>(h.operator, 'policy.show', {
      agent: 'coder',
    });
    expect(result.version).toBe(1);
    expect(result.grantsText).toContain('agent.self');
    expect(result.grantsText).toContain(`fs.write on paths ${path.join(h.dir, 'out')}`);
    expect(result.grantsText).toContain('net.http on hosts example.invalid');
    expect(result.ceilingText).toContain('fs.write on paths /workspace');
    await expect(
      h.system.kernel.call(h.operator, 'policy.show', { agent: 'nobody' }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('known: coder, rogue'),
    });
  });

  it('applies a hot patch on the next operation, without a restart', async () => {
    h = await startAgents(() => team());
    const coder = agentCaller('coder');
    const send = () => h!.system.kernel.call(coder, 'message.send', { to: 'rogue', body: 'hello' });
    await send();
    await h.system.kernel.call(h.operator, 'policy.patch', {
      agent: 'coder',
      changes: [{ op: 'remove', capability: 'message.send' }],
      reason: 'quiet please',
    });
    await expect(send()).rejects.toMatchObject({
      code: 'POLICY_DENIED',
      message: expect.stringContaining('message.send'),
    });
    await h.system.kernel.call(h.operator, 'policy.patch', {
      agent: 'coder',
      changes: [{ op: 'add', capability: 'message.send' }],
      reason: 'talk again',
    });
    await send();
    const patches = await entriesOfType('policy.patch');
    const facts = patches.map((e) => {
      const payload = JSON.parse(e.payload) as { reason: string; version: number };
      return [e.actor, payload.reason, payload.version];
    });
    expect(facts).toEqual([
      ['human:tester', 'quiet please', 2],
      ['human:tester', 'talk again', 3],
    ]);
  });

  it('refuses and records an agent widening its own or another agent policy', async () => {
    h = await startAgents(() => team());
    const rogue = agentCaller('rogue');
    await expect(
      h.system.kernel.call(rogue, 'policy.patch', {
        agent: 'rogue',
        changes: [{ op: 'add', capability: 'admin' }],
        reason: 'more power',
      }),
    ).rejects.toMatchObject({
      code: 'POLICY_DENIED',
      message: expect.stringContaining('privilege escalation refused: admin'),
    });
    await expect(
      h.system.kernel.call(rogue, 'policy.patch', {
        agent: 'coder',
        changes: [{ op: 'add', capability: 'shell.exec', scope: { commands: ['rm'] } }],
        reason: 'help coder',
      }),
    ).rejects.toMatchObject({ code: 'POLICY_DENIED' });
    // Nor may an agent decide approvals, even holding agent.govern.
    await expect(
      h.system.kernel.call(rogue, 'approvals.decide', {
        id: 'x',
        decision: 'approve',
        reason: 'me',
      }),
    ).rejects.toMatchObject({ code: 'POLICY_DENIED', message: /decided by people/ });
    const refused = await entriesOfType('policy.escalation.refused');
    expect(refused).toHaveLength(2);
    expect(refused[0]!.actor).toBe(`agent:${rogue.id}`);
    const { result } = await h.system.kernel.call<PolicyView>(h.operator, 'policy.show', {
      agent: 'rogue',
    });
    expect(result.version).toBe(1);
  });

  it('runs the approval flow from the agent tool call to the grant', async () => {
    h = await startAgents(() => team());
    h.stub.script(
      {
        kind: 'tool_calls',
        calls: [
          call('c1', 'permission__request', {
            capability: 'net.http',
            hosts: ['api.github.com'],
            reason: 'read the issue tracker',
          }),
        ],
      },
      { kind: 'text', text: 'Asked; waiting.' },
    );
    await h.system.kernel.call(h.operator, 'task.submit', { agent: 'coder', title: 'Triage' });
    const { daemon } = await h.system.agents.spawn('coder');
    await daemon.runUntilIdle(5);

    const { result: listed } = await h.system.kernel.call<{ approvals: ApprovalItem[] }>(
      h.operator,
      'approvals.list',
      { status: 'pending' },
    );
    expect(listed.approvals).toHaveLength(1);
    const item = listed.approvals[0]!;
    expect(item).toMatchObject({
      kind: 'escalation',
      agent: 'coder',
      request: { grant: { capability: 'net.http', scope: { hosts: ['api.github.com'] } } },
    });
    await expect(
      h.system.kernel.call(h.operator, 'approvals.decide', {
        id: item.id,
        decision: 'approve',
        reason: '',
      }),
    ).rejects.toMatchObject({ code: 'INPUT_INVALID', message: /reason/ });
    await h.system.kernel.call(h.operator, 'approvals.decide', {
      id: item.id,
      decision: 'approve',
      reason: 'fine for today',
      grantSeconds: 3600,
    });
    const { result: policy } = await h.system.kernel.call<PolicyView>(h.operator, 'policy.show', {
      agent: 'coder',
    });
    expect(
      policy.grantsText.some((g) => g.startsWith('net.http on hosts api.github.com until')),
    ).toBe(true);
    await expect(
      h.system.kernel.call(h.operator, 'approvals.decide', {
        id: item.id,
        decision: 'deny',
        reason: 'changed my mind',
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });

    await h.system.ledger.flush();
    const entries = await listEntries(h.system.store, { fromSeq: 1, limit: 100_000 });
    const report = computeCompliance(entries, []);
    const coder = report.agents.find((a) => a.name === 'coder')!;
    expect(coder.approvals).toMatchObject({ requested: 1, approved: 1, pending: 0 });
    expect(coder.humanOversight).toBeGreaterThanOrEqual(1);
  });

  it('lets an agent ask a person a question and delivers the answer to its inbox', async () => {
    h = await startAgents(() => ({
      agents: [{ name: 'asker', model: 'smart', tools: ['human.ask'] }],
    }));
    h.stub.script(
      {
        kind: 'tool_calls',
        calls: [call('q1', 'human__ask', { question: 'Which branch should I use?' })],
      },
      { kind: 'text', text: 'Waiting for the answer.' },
    );
    await h.system.kernel.call(h.operator, 'task.submit', { agent: 'asker', title: 'Ship it' });
    const { daemon } = await h.system.agents.spawn('asker');
    await daemon.runUntilIdle(5);
    const { result } = await h.system.kernel.call<{ approvals: ApprovalItem[] }>(
      h.operator,
      'approvals.list',
      { kind: 'question' },
    );
    expect(result.approvals).toHaveLength(1);
    expect(result.approvals[0]!.request).toEqual({ question: 'Which branch should I use?' });
    await h.system.kernel.call(h.operator, 'approvals.decide', {
      id: result.approvals[0]!.id,
      decision: 'approve',
      reason: 'answered',
      answer: 'main',
    });
    const until = Date.now() + 5000;
    let bodies: string[] = [];
    while (Date.now() < until) {
      bodies = (await h.system.agents.inbox.open('asker', 10)).map((m) => m.body);
      if (bodies.some((b) => b.includes('main'))) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(bodies).toContainEqual('Answer to "Which branch should I use?": main');
  });
});

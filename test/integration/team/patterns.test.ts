/**
 * The five collaboration patterns as library functions, against a real system: sequential hands
 * results forward, parallel reports partial failure, peer consult gets an answer over the bus,
 * broadcast reaches every agent, handoff moves ownership.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  broadcast,
  handoff,
  type PatternContext,
  parallel,
  peerConsult,
  sequential,
} from '../../../src/team/index.js';
import { type AgentHarness, startAgents } from '../daemon/runtime/harness.js';

let h: AgentHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const text = (t: string) => ({ kind: 'text' as const, text: t });

async function team(): Promise<PatternContext> {
  h = await startAgents(() => ({
    agents: [
      { name: 'coder', role: 'code', model: 'smart' },
      { name: 'tester', role: 'qa', model: 'smart' },
    ],
  }));
  for (const name of ['coder', 'tester']) await (await h.system.agents.spawn(name)).daemon.start();
  return { kernel: h.system.kernel, caller: h.operator, store: h.system.store, pollMs: 20 };
}

describe('collaboration patterns', () => {
  it('sequential hands each result to the next agent', async () => {
    const ctx = await team();
    h!.stub.scriptFor('You are coder', text('parser written'));
    h!.stub.scriptFor('You are tester', text('tests pass'));
    const outcomes = await sequential(ctx, [
      { agent: 'coder', title: 'Write the parser' },
      { agent: 'tester', title: 'Test the parser' },
    ]);
    expect(outcomes.map((o) => [o.agent, o.status, o.result])).toEqual([
      ['coder', 'completed', 'parser written'],
      ['tester', 'completed', 'tests pass'],
    ]);
    const testerPrompt = h!.stub.requests
      .map((r) => JSON.stringify(r.body))
      .find((b) => b.includes('You are tester'));
    expect(testerPrompt).toContain('parser written');
  });

  it('parallel fans out and in, reporting a failed part instead of throwing', async () => {
    const ctx = await team();
    h!.stub.scriptFor('You are coder', text('part A done'));
    h!.stub.scriptFor('You are tester', { kind: 'hang' });
    const { outcomes, failed } = await parallel({ ...ctx, timeoutMs: 1500 }, [
      { agent: 'coder', title: 'Part A' },
      { agent: 'tester', title: 'Part B' },
    ]);
    expect(outcomes.map((o) => o.agent)).toEqual(['coder', 'tester']);
    expect(outcomes[0]!.status).toBe('completed');
    expect(failed.map((f) => f.agent)).toEqual(['tester']);
  });

  it('peer consult, broadcast and handoff go through the bus and the gate', async () => {
    const ctx = await team();
    const expert = await h!.system.bus.bus.subscribe({ name: 'expert' }, async (m, c) => {
      await c.reply({ action: `answer to ${m.payload.action}` });
    });
    try {
      const reply = await peerConsult(ctx, 'expert', 'which index?', { timeoutMs: 5000 });
      expect(reply.payload.action).toBe('answer to which index?');
    } finally {
      await expert.close();
    }
    await broadcast(ctx, 'the staging database moved');
    for (const name of ['coder', 'tester']) {
      await until(async () =>
        (
          await h!.system.store.db
            .selectFrom('messages')
            .select('body')
            .where('recipient', '=', name)
            .execute()
        ).some((m) => m.body.includes('the staging database moved')),
      );
    }
    const { result: task } = await h!.system.kernel.call<{ id: string }>(
      h!.operator,
      'task.submit',
      {
        agent: 'coder',
        title: 'Review',
      },
    );
    expect(await handoff(ctx, task.id, 'tester', 'QA reviews')).toMatchObject({
      from: 'coder',
      to: 'tester',
    });
  });
});

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

import { afterEach, describe, expect, it } from 'vitest';
import { BeatError, type DaemonStatus } from '../../../../src/daemon/index.js';
import { type AgentHarness, startAgents } from './harness.js';

let h: AgentHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const looping = (limits: Record<string, unknown>) => () => ({
  agents: [
    {
      name: 'looper',
      model: 'smart',
      tools: ['memory.search'],
      heartbeat: { base_ms: 10, max_ms: 20 },
      limits,
    },
  ],
});

/** A model that always asks for one more search, so the agent never finishes on its own. */
function keepSearching(h: AgentHarness, n: number) {
  h.stub.script(
    ...Array.from({ length: n }, (_, i) => ({
      kind: 'tool_calls' as const,
      calls: [{ id: `s${i}`, name: 'memory__search', arguments: '{"query":"anything"}' }],
      usage: { input: 10, output: 5 },
    })),
  );
}

async function runUntilSettled(h: AgentHarness) {
  const statuses: { status: DaemonStatus; reason: string | undefined }[] = [];
  const { daemon } = await h.system.agents.spawn('looper', {
    onStatus: (status, reason) => statuses.push({ status, reason }),
  });
  await h.system.kernel.call(h.operator, 'task.submit', {
    agent: 'looper',
    title: 'search forever',
  });
  await daemon.start();
  await daemon.settled();
  return { daemon, statuses };
}

describe('agent limits', () => {
  it('limits.max_beats terminates the daemon after that many working beats', async () => {
    h = await startAgents(looping({ max_beats: 3 }));
    keepSearching(h, 10);
    const { daemon } = await runUntilSettled(h);
    expect(daemon.status).toBe('terminated');
    expect(daemon.reason).toContain('limits.max_beats (3');
    const calls = await h.system.agents.journal.forTask(
      (await h.system.store.db.selectFrom('tasks').select('id').executeTakeFirstOrThrow()).id,
    );
    // Each working beat made one search; the third was the last.
    expect(calls).toHaveLength(3);
  });

  it('limits.max_tokens_per_hour suspends the daemon and says when it resumes', async () => {
    h = await startAgents(looping({ max_tokens_per_hour: 40 }));
    keepSearching(h, 10);
    const { daemon } = await runUntilSettled(h);
    expect(daemon.status).toBe('suspended');
    expect(daemon.reason).toMatch(
      /limits\.max_tokens_per_hour: 45 tokens in the last hour \(limit 40\); resuming at /,
    );
    const row = await h.system.store.db
      .selectFrom('agent_runtime')
      .select('status')
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('suspended');
  });

  it('limits.max_active_thoughts refuses a new plan while too many thoughts are unfinished', async () => {
    h = await startAgents(looping({ max_active_thoughts: 1 }));
    const { result: task } = await h.system.kernel.call<{ id: string }>(h.operator, 'task.submit', {
      agent: 'looper',
      title: 'think',
    });
    const agent = h.system.agents.byName('looper')!;
    await h.system.records.addThought(
      { taskId: task.id, content: 'left unfinished', agentId: agent.id },
      'human:tester',
    );
    h.stub.script({
      kind: 'tool_calls',
      text: 'searching',
      calls: [{ id: 'a', name: 'memory__search', arguments: '{"query":"x"}' }],
    });
    const { daemon } = await h.system.agents.spawn('looper');
    const error = await daemon.runUntilIdle(2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BeatError);
    expect((error as BeatError).kind).toBe('budget');
    expect((error as BeatError).message).toContain('limits.max_active_thoughts (1)');
  });
});

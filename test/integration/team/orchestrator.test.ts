/**
 * The orchestrator over real role agents (SQLite, the kernel, agents' daemons) with the stub
 * model server scripting the orchestrator's plan and verdict and each agent's answer: a task
 * goes through all 7 phases; a failed verify traces back and re-runs only what failed; a run
 * that waits for approval continues once approved; a stopped run resumes after a restart
 * without sending a finished subtask out again; bad input and unusable plans get clear errors.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { StubResponse } from '../../support/stub-provider.js';
import { type AgentHarness, startAgents } from '../daemon/runtime/harness.js';

let h: AgentHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const ORCH = 'You are the orchestrator';
const text = (t: string): StubResponse => ({ kind: 'text', text: t });
const json = (v: unknown): StubResponse => text(`Here you go:\n${JSON.stringify(v)}`);

function team(dir: string, extra: Record<string, unknown> = {}) {
  void dir;
  return {
    agents: [
      { name: 'coder', role: 'code', description: 'writes code', model: 'smart' },
      { name: 'tester', role: 'qa', description: 'tests and reviews', model: 'smart' },
    ],
    team: { model: 'smart', poll_ms: 20, ...extra },
  };
}

const PLAN = {
  approach: 'write then test',
  pattern: 'sequential',
  subtasks: [
    { title: 'Write the parser', role: 'code', criteria: ['parses ISO dates'] },
    { title: 'Test the parser', role: 'qa', criteria: ['tests pass'] },
  ],
  criteria: ['the parser works'],
};

interface RunView {
  run: { status: string; phase: string; round: number };
  task: { status: string; result: string } | null;
  steps: { phase: string; round: number; status: string; summary: string }[];
  subtasks: { taskId: string; agent: string; round: number; position: number; status: string }[];
}

async function startTeam(extra: Record<string, unknown> = {}) {
  h = await startAgents((dir) => team(dir, extra));
  for (const name of ['coder', 'tester']) {
    const { daemon } = await h.system.agents.spawn(name);
    await daemon.start();
  }
  return h;
}

async function show(id: string): Promise<RunView> {
  return (await h!.system.kernel.call<RunView>(h!.operator, 'team.show', { id })).result;
}

describe('the orchestrator runs the 7-phase algorithm over role agents', () => {
  it('takes a task through every phase, in sequence, handing results forward', async () => {
    await startTeam();
    h!.stub.scriptFor(
      ORCH,
      text('Option A: write then test.'),
      json(PLAN),
      json({ pass: true, reason: 'all good' }),
    );
    h!.stub.scriptFor('You are coder', text('parser written: parseIso()'));
    h!.stub.scriptFor('You are tester', text('12 tests pass'));
    const { result } = await h!.system.kernel.call<{ id: string }>(h!.operator, 'team.run', {
      text: 'Build an ISO date parser',
    });
    const run = await h!.system.team.orchestrator.wait(result.id);
    expect(run.status).toBe('completed');
    const view = await show(result.id);
    expect(view.steps.map((s) => s.phase)).toEqual([
      'observe',
      'think',
      'plan',
      'build_criteria',
      'execute',
      'verify',
      'learn',
    ]);
    expect(view.subtasks.map((s) => [s.agent, s.status])).toEqual([
      ['coder', 'completed'],
      ['tester', 'completed'],
    ]);
    expect(view.task?.result).toContain('parser written');
    expect(view.task?.result).toContain('12 tests pass');
    // The tester saw the coder's result in its task.
    const testerPrompt = h!.stub.requests
      .map((r) => JSON.stringify(r.body))
      .find((b) => b.includes('You are tester'));
    expect(testerPrompt).toContain('parser written');
    // Subtasks are children of the run's task.
    const { result: children } = await h!.system.kernel.call<{ tasks: { id: string }[] }>(
      h!.operator,
      'task.list',
      { parentId: result.id },
    );
    expect(children.tasks).toHaveLength(2);
    // The learn phase filed a learning that a later, similar task recalls in observe.
    const { result: found } = await h!.system.kernel.call<{ items: { content: string }[] }>(
      h!.operator,
      'memory.team.search',
      { query: 'ISO date parser', phase: 'learn' },
    );
    expect(found.items[0]?.content).toMatch(/succeeded with a sequential plan/);
    h!.stub.scriptFor(ORCH, text('o'), json(PLAN), json({ pass: true }));
    h!.stub.scriptFor('You are coder', text('again'));
    h!.stub.scriptFor('You are tester', text('again'));
    const { result: second } = await h!.system.kernel.call<{ id: string }>(
      h!.operator,
      'team.run',
      { text: 'Build an ISO date parser, faster' },
    );
    await h!.system.team.orchestrator.wait(second.id);
    expect((await show(second.id)).steps[0]?.summary).toMatch(/1 learnings/);
  });

  it('traces a failed verify back to execute and re-runs only the failed subtask', async () => {
    await startTeam();
    h!.stub.scriptFor(
      ORCH,
      text('options'),
      json(PLAN),
      json({
        pass: false,
        reason: 'tests missing',
        failing_phase: 'execute',
        failed_subtasks: [1],
      }),
      json({ pass: true, reason: 'now tested' }),
    );
    h!.stub.scriptFor('You are coder', text('parser written'));
    h!.stub.scriptFor('You are tester', text('forgot the tests'), text('12 tests pass'));
    const { result } = await h!.system.kernel.call<{ id: string }>(h!.operator, 'team.run', {
      text: 'Build an ISO date parser',
    });
    expect((await h!.system.team.orchestrator.wait(result.id)).status).toBe('completed');
    const view = await show(result.id);
    expect(view.steps.map((s) => `${s.phase}:${s.round}:${s.status}`)).toEqual([
      'observe:1:ok',
      'think:1:ok',
      'plan:1:ok',
      'build_criteria:1:ok',
      'execute:1:ok',
      'verify:1:failed',
      'execute:2:ok',
      'verify:2:ok',
      'learn:2:ok',
    ]);
    expect(view.subtasks.map((s) => [s.round, s.position, s.agent])).toEqual([
      [1, 0, 'coder'],
      [1, 1, 'tester'],
      [2, 1, 'tester'],
    ]);
    const coderCalls = h!.stub.requests.filter((r) =>
      JSON.stringify(r.body).includes('You are coder'),
    );
    expect(coderCalls).toHaveLength(1);
  });

  it('gives up after max_rounds and fails the run with the reason', async () => {
    await startTeam({ max_rounds: 1 });
    h!.stub.scriptFor(
      ORCH,
      text('options'),
      json(PLAN),
      json({ pass: false, reason: 'wrong output' }),
    );
    h!.stub.scriptFor('You are coder', text('x'));
    h!.stub.scriptFor('You are tester', text('y'));
    const { result } = await h!.system.kernel.call<{ id: string }>(h!.operator, 'team.run', {
      text: 'Build it',
    });
    const run = await h!.system.team.orchestrator.wait(result.id);
    expect(run.status).toBe('failed');
    expect((await show(result.id)).task?.result).toContain('wrong output');
  });

  it('waits for a human approval before it executes', async () => {
    await startTeam({ require_approval: true });
    h!.stub.scriptFor(ORCH, text('options'), json(PLAN), json({ pass: true, reason: 'ok' }));
    h!.stub.scriptFor('You are coder', text('done'));
    h!.stub.scriptFor('You are tester', text('ok'));
    const { result } = await h!.system.kernel.call<{ id: string }>(h!.operator, 'team.run', {
      text: 'Ship it',
    });
    const waiting = await h!.system.team.orchestrator.wait(result.id);
    expect(waiting.status).toBe('waiting_approval');
    const { result: listed } = await h!.system.kernel.call<{
      approvals: { id: string; kind: string }[];
    }>(h!.operator, 'approvals.list', { kind: 'task' });
    expect(listed.approvals).toHaveLength(1);
    expect((await show(result.id)).subtasks).toEqual([]);
    await h!.system.kernel.call(h!.operator, 'approvals.decide', {
      id: listed.approvals[0]!.id,
      decision: 'approve',
      reason: 'go',
    });
    expect((await h!.system.team.orchestrator.wait(result.id)).status).toBe('completed');
  });

  it('refuses bad input and fails a run whose plan is unusable, saying why', async () => {
    await startTeam();
    await expect(
      h!.system.kernel.call(h!.operator, 'team.run', { text: '   ' }),
    ).rejects.toMatchObject({ code: 'INPUT_INVALID', message: /say what the team should do/ });
    const badPlan = { ...PLAN, subtasks: [{ title: 'x', role: 'astronaut' }] };
    h!.stub.scriptFor(ORCH, text('options'), json(badPlan), text('no json at all'));
    const { result } = await h!.system.kernel.call<{ id: string }>(h!.operator, 'team.run', {
      text: 'Fly',
    });
    const run = await h!.system.team.orchestrator.wait(result.id);
    expect(run.status).toBe('failed');
    const view = await show(result.id);
    expect(view.steps.at(-1)).toMatchObject({ phase: 'plan', status: 'failed' });
    expect(view.task?.result).toMatch(/plan failed: the plan reply holds no JSON object/);
    await expect(
      h!.system.kernel.call(h!.operator, 'task.cancel', { id: result.id, reason: 'late' }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('hands a task over from one agent to another, recorded, and refuses bad hand-offs', async () => {
    h = await startAgents((dir) => team(dir));
    const { result: task } = await h.system.kernel.call<{ id: string }>(h.operator, 'task.submit', {
      agent: 'coder',
      title: 'Review the parser',
    });
    const { result: moved } = await h.system.kernel.call<{ from: string; to: string }>(
      h.operator,
      'task.handoff',
      { id: task.id, to: 'tester', reason: 'reviews are QA work' },
    );
    expect(moved).toMatchObject({ from: 'coder', to: 'tester' });
    const row = await h.system.store.db
      .selectFrom('tasks')
      .select(['agent_id', 'status'])
      .where('id', '=', task.id)
      .executeTakeFirstOrThrow();
    expect(row.agent_id).toBe(h.system.agents.byName('tester')!.id);
    const inbox = await h.system.agents.inbox.open('tester', 10);
    expect(inbox.map((m) => m.body)).toContainEqual(expect.stringContaining('reviews are QA work'));
    await expect(
      h.system.kernel.call(h.operator, 'task.handoff', { id: task.id, to: 'tester', reason: 'x' }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(
      h.system.kernel.call(h.operator, 'task.handoff', { id: task.id, to: 'ghost', reason: 'x' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', message: /configured: coder, tester/ });
    await h.system.kernel.call(h.operator, 'task.cancel', { id: task.id, reason: 'not needed' });
    await expect(
      h.system.kernel.call(h.operator, 'task.handoff', { id: task.id, to: 'coder', reason: 'x' }),
    ).rejects.toMatchObject({ code: 'CONFLICT', message: /already ended cancelled/ });
  });
});

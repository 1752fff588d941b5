/**
 * A team end to end: `agentvisor start` with two role agents and the orchestrator against the
 * stub model server; `agentvisor team run` streams the plan, the hand-offs and the result; then
 * a run whose node is SIGKILLed while the second subtask is being worked on completes after a
 * restart, with the finished first subtask not sent out again.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/services.js';
import { type StubProvider, startStubProvider } from '../support/stub-provider.js';
import { cli, cliAsync, startNode } from './cli-harness.js';

const ORCH = 'You are the orchestrator';
const PLAN = {
  pattern: 'sequential',
  subtasks: [
    { title: 'Write the parser', role: 'code', criteria: ['parses dates'] },
    { title: 'Test the parser', role: 'qa', criteria: ['tests pass'] },
  ],
};
const text = (t: string) => ({ kind: 'text' as const, text: t });

interface RunView {
  run: { status: string };
  subtasks: { agent: string; status: string; position: number }[];
  task: { result: string | null } | null;
}

describe('team run against a running node', () => {
  let tmp: ReturnType<typeof tempDir>;
  let stub: StubProvider;
  beforeEach(async () => {
    tmp = tempDir();
    stub = await startStubProvider();
    writeFileSync(
      path.join(tmp.dir, 'agentvisor.yaml'),
      JSON.stringify({
        gateway: {
          providers: [{ name: 'stub', kind: 'openai', base_url: `${stub.url}/v1` }],
          models: { smart: { chain: [{ provider: 'stub', model: 'gpt-4o-mini' }] } },
          retry: { max_attempts: 1, initial_delay_ms: 1, max_delay_ms: 5 },
        },
        team: { model: 'smart', poll_ms: 50 },
        agents: [
          { name: 'coder', role: 'code', model: 'smart', heartbeat: { base_ms: 50, max_ms: 200 } },
          { name: 'tester', role: 'qa', model: 'smart', heartbeat: { base_ms: 50, max_ms: 200 } },
        ],
      }),
    );
  });
  afterEach(async () => {
    await stub.close();
    tmp.remove();
  });

  it('streams a run, and resumes one killed mid-task without repeating a subtask', async () => {
    let node = await startNode(tmp.dir);
    try {
      stub.scriptFor(ORCH, text('options'), text(JSON.stringify(PLAN)), text('{"pass": true}'));
      stub.scriptFor('You are coder', text('parser written'));
      stub.scriptFor('You are tester', text('12 tests pass'));
      const streamed = await cliAsync(['team', 'run', 'Build an ISO date parser'], tmp.dir);
      expect(streamed.stderr).toMatch(/run [0-9a-f-]{36}/);
      expect(streamed.code).toBe(0);
      expect(streamed.stdout).toMatch(/plan\s+r1 sequential plan of 2 subtasks/);
      expect(streamed.stdout).toMatch(/→ coder \(code\): Write the parser/);
      expect(streamed.stdout).toMatch(/← tester completed: 12 tests pass/);
      expect(streamed.stdout).toMatch(/completed\n\[coder\] parser written/);

      // The second run: the tester's model call hangs, and the node dies while it does.
      stub.scriptFor(ORCH, text('options'), text(JSON.stringify(PLAN)), text('{"pass": true}'));
      stub.scriptFor('You are coder', text('second parser written'));
      stub.scriptFor('You are tester', { kind: 'hang' }, text('all tests pass'));
      const detached = cli(['team', 'run', '--detach', 'Build a second parser'], tmp.dir);
      expect(detached.code).toBe(0);
      const id = detached.stdout.trim();
      const testerCalls = () =>
        stub.requests.filter((r) => JSON.stringify(r.body).includes('You are tester')).length;
      const coderCalls = () =>
        stub.requests.filter((r) => JSON.stringify(r.body).includes('You are coder')).length;
      await until(() => testerCalls() === 2);
      expect(coderCalls()).toBe(2);
      node.child.kill('SIGKILL');
      await new Promise((r) => node.child.once('exit', r));

      node = await startNode(tmp.dir);
      let view: RunView | undefined;
      await until(async () => {
        const r = await cliAsync(['team', 'show', id, '--json'], tmp.dir);
        if (r.code !== 0) return false;
        view = JSON.parse(r.stdout) as RunView;
        return view.run.status === 'completed';
      }, 60_000);
      expect(view!.subtasks.map((s) => [s.agent, s.status])).toEqual([
        ['coder', 'completed'],
        ['tester', 'completed'],
      ]);
      // The coder's finished subtask was not sent out again.
      expect(coderCalls()).toBe(2);
      expect(view!.task?.result).toContain('all tests pass');
      const list = JSON.parse(cli(['task', 'list', '--parent', id, '--json'], tmp.dir).stdout) as {
        tasks: unknown[];
      };
      expect(list.tasks).toHaveLength(2);
      const cancel = cli(['task', 'cancel', id, '--reason', 'too late'], tmp.dir);
      expect(cancel.code).toBe(1);
      expect(cancel.stderr).toMatch(/already ended completed/);
      expect(cli(['task', 'cancel', id], tmp.dir).code).toBe(2);
    } finally {
      node.child.kill('SIGKILL');
    }
  });
});

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

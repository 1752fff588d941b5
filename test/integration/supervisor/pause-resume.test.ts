/**
 * Pausing agents (issue 9): a paused agent takes no beats and keeps its pending work, its
 * watchdog is off, and on resume it picks the work up where it was; pausing is recorded with the
 * person and the reason; a restart of the node keeps it paused; wrong-state requests get a clear
 * CONFLICT.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CallerRef } from '../../../src/core/index.js';
import { listEntries } from '../../../src/ledger/index.js';
import {
  AgentSupervision,
  createLogger,
  type SupervisedAgentView,
} from '../../../src/system/index.js';
import { type AgentHarness, startAgents } from '../daemon/runtime/harness.js';

let h: AgentHarness | undefined;
let supervision: AgentSupervision | undefined;
afterEach(async () => {
  await supervision?.stop();
  await h?.close();
  h = undefined;
  supervision = undefined;
});

const logger = createLogger({ level: 'silent', format: 'json' });

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function taskStatus(id: string): Promise<string> {
  const { result } = await h!.system.kernel.call<{ task: { status: string } }>(
    h!.operator,
    'task.get',
    { id },
  );
  return result.task.status;
}

describe('pause and resume', () => {
  it('keeps pending work while paused and finishes it after resume', async () => {
    h = await startAgents(() => ({ agents: [{ name: 'worker', model: 'smart' }] }));
    supervision = new AgentSupervision(h.system, logger);
    await supervision.start();
    const operator: CallerRef = h.operator;
    const paused = await h.system.kernel.call<SupervisedAgentView>(operator, 'agent.pause', {
      agent: 'worker',
      reason: 'maintenance window',
    });
    expect(paused.result.daemon?.status).toBe('suspended');
    h.stub.script({ kind: 'text', text: 'done: the report is written' });
    const { result: task } = await h.system.kernel.call<{ id: string }>(operator, 'task.submit', {
      agent: 'worker',
      title: 'write the report',
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(['pending', 'assigned']).toContain(await taskStatus(task.id));
    expect(h.stub.requests).toHaveLength(0);
    const again = h.system.kernel.call(operator, 'agent.pause', {
      agent: 'worker',
      reason: 'twice',
    });
    await expect(again).rejects.toMatchObject({ code: 'CONFLICT' });

    await h.system.kernel.call(operator, 'agent.resume', {
      agent: 'worker',
      reason: 'window over',
    });
    await waitFor(
      async () => ((await taskStatus(task.id)) === 'completed' ? true : undefined),
      'the task',
    );
    expect(supervision.info('worker').daemon?.status).toBe('running');
    const resumeAgain = h.system.kernel.call(operator, 'agent.resume', {
      agent: 'worker',
      reason: 'x',
    });
    await expect(resumeAgain).rejects.toMatchObject({ code: 'CONFLICT' });

    await h.system.ledger.flush();
    const entries = await listEntries(h.system.store, { fromSeq: 1, limit: 100_000 });
    const pause = entries.find(
      (e) => e.subject === 'agent.pause' && (e.payload as { outcome?: string }).outcome !== 'error',
    );
    expect(pause?.actor).toBe('human:tester');
    expect(JSON.stringify(pause?.payload)).toContain('maintenance window');
  });

  it('pauses and resumes the whole team, and stays paused across a restart', async () => {
    h = await startAgents(() => ({
      agents: [
        { name: 'a', model: 'smart' },
        { name: 'b', model: 'smart' },
      ],
    }));
    supervision = new AgentSupervision(h.system, logger);
    await supervision.start();
    const { result } = await h.system.kernel.call<{ agents: SupervisedAgentView[] }>(
      h.operator,
      'team.pause',
      {
        reason: 'budget review',
      },
    );
    expect(result.agents.map((x) => [x.name, x.daemon?.status])).toEqual([
      ['a', 'suspended'],
      ['b', 'suspended'],
    ]);
    // A restart of the agent's runner finds it paused (persisted), not running.
    await supervision.supervisor.restart('a', 'test restart');
    await waitFor(
      async () => (supervision!.info('a').daemon?.status === 'suspended' ? true : undefined),
      'a paused after restart',
    );
    const resumed = await h.system.kernel.call<{ agents: SupervisedAgentView[] }>(
      h.operator,
      'team.resume',
      {
        reason: 'review done',
      },
    );
    expect(resumed.result.agents.map((x) => x.daemon?.status)).toEqual(['running', 'running']);
  });
});

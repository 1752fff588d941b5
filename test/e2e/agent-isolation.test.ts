/**
 * Agents in worker threads and child processes: same gate, same record, and a crashed isolate
 * ends as `terminated` without taking the host or other agents down. Isolates run the compiled
 * entry, so this suite needs `npm run build` (the test command runs it first).
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IsolatedDaemon } from '../../src/daemon/index.js';
import { type AgentHarness, startAgents } from '../integration/daemon/runtime/harness.js';

let h: AgentHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const agents = () => ({
  agents: [
    { name: 'proc', deliberation: 'utility', isolation: 'process', tools: ['memory.put'] },
    { name: 'thread', deliberation: 'utility', isolation: 'worker', tools: ['memory.put'] },
    { name: 'local', deliberation: 'utility', tools: ['memory.put'] },
  ],
});

describe('isolated agents', () => {
  it.each(['proc', 'thread'])(
    '%s: perceives, acts through the gate and is recorded',
    async (name) => {
      h = await startAgents(agents);
      await h.system.kernel.call(h.operator, 'message.send', {
        to: name,
        body: 'the vault code is blue',
      });
      const { daemon, agent } = await h.system.agents.spawn(name);
      expect(daemon).toBeInstanceOf(IsolatedDaemon);
      const reports = await daemon.runUntilIdle(5);
      expect(reports[0]!.results.map((r) => r.ok)).toEqual([true]);
      expect(reports.at(-1)!.idle).toBe(true);
      const hits = await agent.memory.search(agent.id, 'vault code');
      expect(hits[0]?.content).toContain('the vault code is blue');
      const calls = await h.system.store.db
        .selectFrom('ledger_entries')
        .select('actor')
        .where('subject', '=', 'tool.call')
        .execute();
      expect(calls.map((c) => c.actor)).toEqual([`agent:${agent.id}`]);
    },
  );

  it('a killed agent process ends terminated; the host and other agents carry on', async () => {
    h = await startAgents(agents);
    const statuses: string[] = [];
    const proc = await h.system.agents.spawn('proc', {
      onStatus: (status, reason) => statuses.push(`${status}: ${reason ?? ''}`),
    });
    const pid = (proc.daemon as IsolatedDaemon).pid!;
    process.kill(pid, 'SIGKILL');
    await proc.daemon.settled();
    expect(proc.daemon.status).toBe('terminated');
    expect(statuses.join('\n')).toContain('killed by SIGKILL');

    await h.system.kernel.call(h.operator, 'message.send', { to: 'local', body: 'still here' });
    const local = await h.system.agents.spawn('local');
    const reports = await local.daemon.runUntilIdle(3);
    expect(reports[0]!.results.map((r) => r.ok)).toEqual([true]);
    expect(path.isAbsolute(h.dir)).toBe(true);
  });
});

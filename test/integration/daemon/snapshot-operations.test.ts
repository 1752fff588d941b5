/**
 * Snapshots for people (issue 9): list an agent's snapshots, restore its memory from one (only
 * while it is not running), delete one; bad requests get clear errors; every change is recorded.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type AgentHarness, startAgents } from './runtime/harness.js';

let h: AgentHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('snapshot operations', () => {
  it('lists, restores memory and deletes', async () => {
    h = await startAgents(() => ({ agents: [{ name: 'worker', model: 'smart' }] }));
    const agent = h.system.agents.byName('worker')!;
    await agent.memory.put(agent.id, {
      component: 'semantic',
      content: 'the deploy window is Tuesday',
    });
    const first = await h.system.agents.snapshots.save('worker', {
      memory: await agent.memory.export(agent.id),
    });
    await agent.memory.put(agent.id, { component: 'semantic', content: 'a note added later' });
    await h.system.agents.snapshots.save('worker', { memory: await agent.memory.export(agent.id) });
    const call = (op: string, args: Record<string, unknown>) =>
      h!.system.kernel.call<Record<string, unknown>>(h!.operator, op, args);

    // A person can look into the agent's memory without it counting as the agent's recall.
    const looked = (await call('memory.inspect', { agent: 'worker', query: 'deploy window' }))
      .result as {
      items: { content: string; accessCount: number }[];
    };
    expect(looked.items.map((i) => i.content)).toContain('the deploy window is Tuesday');
    expect(looked.items.every((i) => i.accessCount === 0)).toBe(true);
    const newest = (await call('memory.inspect', { agent: 'worker' })).result as {
      items: unknown[];
    };
    expect(newest.items).toHaveLength(2);

    const listed = (await call('snapshot.list', { agent: 'worker' })).result as {
      snapshots: { version: number }[];
    };
    expect(listed.snapshots.map((s) => s.version)).toEqual([first.version + 1, first.version]);

    const { daemon } = await h.system.agents.spawn('worker');
    await daemon.start();
    await expect(
      call('snapshot.restore', { agent: 'worker', version: first.version, reason: 'roll back' }),
    ).rejects.toThrow(/is running; pause it first/);
    await daemon.suspend('restoring');
    const restored = await call('snapshot.restore', {
      agent: 'worker',
      version: first.version,
      reason: 'roll back',
    });
    expect(restored.result['items']).toBe(1);
    const exported = await agent.memory.export(agent.id);
    expect(JSON.stringify(exported)).toContain('the deploy window is Tuesday');
    expect(JSON.stringify(exported)).not.toContain('a note added later');

    await call('snapshot.delete', { agent: 'worker', version: first.version, reason: 'tidy' });
    const after = (await call('snapshot.list', { agent: 'worker' })).result as {
      snapshots: unknown[];
    };
    expect(after.snapshots).toHaveLength(1);
    await expect(
      call('snapshot.delete', { agent: 'worker', version: first.version, reason: 'x' }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(call('snapshot.list', { agent: 'nobody' })).rejects.toThrow(/configured: worker/);
    await expect(call('snapshot.restore', { agent: 'worker', version: 1 })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
    });
  });
});

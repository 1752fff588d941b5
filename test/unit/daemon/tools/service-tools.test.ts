import { describe, expect, it } from 'vitest';
import {
  builtinTools,
  ToolRegistry,
  type ToolServices,
} from '../../../../src/daemon/tools/index.js';
import { toolContext } from './tool-context.js';

function fakeServices() {
  const calls: unknown[][] = [];
  const services: ToolServices = {
    memory: {
      put: async (...args) => {
        calls.push(['memory.put', ...args]);
        return { id: 'm1' };
      },
      search: async (...args) => {
        calls.push(['memory.search', ...args]);
        return [{ id: 'm1', component: 'semantic', content: 'sky is blue', score: 0.91 }];
      },
    },
    messages: {
      send: async (...args) => {
        calls.push(['messages.send', ...args]);
        return { id: 'msg1' };
      },
    },
    goals: {
      push: async (...args) => {
        calls.push(['goals.push', ...args]);
        return { id: 'g1' };
      },
      complete: async (...args) => {
        calls.push(['goals.complete', ...args]);
      },
    },
    permissions: {
      request: async (...args) => {
        calls.push(['permissions.request', ...args]);
        return { id: 'ap1', expiresAt: '2026-11-27T00:00:00.000Z' };
      },
    },
    humans: {
      ask: async (...args) => {
        calls.push(['humans.ask', ...args]);
        return { id: 'q1', expiresAt: '2026-11-28T00:00:00.000Z' };
      },
    },
  };
  return { services, calls };
}

const registry = new ToolRegistry();
for (const tool of builtinTools()) registry.register(tool);

describe('service built-ins', () => {
  it('pass the calling agent and validated arguments to the services', async () => {
    const { services, calls } = fakeServices();
    const ctx = toolContext({}, services);
    const search = await registry.run('memory.search', ctx, {
      query: 'sky',
      components: ['semantic'],
    });
    expect(search.content).toBe('[m1] (semantic, 0.91) sky is blue');
    expect(
      (await registry.run('memory.put', ctx, { component: 'episodic', content: 'saw a bird' }))
        .data,
    ).toEqual({
      id: 'm1',
    });
    await registry.run('message.send', ctx, { to: 'agent-2', body: 'hi', subject: 'greeting' });
    await registry.run('goal.push', ctx, { title: 'ship', priority: 5 });
    expect(
      (await registry.run('goal.complete', ctx, { goalId: 'g1', outcome: 'shipped' })).content,
    ).toBe('completed goal g1');
    expect(
      (
        await registry.run('permission.request', ctx, {
          capability: 'net.http',
          hosts: ['api.github.com'],
          reason: 'read the issue',
        })
      ).content,
    ).toContain('approval ap1');
    expect(
      (await registry.run('human.ask', ctx, { question: 'Which branch?', hours: 2 })).content,
    ).toContain('question q1');
    expect(calls).toEqual([
      ['memory.search', 'agent-1', 'sky', { limit: 10, components: ['semantic'] }],
      ['memory.put', 'agent-1', { component: 'episodic', content: 'saw a bird' }],
      ['messages.send', 'agent-1', 'agent-2', 'hi', { subject: 'greeting' }],
      ['goals.push', 'agent-1', { title: 'ship', priority: 5 }],
      ['goals.complete', 'agent-1', 'g1', 'shipped'],
      [
        'permissions.request',
        'agent-1',
        { capability: 'net.http', scope: { hosts: ['api.github.com'] }, reason: 'read the issue' },
      ],
      ['humans.ask', 'agent-1', { question: 'Which branch?', ttlSeconds: 7200 }],
    ]);
  });

  it('reject bad arguments before any service is called', async () => {
    const { services, calls } = fakeServices();
    const ctx = toolContext({}, services);
    await expect(
      registry.run('memory.put', ctx, { component: 'dreams', content: 'x' }),
    ).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringContaining('component:'),
    });
    await expect(registry.run('goal.complete', ctx, { goalId: 'g1' })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringContaining('outcome: required'),
    });
    expect(calls).toEqual([]);
  });

  it('says so when memory has nothing', async () => {
    const { services } = fakeServices();
    services.memory.search = async () => [];
    const result = await registry.run('memory.search', toolContext({}, services), { query: 'x' });
    expect(result.content).toBe('no matching memories');
  });
});

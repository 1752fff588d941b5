/**
 * The in-process bus: the conformance suite, plus what only it does (one subscription per
 * agent, queues that outlive a subscription) and the retry backoff timed on fake timers.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isAgentvisorError } from '../../../../src/core/index.js';
import { InMemoryProcessedLog, InProcessBus } from '../../../../src/team/index.js';
import { type BusHarness, busConformance, eventually, rejection, task } from './bus-conformance.js';

let processed = new InMemoryProcessedLog();
const harness: BusHarness = {
  async open(options = {}) {
    return new InProcessBus({ processedLog: processed, ...options });
  },
  async reset() {
    processed = new InMemoryProcessedLog();
  },
};

busConformance('InProcessBus', harness);

describe('InProcessBus', () => {
  const buses: InProcessBus[] = [];
  const open = (options: ConstructorParameters<typeof InProcessBus>[0] = {}) => {
    const bus = new InProcessBus({ rateLimit: false, ...options });
    buses.push(bus);
    return bus;
  };
  afterEach(async () => {
    vi.useRealTimers();
    for (const bus of buses.splice(0)) await bus.close();
  });

  it('allows one live subscription per agent', async () => {
    const bus = open();
    const first = await bus.subscribe({ name: 'code' }, () => {});
    const error = await rejection(bus.subscribe({ name: 'code' }, () => {}));
    expect(isAgentvisorError(error, 'CONFLICT')).toBe(true);
    await first.close();
    await bus.subscribe({ name: 'code' }, () => {});
  });

  it('keeps queueing for a known agent between subscriptions', async () => {
    const bus = open();
    const got: string[] = [];
    const sub = await bus.subscribe({ name: 'code' }, (m) => {
      got.push(m.payload.action);
    });
    await sub.close();
    await bus.send(task('lead', 'agent:code', 'while away'));
    expect(got).toEqual([]);
    await bus.subscribe({ name: 'code' }, (m) => {
      got.push(m.payload.action);
    });
    await eventually(() => expect(got).toEqual(['while away']));
  });

  it('refuses bad consumer names and options', async () => {
    const bus = open();
    expect(
      isAgentvisorError(
        await rejection(bus.subscribe({ name: 'Code' }, () => {})),
        'INPUT_INVALID',
      ),
    ).toBe(true);
    expect(
      isAgentvisorError(
        await rejection(bus.subscribe({ name: 'code' }, () => {}, { concurrency: 0 })),
        'INPUT_INVALID',
      ),
    ).toBe(true);
  });

  it('waits 1 s then 2 s between attempts by default (seed 002 AGENT_MESSAGE)', async () => {
    vi.useFakeTimers();
    const bus = open();
    const attempts: number[] = [];
    await bus.subscribe({ name: 'code' }, (_m, ctx) => {
      attempts.push(ctx.attempt);
      throw new Error('down');
    });
    await bus.send(task('lead', 'agent:code', 'x'));
    await vi.advanceTimersByTimeAsync(0);
    expect(attempts).toEqual([1]);
    await vi.advanceTimersByTimeAsync(999);
    expect(attempts).toEqual([1]);
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts).toEqual([1, 2]);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(attempts).toEqual([1, 2]);
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts).toEqual([1, 2, 3]);
    expect(await bus.dlq.count()).toBe(1);
  });

  it('times a request out on fake timers', async () => {
    vi.useFakeTimers();
    const bus = open({ requestTimeoutMs: 30_000 });
    await bus.subscribe({ name: 'data' }, () => {});
    const pending = rejection(bus.request(task('code', 'agent:data', 'q')));
    await vi.advanceTimersByTimeAsync(30_000);
    expect(isAgentvisorError(await pending, 'TIMEOUT')).toBe(true);
  });

  it('routes one conversation to one member of a role', async () => {
    const bus = open();
    const byMember: Record<string, string[]> = {};
    for (const member of ['qa-1', 'qa-2', 'qa-3']) {
      byMember[member] = [];
      await bus.subscribe({ name: member, roles: ['qa'] }, (m) => {
        byMember[member]!.push(m.conversationId);
      });
    }
    for (let i = 0; i < 30; i++) {
      await bus.send(task('lead', 'role:qa', 'check', { conversationId: `conv-${i % 5}` }));
    }
    await eventually(() => expect(Object.values(byMember).flat()).toHaveLength(30));
    const owners = new Map<string, Set<string>>();
    for (const [member, convs] of Object.entries(byMember)) {
      for (const c of convs) owners.set(c, (owners.get(c) ?? new Set()).add(member));
    }
    for (const members of owners.values()) expect(members.size).toBe(1);
  });
});

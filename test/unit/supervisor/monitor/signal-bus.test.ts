import { describe, expect, it } from 'vitest';
import { SignalBus } from '../../../../src/supervisor/monitor/index.js';

interface Ping {
  readonly agentId: string;
  readonly n: number;
}

describe('SignalBus', () => {
  it('delivers to the agent’s own listeners, then to catch-all ones, in order', () => {
    const bus = new SignalBus<Ping>();
    const log: string[] = [];
    bus.subscribeAll((s) => {
      log.push(`all:${s.agentId}:${s.n}`);
    });
    bus.subscribe('a', (s) => {
      log.push(`a1:${s.n}`);
    });
    bus.subscribe('a', (s) => {
      log.push(`a2:${s.n}`);
    });
    bus.subscribe('b', (s) => {
      log.push(`b:${s.n}`);
    });
    expect(bus.publish({ agentId: 'a', n: 1 })).toBe(3);
    expect(bus.publish({ agentId: 'c', n: 2 })).toBe(1);
    expect(log).toEqual(['a1:1', 'a2:1', 'all:a:1', 'all:c:2']);
    expect(bus.listenerCount('a')).toBe(3);
  });

  it('unsubscribes (idempotently), also from inside a delivery, and clears an agent', () => {
    const bus = new SignalBus<Ping>();
    const got: number[] = [];
    const off = bus.subscribe('a', (s) => {
      got.push(s.n);
      off();
    });
    const offAll = bus.subscribeAll((s) => {
      got.push(s.n * 10);
    });
    bus.publish({ agentId: 'a', n: 1 });
    bus.publish({ agentId: 'a', n: 2 });
    off();
    offAll();
    offAll();
    bus.publish({ agentId: 'a', n: 3 });
    expect(got).toEqual([1, 10, 20]);
    bus.subscribe('x', () => undefined);
    bus.clear('x');
    expect(bus.listenerCount('x')).toBe(0);
  });

  it('isolates a listener that throws or rejects: the others still run and the error is reported', async () => {
    const errors: Array<[unknown, Ping]> = [];
    const bus = new SignalBus<Ping>({ onListenerError: (e, s) => errors.push([e, s]) });
    const got: string[] = [];
    bus.subscribe('a', () => {
      throw new Error('boom');
    });
    bus.subscribe('a', async () => {
      throw new Error('async boom');
    });
    bus.subscribe('a', (s) => {
      got.push(`ok:${s.n}`);
    });
    bus.subscribeAll((s) => {
      got.push(`all:${s.n}`);
    });
    expect(bus.publish({ agentId: 'a', n: 1 })).toBe(4);
    expect(got).toEqual(['ok:1', 'all:1']);
    await new Promise((r) => setImmediate(r));
    expect(errors.map(([e]) => (e as Error).message)).toEqual(['boom', 'async boom']);
    expect(errors[0]![1]).toEqual({ agentId: 'a', n: 1 });
    expect(bus.listenerErrors).toBe(2);
  });

  it('survives an error reporter that throws', () => {
    const bus = new SignalBus<Ping>({
      onListenerError: () => {
        throw new Error('reporter down');
      },
    });
    let reached = false;
    bus.subscribe('a', () => {
      throw new Error('x');
    });
    bus.subscribe('a', () => {
      reached = true;
    });
    expect(() => bus.publish({ agentId: 'a', n: 1 })).not.toThrow();
    expect(reached).toBe(true);
  });
});

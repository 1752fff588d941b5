/** Snapshots every interval while running, one more at shutdown, never two saves at once. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AgentvisorError } from '../../../../src/core/index.js';
import { type SnapshotInfo, SnapshotSchedule } from '../../../../src/daemon/agent/index.js';

interface Call {
  agent: string;
  state: unknown;
}

/** A snapshot store that records calls and finishes each save when told. */
function recordingStore() {
  const calls: Call[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const pending: Array<() => void> = [];
  return {
    calls,
    get maxInFlight() {
      return maxInFlight;
    },
    finishAll() {
      while (pending.length > 0) pending.shift()!();
    },
    manual: false,
    async save(agent: string, state: unknown): Promise<SnapshotInfo> {
      calls.push({ agent, state });
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (this.manual) await new Promise<void>((resolve) => pending.push(resolve));
      inFlight--;
      return { agentName: agent, version: calls.length, createdAt: '', checksum: '', size: 0 };
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('SnapshotSchedule', () => {
  it('snapshots every interval and once more at shutdown', async () => {
    const store = recordingStore();
    let beats = 0;
    const schedule = new SnapshotSchedule({
      snapshots: store,
      agentName: 'researcher',
      everyMs: 1000,
      capture: () => ({ beats }),
    });
    schedule.start();
    schedule.start(); // idempotent: still one timer
    beats = 1;
    await vi.advanceTimersByTimeAsync(1000);
    beats = 2;
    await vi.advanceTimersByTimeAsync(1000);
    expect(store.calls).toEqual([
      { agent: 'researcher', state: { beats: 1 } },
      { agent: 'researcher', state: { beats: 2 } },
    ]);
    beats = 3;
    const final = await schedule.stop();
    expect(final.version).toBe(3);
    expect(store.calls.at(-1)!.state).toEqual({ beats: 3 });
    await vi.advanceTimersByTimeAsync(5000);
    expect(store.calls).toHaveLength(3);
    expect(() => schedule.start()).toThrow('this snapshot schedule was stopped; create another');
  });

  it('never overlaps saves: the shutdown snapshot waits for the periodic one in flight', async () => {
    const store = recordingStore();
    store.manual = true;
    const schedule = new SnapshotSchedule({
      snapshots: store,
      agentName: 'researcher',
      everyMs: 100,
      capture: () => ({ at: Date.now() }),
    });
    schedule.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(store.calls).toHaveLength(1);
    const stopping = schedule.stop();
    await vi.advanceTimersByTimeAsync(0);
    expect(store.calls).toHaveLength(1);
    store.finishAll();
    await vi.advanceTimersByTimeAsync(0);
    store.finishAll();
    expect((await stopping).version).toBe(2);
    expect(store.maxInFlight).toBe(1);
  });

  it('reports a failed periodic save and keeps going', async () => {
    const errors: unknown[] = [];
    let fail = true;
    const store = recordingStore();
    const schedule = new SnapshotSchedule({
      snapshots: {
        save: (agent, state) =>
          fail ? Promise.reject(new Error('disk full')) : store.save(agent, state),
      },
      agentName: 'researcher',
      everyMs: 100,
      capture: () => ({}),
      onError: (error) => errors.push(error),
    });
    schedule.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(errors.map((e) => (e as Error).message)).toEqual(['disk full']);
    fail = false;
    await vi.advanceTimersByTimeAsync(100);
    expect(store.calls).toHaveLength(1);
    await schedule.stop();
  });

  it('refuses an interval under 10 ms', () => {
    expect(
      () =>
        new SnapshotSchedule({
          snapshots: recordingStore(),
          agentName: 'a',
          everyMs: 5,
          capture: () => ({}),
        }),
    ).toThrow(AgentvisorError);
  });
});

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/core/index.js';
import {
  type IntervalTimer,
  type ProcessReading,
  type ProcessSampler,
  ResourceMonitor,
} from '../../../../src/supervisor/monitor/index.js';

/** A sampler that answers from a table the test edits, and counts its calls. */
class TableSampler implements ProcessSampler {
  readonly table = new Map<number, ProcessReading>();
  calls: number[][] = [];
  closed = 0;
  fail: Error | undefined;
  async sample(pids: readonly number[]): Promise<ReadonlyMap<number, ProcessReading>> {
    this.calls.push([...pids]);
    if (this.fail) throw this.fail;
    return new Map(pids.flatMap((p) => (this.table.has(p) ? [[p, this.table.get(p)!]] : [])));
  }
  close(): void {
    this.closed++;
  }
}

/** A timer the test fires by hand. */
class HandTimer implements IntervalTimer {
  callback: (() => void) | undefined;
  ms = 0;
  cleared = 0;
  setInterval(callback: () => void, ms: number): unknown {
    this.callback = callback;
    this.ms = ms;
    return 1;
  }
  clearInterval(): void {
    this.callback = undefined;
    this.cleared++;
  }
}

function setup(history?: number) {
  const clock = new ManualClock(1_000_000);
  const sampler = new TableSampler();
  const timer = new HandTimer();
  const monitor = new ResourceMonitor({
    clock,
    sampler,
    timer,
    ...(history === undefined ? {} : { historyWindows: history }),
  });
  /** Advances one second and closes the window. */
  const second = async () => {
    clock.advance(1000);
    await monitor.tick();
  };
  return { clock, sampler, timer, monitor, second };
}

describe('ResourceMonitor windows and rates', () => {
  it('counts ops, tokens and IO per window and gives per-second rates over closed windows', async () => {
    const { monitor, second } = setup();
    monitor.add('a');
    for (let i = 0; i < 30; i++) monitor.recordOp('a');
    monitor.recordTokens('a', 500);
    monitor.recordIo('a', 1000, 200);
    // The open window is not in the rates yet.
    expect(monitor.rates('a', 10).windows).toBe(0);
    expect(monitor.rates('a', 10).opsPerSecond).toBe(0);
    await second();
    for (let i = 0; i < 10; i++) monitor.recordOp('a');
    await second();
    const r = monitor.rates('a', 2);
    expect(r).toMatchObject({ windows: 2, complete: true, seconds: 2 });
    expect(r.opsPerSecond).toBe(20);
    expect(r.tokensPerSecond).toBe(250);
    expect(r.ioReadBytesPerSecond).toBe(500);
    expect(r.ioWrittenBytesPerSecond).toBe(100);
    expect(monitor.rates('a', 1).opsPerSecond).toBe(10);
    const h = monitor.history('a');
    expect(h.map((w) => w.ops)).toEqual([30, 10]);
    expect(h.map((w) => w.tokens)).toEqual([500, 0]);
    expect(h[0]).toMatchObject({ start: 1_000_000, end: 1_001_000, ioReadBytes: 1000 });
  });

  it('reports an incomplete span while the agent is young and divides by the time it existed', async () => {
    const { monitor, clock } = setup();
    clock.advance(500);
    monitor.add('a'); // joins half-way through the open window
    for (let i = 0; i < 5; i++) monitor.recordOp('a');
    clock.advance(500);
    await monitor.tick(); // the window closes 500 ms after the agent was added
    const r = monitor.rates('a', 5);
    expect(r.complete).toBe(false);
    expect(r.windows).toBe(1);
    expect(r.seconds).toBe(0.5);
    expect(r.opsPerSecond).toBe(10);
    expect(monitor.history('a')[0]!.start).toBe(1_000_500);
  });

  it('uses the real window length when a tick is late', async () => {
    const { monitor, clock } = setup();
    monitor.add('a');
    for (let i = 0; i < 30; i++) monitor.recordOp('a');
    clock.advance(3000);
    await monitor.tick();
    expect(monitor.rates('a', 1).opsPerSecond).toBe(10);
  });

  it('keeps 60 windows of history and forgets older ones', async () => {
    const { monitor, second } = setup();
    monitor.add('a');
    for (let w = 0; w < 75; w++) {
      for (let i = 0; i < w; i++) monitor.recordOp('a');
      await second();
    }
    const h = monitor.history('a');
    expect(h).toHaveLength(60);
    expect(h[0]!.ops).toBe(15);
    expect(h[59]!.ops).toBe(74);
    expect(monitor.rates('a', 1000).windows).toBe(60);
    expect(monitor.usage('a').opsTotal).toBe((74 * 75) / 2);
  });

  it('charges CPU from cumulative reports, tracks memory current and peaks, and carries memory over', async () => {
    const { monitor, second } = setup();
    monitor.add('w');
    monitor.reportUsage('w', { cpuMs: 1000, rssBytes: 50 * 2 ** 20 }); // baseline
    await second();
    monitor.reportUsage('w', { cpuMs: 1250, rssBytes: 80 * 2 ** 20 });
    monitor.reportUsage('w', { cpuMs: 1500, rssBytes: 60 * 2 ** 20 });
    await second();
    await second(); // no report: memory carries over, CPU is zero
    const h = monitor.history('w');
    expect(h.map((w) => w.cpuMs)).toEqual([0, 500, 0]);
    expect(h.map((w) => w.memoryBytes)).toEqual([50 * 2 ** 20, 60 * 2 ** 20, 60 * 2 ** 20]);
    expect(h.map((w) => w.memoryPeakBytes)).toEqual([50 * 2 ** 20, 80 * 2 ** 20, 60 * 2 ** 20]);
    expect(monitor.rates('w', 1).cpuPercent).toBe(0);
    expect(monitor.rates('w', 2).cpuPercent).toBe(25);
    expect(monitor.usage('w')).toMatchObject({
      memoryBytes: 60 * 2 ** 20,
      memoryPeakBytes: 80 * 2 ** 20,
      cpuMsTotal: 500,
    });
  });

  it('treats a drop in cumulative CPU as a new baseline, not negative CPU', async () => {
    const { monitor, second } = setup();
    monitor.add('w');
    monitor.reportUsage('w', { cpuMs: 5000, rssBytes: 1 });
    monitor.reportUsage('w', { cpuMs: 10, rssBytes: 1 });
    monitor.reportUsage('w', { cpuMs: 110, rssBytes: 1 });
    await second();
    expect(monitor.history('w')[0]!.cpuMs).toBe(100);
  });

  it('ignores hot-path records for unknown agents and after removal', async () => {
    const { monitor, second } = setup();
    monitor.recordOp('ghost');
    monitor.recordTokens('ghost', 5);
    monitor.recordIo('ghost', 1, 1);
    monitor.reportUsage('ghost', { cpuMs: 1, rssBytes: 1 });
    monitor.add('a');
    expect(monitor.remove('a')).toBe(true);
    monitor.recordOp('a');
    await second();
    expect(monitor.has('a')).toBe(false);
    expect(() => monitor.rates('a', 1)).toThrow(/no agent a is tracked/);
    expect(() => monitor.history('ghost')).toThrowError(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
  });

  it('refuses to add an agent twice', () => {
    const { monitor } = setup();
    monitor.add('a');
    expect(() => monitor.add('a')).toThrowError(expect.objectContaining({ code: 'CONFLICT' }));
  });

  it('rejects nonsensical options', () => {
    expect(() => new ResourceMonitor({ intervalMs: 0 })).toThrow(/intervalMs/);
    expect(() => new ResourceMonitor({ historyWindows: 0 })).toThrow(/historyWindows/);
  });
});

describe('ResourceMonitor OS sampling', () => {
  it('samples every process agent in one batched call per tick and skips the others', async () => {
    const { monitor, sampler, second } = setup();
    monitor.add('p1', { pid: 101 });
    monitor.add('p2', { pid: 102 });
    monitor.add('w');
    sampler.table.set(101, { cpuMs: 100, rssBytes: 10 });
    sampler.table.set(102, { cpuMs: 200, rssBytes: 20 });
    await second();
    sampler.table.set(101, { cpuMs: 600, rssBytes: 30 }); // 500 ms in a 1 s window: 50%
    sampler.table.set(102, { cpuMs: 200, rssBytes: 20 });
    await second();
    expect(sampler.calls).toEqual([
      [101, 102],
      [101, 102],
    ]);
    expect(monitor.rates('p1', 1).cpuPercent).toBe(50);
    expect(monitor.rates('p2', 1).cpuPercent).toBe(0);
    expect(monitor.usage('p1')).toMatchObject({
      pid: 101,
      memoryBytes: 30,
      lastSampleAt: 1_002_000,
    });
    expect(monitor.usage('w').lastSampleAt).toBeUndefined();
  });

  it('does not call the sampler when there are no process agents', async () => {
    const { monitor, sampler, second } = setup();
    monitor.add('w');
    await second();
    expect(sampler.calls).toEqual([]);
  });

  it('starts a new CPU baseline when the pid changes (restart)', async () => {
    const { monitor, sampler, second } = setup();
    monitor.add('p', { pid: 1 });
    sampler.table.set(1, { cpuMs: 9000, rssBytes: 1 });
    await second();
    monitor.setPid('p', 2);
    sampler.table.set(2, { cpuMs: 40, rssBytes: 1 });
    await second();
    sampler.table.set(2, { cpuMs: 140, rssBytes: 1 });
    await second();
    expect(monitor.history('p').map((w) => w.cpuMs)).toEqual([0, 0, 100]);
  });

  it('counts sample failures, reports them, and still closes the window', async () => {
    const errors: unknown[] = [];
    const clock = new ManualClock(0);
    const sampler = new TableSampler();
    const monitor = new ResourceMonitor({ clock, sampler, onSampleError: (e) => errors.push(e) });
    monitor.add('p', { pid: 7 });
    monitor.recordOp('p');
    sampler.fail = new Error('proc unreadable');
    clock.advance(1000);
    await monitor.tick();
    expect(errors).toHaveLength(1);
    expect(monitor.snapshot().sampleErrors).toBe(1);
    expect(monitor.history('p')).toHaveLength(1);
  });

  it('start() ticks on the injected timer every interval; stop() clears it and closes the sampler', async () => {
    const { monitor, timer, sampler, clock } = setup();
    monitor.add('a');
    monitor.start();
    monitor.start(); // idempotent
    expect(timer.ms).toBe(1000);
    monitor.recordOp('a');
    clock.advance(1000);
    timer.callback!();
    expect(monitor.history('a')).toHaveLength(1);
    monitor.stop();
    expect(timer.cleared).toBe(1);
    expect(sampler.closed).toBe(1);
    expect(timer.callback).toBeUndefined();
    monitor.stop();
    expect(timer.cleared).toBe(1);
  });
});

describe('ResourceMonitor snapshot', () => {
  it('sums every agent into system totals', async () => {
    const { monitor, second } = setup();
    monitor.add('a');
    monitor.add('b');
    monitor.reportUsage('a', { cpuMs: 0, rssBytes: 100 });
    monitor.reportUsage('b', { cpuMs: 0, rssBytes: 300 });
    await second();
    monitor.reportUsage('a', { cpuMs: 200, rssBytes: 100 });
    monitor.reportUsage('b', { cpuMs: 300, rssBytes: 300 });
    for (let i = 0; i < 4; i++) monitor.recordOp('a');
    monitor.recordOp('b');
    monitor.recordTokens('b', 70);
    await second();
    const snap = monitor.snapshot(1);
    expect(snap.agents.map((a) => a.agentId)).toEqual(['a', 'b']);
    expect(snap.totals).toEqual({
      agents: 2,
      memoryBytes: 400,
      cpuPercent: 50,
      opsPerSecond: 5,
      tokensPerSecond: 70,
      ioReadBytesPerSecond: 0,
      ioWrittenBytesPerSecond: 0,
      cpuMsTotal: 500,
      opsTotal: 5,
      tokensTotal: 70,
    });
    expect(snap.at).toBe(1_002_000);
  });
});

/**
 * The resource monitor against real processes: a busy-loop child must show CPU near one core
 * and a memory-hog child a rising RSS, sampled by pidusage on the monitor's own timer, and the
 * fault detector must turn both into faults.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { FaultDetector, ResourceMonitor } from '../../../../src/supervisor/monitor/index.js';

const children: ChildProcess[] = [];

function child(code: string): ChildProcess {
  const c = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
  children.push(c);
  return c;
}

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ResourceMonitor over real processes', () => {
  it('sees CPU rise for a busy child and RSS rise for a memory hog', async () => {
    const busy = child('for (;;) {}');
    // 16 MiB every 100 ms, filled so the pages are really resident, up to 320 MiB.
    const hog = child(
      'const a = []; setInterval(() => { if (a.length < 20) a.push(Buffer.alloc(16 * 2 ** 20, 1)); }, 100);',
    );
    const idle = child('setInterval(() => {}, 1000);');
    const monitor = new ResourceMonitor({ intervalMs: 250 });
    monitor.add('busy', { pid: busy.pid! });
    monitor.add('hog', { pid: hog.pid! });
    monitor.add('idle', { pid: idle.pid! });
    const detector = new FaultDetector({
      monitor,
      preset: 'strict',
      limits: { cpuPercent: 50, cpuWindowSeconds: 1, memoryBytes: 200 * 2 ** 20 },
    });
    for (const id of ['busy', 'hog', 'idle']) detector.track(id);
    monitor.start();
    try {
      const firstHogRss = await (async () => {
        await sleep(400);
        return monitor.usage('hog').memoryBytes;
      })();
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        await sleep(250);
        if (
          monitor.rates('busy', 1).complete &&
          monitor.rates('busy', 1).cpuPercent > 60 &&
          monitor.usage('hog').memoryBytes > 250 * 2 ** 20
        ) {
          break;
        }
      }
      const busyRates = monitor.rates('busy', 1);
      expect(busyRates.complete).toBe(true);
      expect(busyRates.cpuPercent).toBeGreaterThan(60);
      expect(monitor.rates('idle', 1).cpuPercent).toBeLessThan(20);
      const hogUsage = monitor.usage('hog');
      expect(firstHogRss).toBeGreaterThan(0);
      expect(hogUsage.memoryBytes).toBeGreaterThan(250 * 2 ** 20);
      expect(hogUsage.memoryPeakBytes).toBeGreaterThanOrEqual(hogUsage.memoryBytes);
      expect(hogUsage.memoryBytes).toBeGreaterThan(firstHogRss + 100 * 2 ** 20);
      // The history shows the growth window by window.
      const hist = monitor.history('hog').map((w) => w.memoryBytes);
      expect(hist[hist.length - 1]!).toBeGreaterThan(hist[0]!);

      const faults = detector.checkAll();
      expect(faults).toContainEqual(
        expect.objectContaining({ agentId: 'busy', fault: 'cpu_quota', action: 'kill' }),
      );
      expect(faults).toContainEqual(
        expect.objectContaining({ agentId: 'hog', fault: 'memory_limit', action: 'kill' }),
      );
      expect(faults.filter((f) => f.agentId === 'idle')).toEqual([]);
      expect(monitor.snapshot(1).sampleErrors).toBe(0);
    } finally {
      monitor.stop();
    }
  });

  it('keeps sampling the live processes when one has exited', async () => {
    const gone = child('process.exit(0)');
    const alive = child('setInterval(() => {}, 1000);');
    await new Promise((r) => gone.once('exit', r));
    const monitor = new ResourceMonitor({ intervalMs: 1000 });
    monitor.add('gone', { pid: gone.pid! });
    monitor.add('alive', { pid: alive.pid! });
    await monitor.tick();
    await sleep(100);
    await monitor.tick();
    monitor.stop();
    expect(monitor.usage('alive').memoryBytes).toBeGreaterThan(0);
    expect(monitor.usage('gone').lastSampleAt).toBeUndefined();
    expect(monitor.snapshot().sampleErrors).toBe(0);
  });
});

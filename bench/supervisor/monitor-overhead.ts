/**
 * @module The monitor's own cost (seed 000 Resource Management: "Monitor Overhead: <1% CPU,
 * <5MB RAM"). N fake agents send realistic traffic to a {@link ResourceMonitor} for a few
 * seconds (each: 10 operations and 10 token counts a second, IO twice a second, one usage
 * report and heartbeat a second, as a worker agent would), while the monitor ticks once a
 * second and the {@link FaultDetector} checks every agent on each tick. CPU is the sum of
 * `process.cpuUsage()` deltas around the monitor's calls only (the traffic loop's own sleeping
 * and scheduling is not the monitor's); memory is the heap (plus typed-array backing stores)
 * retained after a full GC with the monitor alive, minus the same before it existed.
 *
 * A second measure times one OS sampling tick (`pidusage`, one batched call) over 20 real child
 * processes.
 */
import { spawn } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FaultDetector, ResourceMonitor } from '../../src/supervisor/monitor/index.js';

/** One row of {@link measureMonitorOverhead}. */
export interface MonitorOverhead {
  agents: number;
  /**
   * CPU time of the process (all threads: V8's background GC and compiler threads included)
   * during the monitor's calls, over wall time, in percent of one core.
   */
  cpuPercent: number;
  /** Main-thread time spent in the monitor's calls over wall time, in percent. */
  mainThreadPercent: number;
  /** Heap and typed-array memory retained by the monitor and detector with `agents` agents. */
  heapBytes: number;
  /** Mean cost of one tick (close windows for all agents, then check them all for faults). */
  perTickUs: number;
}

/** One row of {@link measurePidusageTick}. */
export interface PidusageTickCost {
  processes: number;
  /** The first tick reads each `/proc/<pid>/stat` twice (pidusage primes its CPU baseline). */
  firstTickUs: number;
  /** Mean wall time of a later tick. */
  perTickUs: number;
  /** Mean CPU time (this process, libuv threads included) of a later tick. */
  cpuUsPerTick: number;
}

const BATCH_MS = 100;
const BATCHES_PER_TICK = 10;
const WARMUP_SECONDS = 2;

function collectGarbage(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing !== undefined) return existing;
  // Without --expose-gc: turn the flag on and take gc() from a fresh context.
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function retainedBytes(gc: () => void): number {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function measureOne(
  agents: number,
  seconds: number,
  gc: () => void,
): Promise<MonitorOverhead> {
  const before = retainedBytes(gc);
  const monitor = new ResourceMonitor({ intervalMs: 1000 });
  const detector = new FaultDetector({
    monitor,
    limits: {
      cpuPercent: 80,
      memoryBytes: 512 * 2 ** 20,
      opsPerSecond: 1000,
      watchdogSeconds: 120,
    },
  });
  const ids = Array.from({ length: agents }, (_, i) => `agent-${String(i).padStart(5, '0')}`);
  for (const id of ids) {
    monitor.add(id);
    detector.track(id);
  }
  const cpuMs = new Float64Array(agents);
  let monitorCpuUs = 0;
  let monitorWallUs = 0;
  let tickUs = 0;
  let ticks = 0;
  let started = performance.now();
  const warmup = Math.round((WARMUP_SECONDS * 1000) / BATCH_MS);
  const batches = warmup + Math.round((seconds * 1000) / BATCH_MS);
  for (let b = 1; b <= batches; b++) {
    await sleep(BATCH_MS);
    if (b === warmup + 1) {
      // Steady state only: a supervisor runs for hours, so JIT warm-up is not its overhead.
      monitorCpuUs = 0;
      monitorWallUs = 0;
      tickUs = 0;
      ticks = 0;
      started = performance.now() - BATCH_MS;
    }
    const w0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < agents; i++) {
      const id = ids[i]!;
      monitor.recordOp(id);
      monitor.recordTokens(id, 50 + ((i * 7 + b) % 200));
      if (b % 5 === i % 5) monitor.recordIo(id, 4096, 512);
      if (b % BATCHES_PER_TICK === i % BATCHES_PER_TICK) {
        cpuMs[i] = cpuMs[i]! + 20;
        monitor.reportUsage(id, { cpuMs: cpuMs[i]!, rssBytes: 60 * 2 ** 20 + i });
        detector.heartbeat(id);
      }
    }
    if (b % BATCHES_PER_TICK === 0) {
      const t0 = performance.now();
      await monitor.tick();
      detector.checkAll();
      tickUs += (performance.now() - t0) * 1000;
      ticks++;
    }
    const c = process.cpuUsage(c0);
    monitorCpuUs += c.user + c.system;
    monitorWallUs += (performance.now() - w0) * 1000;
  }
  const wallUs = (performance.now() - started) * 1000;
  const after = retainedBytes(gc);
  // Keep both alive until after the measurement.
  if (monitor.agents().length !== agents || detector.agents().length !== agents) {
    throw new Error('monitor lost agents during the run');
  }
  return {
    agents,
    cpuPercent: (monitorCpuUs / wallUs) * 100,
    mainThreadPercent: (monitorWallUs / wallUs) * 100,
    heapBytes: Math.max(0, after - before),
    perTickUs: ticks === 0 ? 0 : tickUs / ticks,
  };
}

/**
 * Runs the monitor with each number of fake agents for `seconds` (default 3, after 2 s of
 * unmeasured warm-up) and reports its CPU share, retained memory and tick cost.
 *
 * @example
 * const rows = await measureMonitorOverhead([100, 1000]);
 * rows[1].cpuPercent < 1 && rows[1].heapBytes < 5 * 2 ** 20;
 */
export async function measureMonitorOverhead(
  agentCounts: number[],
  options: { seconds?: number } = {},
): Promise<MonitorOverhead[]> {
  const gc = collectGarbage();
  const out: MonitorOverhead[] = [];
  for (const n of agentCounts) out.push(await measureOne(n, options.seconds ?? 3, gc));
  return out;
}

/**
 * Times the OS sampler: `processes` idle Node children are spawned, sampled by one monitor tick
 * after another (`ticks` of them after the first), then killed.
 *
 * @example
 * const { perTickUs } = await measurePidusageTick(20);
 */
export async function measurePidusageTick(processes = 20, ticks = 10): Promise<PidusageTickCost> {
  const children = Array.from({ length: processes }, () =>
    spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }),
  );
  const monitor = new ResourceMonitor({ intervalMs: 1000 });
  try {
    await Promise.all(children.map((c) => new Promise((r) => c.once('spawn', r))));
    children.forEach((c, i) => {
      monitor.add(`proc-${i}`, { pid: c.pid! });
    });
    let t0 = performance.now();
    await monitor.tick();
    const firstTickUs = (performance.now() - t0) * 1000;
    let wallUs = 0;
    let cpuUs = 0;
    for (let i = 0; i < ticks; i++) {
      await sleep(50);
      const c0 = process.cpuUsage();
      t0 = performance.now();
      await monitor.tick();
      wallUs += (performance.now() - t0) * 1000;
      const c = process.cpuUsage(c0);
      cpuUs += c.user + c.system;
    }
    const sampled = monitor.agents().filter((id) => monitor.usage(id).memoryBytes > 0).length;
    if (sampled !== processes) {
      throw new Error(`pidusage sampled ${sampled} of ${processes} processes`);
    }
    return { processes, firstTickUs, perTickUs: wallUs / ticks, cpuUsPerTick: cpuUs / ticks };
  } finally {
    monitor.stop();
    for (const c of children) c.kill('SIGKILL');
  }
}

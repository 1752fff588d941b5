/**
 * @module `npm run bench -- supervisor`: the supervision module's costs (issue 5).
 * - restart latency after a crash (kill → active again) for the process, worker and inline
 *   runners, and PM2 restarting a crashing script in the same run, as a ratio;
 * - cost per telemetry event (target <= 0.5 µs); policy decision p50 (target <= 5 µs), with
 *   Cedar as the reference engine; monitor overhead at 100 and 1,000 agents (< 1% CPU, < 5 MB).
 * Spawn latency per runner is measured by `npm run bench -- runtime`.
 * Options: `--quick` (fewer restarts).
 */
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configSchema } from '../src/core/index.js';
import { IsolatedDaemon } from '../src/daemon/index.js';
import { AgentSupervision, createLogger, openSystem } from '../src/system/index.js';
import {
  type BenchContext,
  fmtNum,
  judge,
  onCleanup,
  percentile,
  printTable,
  progress,
  verdictLine,
} from './lib.js';
import { measureMonitorOverhead } from './supervisor/monitor-overhead.js';
import { measurePm2Restart } from './supervisor/pm2-restart.js';
import { measurePolicyDecision } from './supervisor/policy-decision.js';
import { measureTelemetryEvent } from './supervisor/telemetry-event.js';

async function restartLatencies(
  isolation: 'inline' | 'worker' | 'process',
  restarts: number,
): Promise<number[]> {
  const dir = path.join(os.tmpdir(), `agentvisor-bench-sup-${process.pid}-${isolation}`);
  mkdirSync(dir, { recursive: true });
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const logger = createLogger({ level: 'silent', format: 'json' });
  const system = await openSystem({
    config: configSchema.parse({
      agents: [
        {
          name: 'victim',
          deliberation: 'utility',
          isolation,
          restart: { policy: 'always', auto_restart: restarts + 5, backoff_seconds: [0] },
        },
      ],
      supervisor: { backoff_seconds: [0], intensity: { max_restarts: restarts + 5 } },
    }),
    dataDir: path.join(dir, 'data'),
    logger,
    configDir: dir,
    env: { ...process.env, AGENTVISOR_REDIS_URL: '' },
  });
  const supervision = new AgentSupervision(system, logger);
  await supervision.start();
  if (isolation !== 'inline') await IsolatedDaemon.prewarm(isolation);
  const latencies: number[] = [];
  try {
    for (let i = 0; i < restarts; i++) {
      const before = supervision.info('victim').restartCount;
      const active = new Promise<void>((resolve) => {
        const off = supervision.supervisor.onEvent((e) => {
          if (e.type === 'state' && e.to === 'active' && e.restartCount > before) {
            off();
            resolve();
          }
        });
      });
      const t0 = performance.now();
      const pid = supervision.info('victim').pid;
      if (isolation === 'process' && pid !== undefined) process.kill(pid, 'SIGKILL');
      else (system.agents.spawned('victim')!.daemon as { kill?: () => void }).kill?.();
      if (isolation === 'inline') await supervision.supervisor.restart('victim', 'bench');
      await active;
      latencies.push(performance.now() - t0);
      // Let the next spare isolate boot, as it would between real crashes.
      await new Promise((r) => setTimeout(r, 150));
    }
  } finally {
    await supervision.stop();
    await system.close();
  }
  return latencies;
}

export async function run(ctx: BenchContext): Promise<void> {
  const restarts = ctx.quick ? 5 : 20;
  const rows: string[][] = [];
  const p50 = (xs: number[]) => percentile(Float64Array.from(xs), 50);
  const p95 = (xs: number[]) => percentile(Float64Array.from(xs), 95);
  const ours: Record<string, number[]> = {};
  for (const isolation of ['process', 'worker', 'inline'] as const) {
    progress(`restart latency, ${isolation} runner`);
    ours[isolation] = await restartLatencies(isolation, restarts);
  }
  progress('restart latency, PM2');
  const pm2 = await measurePm2Restart(restarts);
  progress('done', true);
  for (const [k, v] of Object.entries(ours)) {
    rows.push([`Agentvisor ${k} runner`, fmtNum(p50(v)), fmtNum(p95(v)), '']);
  }
  rows.push(['PM2 (crashing script)', fmtNum(p50(pm2)), fmtNum(p95(pm2)), '']);
  rows[0]![3] = `${fmtNum(p50(pm2) / p50(ours['process']!), 1)}x faster than PM2`;
  console.log(`\nRestart latency after a crash (kill → running again), ${restarts} restarts each`);
  printTable(['runner', 'p50 ms', 'p95 ms', 'vs PM2'], rows);

  progress('telemetry event cost');
  const tel = measureTelemetryEvent();
  progress('policy decision cost');
  const pol = await measurePolicyDecision();
  progress('monitor overhead');
  const mon = await measureMonitorOverhead([100, 1000]);
  progress('done', true);
  console.log('\nPer-event and per-decision costs');
  printTable(
    ['measure', 'value'],
    [
      [
        'telemetry record() p50 / mean',
        `${fmtNum(tel.recordNsP50)} / ${fmtNum(tel.recordNsMean)} ns`,
      ],
      [
        'policy decision p50 / p99 (compiled)',
        `${fmtNum(pol.fastP50Us, 2)} / ${fmtNum(pol.fastP99Us, 2)} µs`,
      ],
      ['policy decision p50 (cached)', `${fmtNum(pol.cachedP50Us, 2)} µs`],
      [
        'policy decision p50 / p99 (Cedar reference)',
        `${fmtNum(pol.cedarP50Us)} / ${fmtNum(pol.cedarP99Us)} µs`,
      ],
      ...mon.map((m) => [
        `monitor at ${m.agents} agents`,
        `${fmtNum(m.cpuPercent, 2)}% CPU, ${fmtNum(m.heapBytes / 2 ** 20, 2)} MiB, ${fmtNum(m.perTickUs)} µs/tick`,
      ]),
    ],
  );
  const m1000 = mon.find((m) => m.agents === 1000);
  for (const v of [
    judge({
      name: 'telemetry event',
      measured: tel.recordNsMean / 1000,
      unit: 'µs',
      op: '<=',
      goal: 0.5,
    }),
    judge({ name: 'policy decision p50', measured: pol.fastP50Us, unit: 'µs', op: '<=', goal: 5 }),
    judge({
      name: 'monitor CPU at 1,000 agents',
      measured: m1000?.cpuPercent,
      unit: '%',
      op: '<=',
      goal: 1,
    }),
    judge({
      name: 'monitor memory at 1,000 agents',
      measured: m1000 === undefined ? undefined : m1000.heapBytes / 2 ** 20,
      unit: 'MiB',
      op: '<=',
      goal: 5,
    }),
  ]) {
    console.log(verdictLine(v));
  }
}

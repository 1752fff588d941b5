/**
 * @module `npm run bench -- runtime`: the daemon runtime's costs (issue 4).
 * - kernel gate overhead per operation (inline, a no-op read and a no-op write);
 * - beat overhead excluding the model (an idle beat, and a working beat's phases minus deliberate);
 * - spawn latency (inline; process isolation until the isolate is ready);
 * - idle inline agents per process (10,000; RSS);
 * - framework overhead per tool-calling turn (model → tool → model) against one zero-latency
 *   stub, for Agentvisor, `@openai/agents` and `@langchain/langgraph`, as ratios.
 * Options: `--quick` (smaller sizes), `--agents=N`, `--turns=N`.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { z } from 'zod';
import { configSchema } from '../src/core/index.js';
import { type BeatReport, IsolatedDaemon } from '../src/daemon/index.js';
import { type AgentvisorSystem, createLogger, openSystem } from '../src/system/index.js';
import {
  type BenchContext,
  fmtInt,
  fmtNum,
  judge,
  onCleanup,
  percentile,
  printTable,
  progress,
  verdictLine,
} from './lib.js';
import { langGraphTurn, openaiAgentsTurn } from './runtime/framework-peers.js';
import { startTurnStub } from './runtime/turn-stub.js';

function option(ctx: BenchContext, name: string, fallback: number): number {
  const arg = ctx.args.find((a) => a.startsWith(`--${name}=`));
  return arg === undefined ? fallback : Number(arg.split('=')[1]);
}

async function openBenchSystem(
  dir: string,
  config: Record<string, unknown>,
): Promise<AgentvisorSystem> {
  return openSystem({
    config: configSchema.parse(config),
    dataDir: path.join(dir, 'data'),
    logger: createLogger({ level: 'silent', format: 'json' }),
    configDir: dir,
    env: { ...process.env, AGENTVISOR_REDIS_URL: '' },
  });
}

function tempDir(prefix: string): string {
  const dir = path.join(os.tmpdir(), `${prefix}${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const execFileAsync = promisify(execFile);

const us = (ns: bigint) => Number(ns) / 1000;

async function gateOverhead(system: AgentvisorSystem, calls: number) {
  system.kernel.register({
    name: 'bench.noop_read',
    description: 'does nothing (benchmark)',
    effect: 'read',
    args: z.object({}).strict(),
    handler: () => null,
  });
  system.kernel.register({
    name: 'bench.noop_write',
    description: 'does nothing, durably recorded (benchmark)',
    effect: 'write',
    args: z.object({}).strict(),
    handler: () => null,
  });
  const caller = { kind: 'system', id: 'system' } as const;
  const measure = async (op: string, n: number) => {
    const samples = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const t = process.hrtime.bigint();
      await system.kernel.call(caller, op, {});
      samples[i] = us(process.hrtime.bigint() - t);
    }
    await system.ledger.flush();
    return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
  };
  await measure('bench.noop_read', 2000);
  const read = await measure('bench.noop_read', calls);
  const write = await measure('bench.noop_write', Math.max(200, calls / 50));
  return { read, write };
}

interface IdleFigures {
  readonly n: number;
  readonly running: number;
  readonly openSeconds: number;
  readonly spawnAllSeconds: number;
  readonly rss: number;
  readonly rssBefore: number;
  readonly spawnP50: number;
  readonly spawnP99: number;
}

async function idleAgents(n: number, dir: string): Promise<IdleFigures> {
  const script = fileURLToPath(new URL('./runtime/idle-agents.js', import.meta.url));
  const { stdout } = await execFileAsync(
    process.execPath,
    ['--expose-gc', script, String(n), dir],
    {
      maxBuffer: 1 << 20,
      timeout: 15 * 60_000,
    },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as IdleFigures;
}

async function run(ctx: BenchContext): Promise<void> {
  const agentsN = option(ctx, 'agents', ctx.quick ? 1000 : 10_000);
  const turns = option(ctx, 'turns', ctx.quick ? 30 : 200);
  const stub = await startTurnStub();
  onCleanup(() => stub.close());
  const dir = tempDir('agentvisor-bench-runtime-');
  writeFileSync(
    path.join(dir, 'echo.mjs'),
    'export default async function echo(args) { return String(args.text); }\n',
  );
  const gateway = {
    providers: [{ name: 'stub', kind: 'openai', base_url: stub.baseUrl }],
    models: { smart: { chain: [{ provider: 'stub', model: 'gpt-4o-mini' }] } },
    retry: { max_attempts: 1 },
    rate_limits: { burst: 1_000_000, refill_per_second: 1_000_000 },
  };
  const echoTool = {
    name: 'echo',
    module: './echo.mjs',
    isolation: 'inline',
    description: 'Echo the text back.',
    input_schema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  };

  // -- gate, beats, turns, process spawn: one system with a tool-calling agent -----------------
  progress('opening the turn system…');
  const system = await openBenchSystem(path.join(dir, 'turns'), {
    gateway,
    agents: [
      { name: 'turner', model: 'smart', tools: ['echo'], custom_tools: [echoTool] },
      { name: 'isolated', deliberation: 'utility', isolation: 'process' },
    ],
  });
  onCleanup(() => system.close().then(() => undefined));
  progress('gate overhead…');
  const gate = await gateOverhead(system, ctx.quick ? 5000 : 50_000);

  progress('Agentvisor turns…');
  const operator = { kind: 'system', id: 'system' } as const;
  const turner = await system.agents.spawn('turner');
  const turnSamples = new Float64Array(turns);
  const working: BeatReport[] = [];
  const idle: BeatReport[] = [];
  for (let i = 0; i < turns + 5; i++) {
    const t = performance.now();
    await system.kernel.call(operator, 'task.submit', { agent: 'turner', title: `say hi ${i}` });
    const reports = await turner.daemon.runUntilIdle(6);
    const ms = performance.now() - t;
    if (reports.filter((r) => !r.idle).length !== 2)
      throw new Error('a turn did not take two beats');
    if (i < 5) continue; // warm-up
    turnSamples[i - 5] = ms;
    for (const r of reports) (r.idle ? idle : working).push(r);
  }
  const beatOverhead = (r: BeatReport) =>
    (r.phases.perceive + r.phases.remember + r.phases.reflect + r.phases.act + r.phases.learn) /
    1000;
  const workingOverhead = Float64Array.from(working.map(beatOverhead));
  const idleOverhead = Float64Array.from(idle.map(beatOverhead));

  progress('spawn latency (process isolation)…');
  // Cold: no spare exists (each closed before the next spawn). Warm: from the pre-forked spare
  // the host keeps once an isolated agent has been spawned (waited for, as between real spawns).
  const processCold = new Float64Array(ctx.quick ? 3 : 8);
  const processSpawn = new Float64Array(ctx.quick ? 5 : 15);
  const spawnIsolated = async () => {
    const t = performance.now();
    const spawned = await system.agents.spawn('isolated');
    const ms = performance.now() - t;
    if (!(spawned.daemon instanceof IsolatedDaemon)) throw new Error('expected an isolated daemon');
    await system.agents.stop('isolated');
    return ms;
  };
  for (let i = 0; i < processCold.length; i++) {
    IsolatedDaemon.closeSpares();
    processCold[i] = await spawnIsolated();
  }
  for (let i = 0; i < processSpawn.length; i++) {
    await IsolatedDaemon.prewarm('process');
    processSpawn[i] = await spawnIsolated();
  }
  await system.close();

  // -- idle agents per process (a child process of their own, so RSS is theirs) --------------
  progress(`${fmtInt(agentsN)} idle agents in a child process (identities created first)…`);
  const idleRun = await idleAgents(agentsN, path.join(dir, 'idle'));
  const inlineP50 = idleRun.spawnP50;
  const inlineP99 = idleRun.spawnP99;
  const rss = idleRun.rss;

  // -- peers ---------------------------------------------------------------------------------------
  progress('@openai/agents turns…');
  const peerTurns = async (make: (url: string) => Promise<() => Promise<void>>) => {
    const turn = await make(stub.baseUrl);
    for (let i = 0; i < 5; i++) await turn();
    const samples = new Float64Array(turns);
    for (let i = 0; i < turns; i++) {
      const t = performance.now();
      await turn();
      samples[i] = performance.now() - t;
    }
    return samples;
  };
  const oa = await peerTurns(openaiAgentsTurn);
  progress('LangGraph turns…');
  const lg = await peerTurns(langGraphTurn);
  progress('done', true);

  const p50 = (a: Float64Array) => percentile(Float64Array.from(a), 50);
  const p99 = (a: Float64Array) => percentile(Float64Array.from(a), 99);
  console.log('\n## Kernel gate (inline, no-op handler)');
  printTable(
    ['operation', 'p50 µs', 'p99 µs'],
    [
      ['read (recorded in the background)', fmtNum(gate.read.p50), fmtNum(gate.read.p99)],
      ['write (entry fsync’d before reply)', fmtNum(gate.write.p50), fmtNum(gate.write.p99)],
    ],
  );
  console.log('\n## Beats (excluding the model)');
  printTable(
    ['beat', 'n', 'p50 ms', 'p99 ms'],
    [
      [
        'idle',
        String(idleOverhead.length),
        fmtNum(p50(idleOverhead), 3),
        fmtNum(p99(idleOverhead), 3),
      ],
      [
        'working (one tool call, all writes durable)',
        String(workingOverhead.length),
        fmtNum(p50(workingOverhead), 2),
        fmtNum(p99(workingOverhead), 2),
      ],
    ],
  );
  console.log('\n## Spawn latency');
  printTable(
    ['isolation', 'n', 'p50 ms', 'p99 ms'],
    [
      ['inline', String(agentsN), fmtNum(inlineP50, 3), fmtNum(inlineP99, 3)],
      [
        'process, cold (until ready)',
        String(processCold.length),
        fmtNum(p50(processCold), 1),
        fmtNum(p99(processCold), 1),
      ],
      [
        'process, from the pre-forked spare',
        String(processSpawn.length),
        fmtNum(p50(processSpawn), 1),
        fmtNum(p99(processSpawn), 1),
      ],
    ],
  );
  const rssMiB = rss / 2 ** 20;
  console.log('\n## Idle inline agents in one process (a fresh child process)');
  printTable(
    ['agents', 'running', 'open s', 'spawn+start s', 'RSS MiB', 'added KiB/agent'],
    [
      [
        fmtInt(agentsN),
        fmtInt(idleRun.running),
        fmtNum(idleRun.openSeconds),
        fmtNum(idleRun.spawnAllSeconds),
        fmtNum(rssMiB),
        fmtNum((rss - idleRun.rssBefore) / 1024 / agentsN),
      ],
    ],
  );
  console.log('\n## One tool-calling turn against a zero-latency stub (model → tool → model)');
  const av = p50(turnSamples);
  printTable(
    ['framework', 'p50 ms', 'p99 ms', 'ratio to Agentvisor (p50)'],
    [
      [
        'Agentvisor (durable: task, thoughts, plan, journal, ledger)',
        fmtNum(av, 2),
        fmtNum(p99(turnSamples), 2),
        '1.00',
      ],
      ['@openai/agents', fmtNum(p50(oa), 2), fmtNum(p99(oa), 2), fmtNum(p50(oa) / av, 2)],
      ['@langchain/langgraph', fmtNum(p50(lg), 2), fmtNum(p99(lg), 2), fmtNum(p50(lg) / av, 2)],
    ],
  );
  console.log('');
  for (const v of [
    judge({
      name: 'gate overhead p50 (inline read)',
      measured: gate.read.p50,
      unit: 'µs',
      op: '<=',
      goal: 20,
    }),
    judge({
      name: 'beat overhead p50 excluding the model (working beat)',
      measured: p50(workingOverhead) * 1000,
      unit: 'µs',
      op: '<=',
      goal: 1000,
    }),
    judge({
      name: `idle inline agents in <= 1 GiB RSS`,
      measured: rssMiB <= 1024 && idleRun.running === agentsN ? agentsN : 0,
      unit: 'agents',
      op: '>=',
      goal: 10_000,
    }),
    judge({
      name: 'inline spawn p50',
      measured: inlineP50 * 1000,
      unit: 'µs',
      op: '<=',
      goal: 1000,
    }),
    judge({
      name: 'process spawn p50 (pre-forked spare)',
      measured: p50(processSpawn),
      unit: 'ms',
      op: '<=',
      goal: 100,
    }),
    judge({
      name: 'turn overhead vs @openai/agents (their p50 / ours)',
      measured: p50(oa) / av,
      unit: 'x',
      op: '>=',
      goal: 1,
    }),
    judge({
      name: 'turn overhead vs LangGraph (their p50 / ours)',
      measured: p50(lg) / av,
      unit: 'x',
      op: '>=',
      goal: 1,
    }),
  ]) {
    console.log(verdictLine(v));
  }
}

export { run };

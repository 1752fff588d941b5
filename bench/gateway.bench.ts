/**
 * @module Gateway benchmark: the latency Agentvisor adds to an OpenAI-compatible chat call
 * (p50/p99 at a fixed 1,000 req/s open-loop rate and at saturation, plain and streaming), the
 * most requests per second it sustains, its memory, and the same figures for Portkey's
 * open-source gateway, all against one stub provider in the same run. See bench/README.md.
 *
 * Processes: the load generator (this process, undici `Pool`), the stub provider, Agentvisor
 * and Portkey each run in their own child process.
 *
 * Options (after `gateway`): `--quick` (short phases), `--no-portkey`, `--profile` (always
 * profile the Agentvisor process at the end), `--no-profile` (never; by default it is profiled
 * when an Agentvisor target is missed), `--rate=N` (open-loop rate, default 1000).
 */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { summarizeProfile } from './gateway/cpu-profile.js';
import {
  type BenchContext,
  fmtInt,
  fmtNum,
  judge,
  loadAverage,
  onCleanup,
  percentile,
  printTable,
  progress,
  secondsSince,
  type Verdict,
  verdictLine,
} from './lib.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** Repository root (this file runs as dist/bench/gateway.bench.js). */
const ROOT = path.resolve(HERE, '..', '..');
const PORTKEY_PREFIX = path.join(os.tmpdir(), 'agentvisor-bench-portkey');
const PORTKEY_PKG = path.join(PORTKEY_PREFIX, 'node_modules', '@portkey-ai', 'gateway');

const TARGETS = { addedP99Us: 1_000, reqPerSec: 5_000 } as const;
const CONNECTIONS = 64;
const RAMP = [8, 16, 32, 64] as const;

interface Sizes {
  readonly openSeconds: number;
  readonly stepSeconds: number;
  readonly warmSeconds: number;
  readonly profileSeconds: number;
}
const FULL: Sizes = { openSeconds: 10, stepSeconds: 2, warmSeconds: 1.5, profileSeconds: 8 };
const QUICK: Sizes = { openSeconds: 3, stepSeconds: 1, warmSeconds: 0.5, profileSeconds: 4 };

type Name = 'direct' | 'agentvisor' | 'portkey';
type Mode = 'plain' | 'stream';

/** Where requests go and how they look. */
interface Endpoint {
  readonly name: Name;
  readonly origin: string;
  readonly headers: Record<string, string>;
  readonly bodies: Record<Mode, string>;
  /** The server's process (the stub's for `direct`). */
  readonly pid: number;
  /** Modes whose sanity call failed, with why: those phases are skipped for this endpoint. */
  readonly broken?: Partial<Record<Mode, string>>;
}

/** Machine-wide and per-process CPU over a phase. */
interface CpuLoad {
  /** Share of all cores busy (any process), %. */
  readonly machineBusyPct: number;
  /** Of which this load generator, %. */
  readonly clientPct: number;
  /** Of which the server under test (gateway or stub for `direct`), %. */
  readonly serverPct: number;
  /** Of which the stub (behind a gateway), %. */
  readonly stubPct: number;
  /** Server CPU per successful request, µs. */
  readonly serverCpuUsPerReq: number;
}

interface Phase {
  readonly target: Name;
  readonly mode: Mode;
  readonly kind: 'open' | 'closed';
  /** Offered rate (open) or requests in flight (closed). */
  readonly load: number;
  readonly ok: number;
  readonly errors: number;
  readonly seconds: number;
  readonly reqPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly cpu: CpuLoad;
}

// ---------------------------------------------------------------------------------------------
// /proc readings (Linux; elsewhere the CPU columns read NaN)

const TICK_MS = 10; // USER_HZ = 100 on every Linux the benchmark runs on

function procCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS; // utime, stime
  } catch {
    return Number.NaN;
  }
}

function machineTicks(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: Number.NaN, total: Number.NaN };
  }
}

/** VmRSS and VmHWM (peak) of a process, MiB. */
function rssMiB(pid: number): { rss: number; peak: number } {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? NaN);
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return { rss: Number.NaN, peak: Number.NaN };
  }
}

function cpuMeter(server: number, stub: number): () => CpuLoad & { okDiv: (ok: number) => number } {
  const m0 = machineTicks();
  const c0 = process.cpuUsage();
  const s0 = procCpuMs(server);
  const b0 = server === stub ? Number.NaN : procCpuMs(stub);
  const t0 = performance.now();
  return () => {
    const wallMs = performance.now() - t0;
    const m1 = machineTicks();
    const c = process.cpuUsage(c0);
    const serverMs = procCpuMs(server) - s0;
    const stubMs = server === stub ? 0 : procCpuMs(stub) - b0;
    const cores = os.availableParallelism();
    const pct = (ms: number) => (100 * ms) / (wallMs * cores);
    return {
      machineBusyPct: (100 * (m1.busy - m0.busy)) / (m1.total - m0.total),
      clientPct: pct((c.user + c.system) / 1000),
      serverPct: pct(serverMs),
      stubPct: pct(stubMs),
      serverCpuUsPerReq: Number.NaN,
      okDiv: (ok: number) => (1000 * serverMs) / ok,
    };
  };
}

// ---------------------------------------------------------------------------------------------
// Load generation

function newPool(origin: string, connections = CONNECTIONS): Pool {
  return new Pool(origin, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 600_000,
  });
}

/** One request, body read to its last byte; true when the status was 200. */
async function call(pool: Pool, ep: Endpoint, mode: Mode): Promise<boolean> {
  const res = await pool.request({
    path: '/v1/chat/completions',
    method: 'POST',
    headers: ep.headers,
    body: ep.bodies[mode],
  });
  await res.body.arrayBuffer();
  return res.statusCode === 200;
}

function finish(
  ep: Endpoint,
  mode: Mode,
  kind: Phase['kind'],
  load: number,
  lat: number[],
  errors: number,
  seconds: number,
  meter: ReturnType<typeof cpuMeter>,
): Phase {
  const m = meter();
  const arr = Float64Array.from(lat);
  const { okDiv, ...cpu } = m;
  return {
    target: ep.name,
    mode,
    kind,
    load,
    ok: lat.length,
    errors,
    seconds,
    reqPerSec: lat.length / seconds,
    p50Ms: percentile(arr, 50),
    p99Ms: percentile(arr, 99),
    maxMs: arr.length === 0 ? Number.NaN : arr[arr.length - 1]!,
    cpu: { ...cpu, serverCpuUsPerReq: okDiv(lat.length) },
  };
}

/**
 * Open loop: request k is due at start + k/rate whatever happened to earlier ones, and its
 * latency is measured from that due time (not from when it left), so a stall in the server
 * shows up in every request that should have been sent during it (no coordinated omission).
 */
async function openLoop(
  pool: Pool,
  ep: Endpoint,
  mode: Mode,
  rate: number,
  seconds: number,
  stubPid: number,
): Promise<Phase> {
  const n = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const lat: number[] = [];
  let errors = 0;
  let settled = 0;
  let sent = 0;
  const meter = cpuMeter(ep.pid, stubPid);
  const start = performance.now() + 2;
  await new Promise<void>((resolve) => {
    const done = () => {
      if (++settled === n) resolve();
    };
    const fire = (k: number) => {
      const due = start + k * interval;
      call(pool, ep, mode).then(
        (ok) => {
          if (ok) lat.push(performance.now() - due);
          else errors++;
          done();
        },
        () => {
          errors++;
          done();
        },
      );
    };
    const tick = () => {
      const now = performance.now();
      while (sent < n && start + sent * interval <= now) fire(sent++);
      if (sent < n) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    setTimeout(tick, 2);
  });
  return finish(ep, mode, 'open', rate, lat, errors, secondsSince(start), meter);
}

/** Closed loop: `concurrency` workers, each sends its next request when the last one ends. */
async function closedLoop(
  pool: Pool,
  ep: Endpoint,
  mode: Mode,
  concurrency: number,
  seconds: number,
  stubPid: number,
): Promise<Phase> {
  const lat: number[] = [];
  let errors = 0;
  const meter = cpuMeter(ep.pid, stubPid);
  const start = performance.now();
  const end = start + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const ok = await call(pool, ep, mode).catch(() => false);
      if (ok) lat.push(performance.now() - t0);
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return finish(ep, mode, 'closed', concurrency, lat, errors, secondsSince(start), meter);
}

// ---------------------------------------------------------------------------------------------
// Processes

interface Child {
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Stops the process (gracefully when it listens for `stop`) and waits for its exit. */
  stop(): Promise<void>;
}

function waitExit(proc: ChildProcess, ms: number): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      proc.kill('SIGKILL');
      resolve();
    }, ms);
    proc.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** Forks a bench child (`dist/bench/gateway/NAME.js`) and waits for its `ready` message. */
async function forkChild<T>(
  script: string,
  args: string[],
  execArgv: string[] = [],
): Promise<{ child: Child; ready: T }> {
  const proc = fork(path.join(HERE, 'gateway', script), args, {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const child: Child = {
    proc,
    pid: proc.pid!,
    stop: onCleanup(async () => {
      if (proc.connected) proc.send({ type: 'stop' });
      await waitExit(proc, 10_000);
    }),
  };
  const ready = await new Promise<T>((resolve, reject) => {
    proc.once('message', (m) => resolve(m as T));
    proc.once('exit', (code) => reject(new Error(`${script} exited (${code}) before ready`)));
  });
  return { child, ready };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Installs Portkey's gateway into the cache dir when absent; returns its entry script or why not. */
function portkeyScript(): { script: string; version: string } | { skip: string } {
  if (!existsSync(path.join(PORTKEY_PKG, 'package.json'))) {
    const cmd = `npm install --prefix ${PORTKEY_PREFIX} @portkey-ai/gateway`;
    console.log(`Portkey not cached; installing outside the repo:\n  ${cmd}`);
    try {
      execFileSync('npm', ['install', '--prefix', PORTKEY_PREFIX, '@portkey-ai/gateway'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 180_000,
      });
    } catch (error) {
      const e = error as { stderr?: Buffer; message: string };
      return {
        skip: `npm install failed: ${e.stderr?.toString().trim().slice(-400) ?? e.message}`,
      };
    }
  }
  try {
    const pkg = JSON.parse(readFileSync(path.join(PORTKEY_PKG, 'package.json'), 'utf8')) as {
      version: string;
      bin?: string | Record<string, string>;
    };
    const bin =
      typeof pkg.bin === 'string'
        ? pkg.bin
        : (Object.values(pkg.bin ?? {})[0] ?? 'build/start-server.js');
    return { script: path.join(PORTKEY_PKG, bin), version: pkg.version };
  } catch (error) {
    return { skip: `cannot read its package.json: ${(error as Error).message}` };
  }
}

/** Starts `node <portkey bin> --port=N --headless` and waits until `GET /` answers. */
async function startPortkey(script: string): Promise<{ child: Child; origin: string }> {
  const port = await freePort();
  const proc = spawn(process.execPath, [script, `--port=${port}`, '--headless'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  let stderr = '';
  proc.stderr?.on('data', (c: Buffer) => {
    if (stderr.length < 4000) stderr += c.toString();
  });
  const child: Child = {
    proc,
    pid: proc.pid!,
    stop: onCleanup(async () => {
      proc.kill('SIGTERM');
      await waitExit(proc, 5_000);
    }),
  };
  const origin = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`Portkey exited (${proc.exitCode}): ${stderr}`);
    try {
      const r = await fetch(`${origin}/`);
      await r.text();
      if (r.ok) return { child, origin };
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) {
      await child.stop();
      throw new Error(`Portkey did not answer on ${origin} within 20 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---------------------------------------------------------------------------------------------
// Checks

/** One plain and one streaming call; says for each whether it was a well-formed chat answer. */
async function sanity(
  ep: Endpoint,
): Promise<{ plainBytes: number; streamBytes: number; broken: Partial<Record<Mode, string>> }> {
  const broken: Partial<Record<Mode, string>> = {};
  const pool = newPool(ep.origin, 1);
  try {
    const plain = await pool.request({
      path: '/v1/chat/completions',
      method: 'POST',
      headers: ep.headers,
      body: ep.bodies.plain,
    });
    const text = await plain.body.text();
    const content = (JSON.parse(text) as { choices?: { message?: { content?: string } }[] })
      .choices?.[0]?.message?.content;
    if (plain.statusCode !== 200 || typeof content !== 'string' || content === '')
      broken.plain = `plain call answered ${plain.statusCode}: ${text.slice(0, 300)}`;
    const stream = await pool.request({
      path: '/v1/chat/completions',
      method: 'POST',
      headers: ep.headers,
      body: ep.bodies.stream,
    });
    const sse = await stream.body.text();
    if (stream.statusCode !== 200 || !sse.includes('data: [DONE]') || !sse.includes('"delta"'))
      broken.stream = `streaming call answered ${stream.statusCode}: ${sse.slice(0, 300)}`;
    return { plainBytes: Buffer.byteLength(text), streamBytes: Buffer.byteLength(sse), broken };
  } finally {
    await pool.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Report helpers

const ms = (x: number) => (Number.isFinite(x) ? fmtNum(x, 2) : 'n/a');
const pct = (x: number) => (Number.isFinite(x) ? fmtNum(x, 0) : 'n/a');

function phaseRow(p: Phase): string[] {
  return [
    p.target,
    p.mode,
    p.kind === 'open' ? `open ${fmtInt(p.load)}/s` : `closed c=${p.load}`,
    fmtInt(p.reqPerSec),
    ms(p.p50Ms),
    ms(p.p99Ms),
    ms(p.maxMs),
    fmtInt(p.errors),
    fmtNum(p.cpu.serverCpuUsPerReq, 0),
    pct(p.cpu.machineBusyPct),
    `${pct(p.cpu.clientPct)}/${pct(p.cpu.serverPct)}/${pct(p.cpu.stubPct)}`,
  ];
}

const PHASE_HEADERS = [
  'target',
  'mode',
  'load',
  'req/s',
  'p50 ms',
  'p99 ms',
  'max ms',
  'errors',
  'server CPU µs/req',
  'machine busy %',
  'client/server/stub %',
];

// ---------------------------------------------------------------------------------------------
// Run

export async function run(ctx: BenchContext): Promise<void> {
  const sizes = ctx.quick ? QUICK : FULL;
  const rateArg = ctx.args.find((a) => a.startsWith('--rate='));
  const rate = rateArg === undefined ? 1_000 : Number(rateArg.slice(7));
  const withPortkey = !ctx.args.includes('--no-portkey');
  const forceProfile = ctx.args.includes('--profile');
  const noProfile = ctx.args.includes('--no-profile');
  const loadStart = loadAverage();
  const t0 = performance.now();

  // Stub and Agentvisor, each in its own process.
  const stub = await forkChild<{ url: string }>('stub-server.js', []);
  const stubUrl = stub.ready.url;
  const av = await forkChild<{ url: string; secret: string }>('agentvisor-server.js', [stubUrl]);
  const bodies = (model: string): Record<Mode, string> => {
    const messages = [{ role: 'user', content: 'Say hello in five words.' }];
    return {
      plain: JSON.stringify({ model, messages }),
      stream: JSON.stringify({ model, messages, stream: true }),
    };
  };
  const json = { 'content-type': 'application/json' };
  const endpoints: Endpoint[] = [
    {
      name: 'direct',
      origin: stubUrl,
      headers: { ...json, authorization: 'Bearer x' },
      bodies: bodies('gpt-4o-mini'),
      pid: stub.child.pid,
    },
    {
      name: 'agentvisor',
      origin: av.ready.url,
      headers: { ...json, authorization: `Bearer ${av.ready.secret}` },
      bodies: bodies('fast'),
      pid: av.child.pid,
    },
  ];

  let portkey: { child: Child; version: string } | undefined;
  let portkeySkip: string | undefined;
  if (withPortkey) {
    const found = portkeyScript();
    if ('skip' in found) portkeySkip = found.skip;
    else {
      try {
        const started = await startPortkey(found.script);
        portkey = { child: started.child, version: found.version };
        endpoints.push({
          name: 'portkey',
          origin: started.origin,
          headers: {
            ...json,
            authorization: 'Bearer x',
            'x-portkey-provider': 'openai',
            'x-portkey-custom-host': `${stubUrl}/v1`,
          },
          bodies: bodies('gpt-4o-mini'),
          pid: started.child.pid,
        });
      } catch (error) {
        portkeySkip = (error as Error).message;
      }
    }
  } else portkeySkip = '--no-portkey';

  console.log(
    `processes: load generator pid ${process.pid}, stub pid ${stub.child.pid}, Agentvisor pid ${av.child.pid}` +
      (portkey === undefined
        ? ''
        : `, Portkey ${portkey.version} pid ${portkey.child.pid} (${path.relative(os.tmpdir(), PORTKEY_PKG)} in ${os.tmpdir()})`),
  );
  if (portkeySkip !== undefined) console.log(`Portkey SKIPPED: ${portkeySkip}`);

  const live: Endpoint[] = [];
  const sizesOut: Record<string, { plainBytes: number; streamBytes: number }> = {};
  /** Per target and mode, why it was not measured. */
  const skipped: Record<string, string> = {};
  for (const ep of endpoints) {
    let checked: Awaited<ReturnType<typeof sanity>>;
    try {
      checked = await sanity(ep);
    } catch (error) {
      checked = {
        plainBytes: 0,
        streamBytes: 0,
        broken: { plain: (error as Error).message, stream: (error as Error).message },
      };
    }
    for (const [mode, why] of Object.entries(checked.broken)) {
      if (ep.name !== 'portkey') throw new Error(`${ep.name} ${mode}: ${why}`);
      skipped[`${ep.name} ${mode}`] = why;
      console.log(`Portkey ${mode} SKIPPED: ${why}`);
    }
    sizesOut[ep.name] = checked;
    if (checked.broken.plain === undefined || checked.broken.stream === undefined)
      live.push({ ...ep, broken: checked.broken });
  }
  console.log(
    `answer sizes (bytes, plain/stream): ${live.map((e) => `${e.name} ${sizesOut[e.name]!.plainBytes}/${sizesOut[e.name]!.streamBytes}`).join(', ')}`,
  );
  const memBefore: Record<string, { rss: number; peak: number }> = {};
  for (const ep of live) if (ep.name !== 'direct') memBefore[ep.name] = rssMiB(ep.pid);

  const pools = new Map<Name, Pool>();
  for (const ep of live) {
    const pool = newPool(ep.origin);
    pools.set(ep.name, pool);
    onCleanup(() => pool.destroy());
  }

  const phases: Phase[] = [];
  const modes: Mode[] = ['plain', 'stream'];
  for (const mode of modes) {
    // Warm every target (JIT, connections, caches) before timing anything in this mode.
    const here = live.filter((ep) => ep.broken?.[mode] === undefined);
    for (const ep of here) {
      progress(`warming ${ep.name} (${mode})...`);
      await closedLoop(
        pools.get(ep.name)!,
        ep,
        mode,
        CONNECTIONS,
        sizes.warmSeconds,
        stub.child.pid,
      );
    }
    for (const ep of here) {
      progress(`${ep.name} ${mode}: open loop ${rate}/s for ${sizes.openSeconds} s...`);
      phases.push(
        await openLoop(pools.get(ep.name)!, ep, mode, rate, sizes.openSeconds, stub.child.pid),
      );
    }
    for (const ep of here) {
      for (const c of RAMP) {
        progress(`${ep.name} ${mode}: closed loop c=${c} for ${sizes.stepSeconds} s...`);
        phases.push(
          await closedLoop(pools.get(ep.name)!, ep, mode, c, sizes.stepSeconds, stub.child.pid),
        );
      }
    }
  }
  progress('load done', true);
  const memAfter: Record<string, { rss: number; peak: number }> = {};
  for (const ep of live) if (ep.name !== 'direct') memAfter[ep.name] = rssMiB(ep.pid);
  for (const pool of pools.values()) await pool.close();

  // ------------------------------------------------------------------------- figures
  console.log(`\n## All phases\n`);
  printTable(PHASE_HEADERS, phases.map(phaseRow));
  console.log(
    "\nopen: latency from each request's due time (no coordinated omission); closed: from send." +
      '\nCPU columns: share of all cores over the phase (machine = every process on the box).',
  );

  const find = (target: Name, mode: Mode, kind: Phase['kind'], load?: number) =>
    phases.find(
      (p) =>
        p.target === target &&
        p.mode === mode &&
        p.kind === kind &&
        (load === undefined || p.load === load),
    );
  const best = (target: Name, mode: Mode) =>
    phases
      .filter((p) => p.target === target && p.mode === mode && p.kind === 'closed')
      .reduce<Phase | undefined>(
        (a, p) => (a === undefined || p.reqPerSec > a.reqPerSec ? p : a),
        undefined,
      );
  const sat = RAMP[RAMP.length - 1]!;

  interface Added {
    readonly target: Name;
    readonly mode: Mode;
    readonly at: string;
    readonly p50Ms: number;
    readonly p99Ms: number;
  }
  const added: Added[] = [];
  for (const mode of modes) {
    for (const name of ['agentvisor', 'portkey'] as const) {
      for (const [at, kind, load] of [
        [`${rate}/s`, 'open', rate],
        [`c=${sat}`, 'closed', sat],
      ] as const) {
        const g = find(name, mode, kind, load);
        const d = find('direct', mode, kind, load);
        if (g === undefined || d === undefined) continue;
        added.push({ target: name, mode, at, p50Ms: g.p50Ms - d.p50Ms, p99Ms: g.p99Ms - d.p99Ms });
      }
    }
  }
  console.log(`\n## Added latency (through the gateway − direct to the stub, per percentile)\n`);
  printTable(
    ['gateway', 'mode', 'load', 'added p50 ms', 'added p99 ms'],
    added.map((a) => [a.target, a.mode, a.at, ms(a.p50Ms), ms(a.p99Ms)]),
  );

  const maxes = live.flatMap((ep) =>
    modes
      .filter((mode) => ep.broken?.[mode] === undefined)
      .map((mode) => {
        const b = best(ep.name, mode)!;
        const curve = RAMP.map((c) =>
          fmtInt(find(ep.name, mode, 'closed', c)?.reqPerSec ?? Number.NaN),
        );
        const last = find(ep.name, mode, 'closed', sat)!;
        const prev = find(ep.name, mode, 'closed', RAMP[RAMP.length - 2]!)!;
        const stillRising = last.reqPerSec > 1.05 * prev.reqPerSec;
        return {
          target: ep.name,
          mode,
          reqPerSec: b.reqPerSec,
          at: b.load,
          curve,
          stillRising,
          cpuUs: b.cpu.serverCpuUsPerReq,
          busy: b.cpu.machineBusyPct,
        };
      }),
  );
  console.log(`\n## Maximum sustained req/s (closed loop, c = ${RAMP.join(', ')})\n`);
  printTable(
    [
      'target',
      'mode',
      'max req/s',
      'at c',
      `req/s by c (${RAMP.join('/')})`,
      'server CPU µs/req',
      'machine busy %',
    ],
    maxes.map((m) => [
      m.target,
      m.mode,
      fmtInt(m.reqPerSec),
      String(m.at),
      m.curve.join(' / ') + (m.stillRising ? ' (still rising)' : ''),
      fmtNum(m.cpuUs, 0),
      pct(m.busy),
    ]),
  );

  console.log(`\n## Memory (RSS of the gateway process, MiB)\n`);
  printTable(
    ['gateway', 'RSS before load', 'RSS after load', 'peak RSS'],
    Object.keys(memBefore).map((k) => [
      k,
      fmtNum(memBefore[k]!.rss),
      fmtNum(memAfter[k]?.rss ?? Number.NaN),
      fmtNum(memAfter[k]?.peak ?? Number.NaN),
    ]),
  );

  // ------------------------------------------------------------------------- verdicts
  const addedOf = (t: Name, mode: Mode) =>
    added.find((a) => a.target === t && a.mode === mode && a.at === `${rate}/s`);
  const maxOf = (t: Name, mode: Mode) =>
    maxes.find((m) => m.target === t && m.mode === mode)?.reqPerSec;
  const us = (x: number | undefined) => (x === undefined ? undefined : x * 1000);
  const ratio = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? undefined : a / b;
  // A negative or zero added p99 (gateway at or below noise) makes the ratio meaningless.
  const floorUs = (x: number | undefined) => (x === undefined ? undefined : Math.max(x, 1));
  const avP99 = us(addedOf('agentvisor', 'plain')?.p99Ms);
  const pkP99 = us(addedOf('portkey', 'plain')?.p99Ms);
  const verdicts: Verdict[] = [
    judge({
      name: `added p99 at ${rate} req/s, plain`,
      measured: avP99,
      unit: 'µs',
      op: '<=',
      goal: TARGETS.addedP99Us,
    }),
    judge({
      name: `added p99 at ${rate} req/s, streaming`,
      measured: us(addedOf('agentvisor', 'stream')?.p99Ms),
      unit: 'µs',
      op: '<=',
      goal: TARGETS.addedP99Us,
    }),
    judge({
      name: 'sustained req/s, plain',
      measured: maxOf('agentvisor', 'plain'),
      unit: 'req/s',
      op: '>=',
      goal: TARGETS.reqPerSec,
    }),
    judge({
      name: 'added p99 vs Portkey (Agentvisor/Portkey)',
      measured: ratio(floorUs(avP99), floorUs(pkP99)),
      unit: 'x',
      op: '<=',
      goal: 1,
    }),
    judge({
      name: 'max req/s vs Portkey (Agentvisor/Portkey)',
      measured: ratio(maxOf('agentvisor', 'plain'), maxOf('portkey', 'plain')),
      unit: 'x',
      op: '>=',
      goal: 1,
    }),
  ];
  const loadEnd = loadAverage();
  console.log(`\n## Targets\n`);
  for (const v of verdicts) console.log(verdictLine(v));
  console.log(
    `\nratios (Agentvisor/Portkey): added p99 plain ${fmtNum(ratio(floorUs(avP99), floorUs(pkP99)) ?? Number.NaN, 2)}x, ` +
      `added p99 stream ${fmtNum(ratio(floorUs(us(addedOf('agentvisor', 'stream')?.p99Ms)), floorUs(us(addedOf('portkey', 'stream')?.p99Ms))) ?? Number.NaN, 2)}x, ` +
      `max req/s plain ${fmtNum(ratio(maxOf('agentvisor', 'plain'), maxOf('portkey', 'plain')) ?? Number.NaN, 2)}x, ` +
      `stream ${fmtNum(ratio(maxOf('agentvisor', 'stream'), maxOf('portkey', 'stream')) ?? Number.NaN, 2)}x`,
  );
  console.log(
    `load:     ${loadStart.join(' ')} at start, ${loadEnd.join(' ')} at end (1/5/15 min)`,
  );

  await portkey?.child.stop();
  await av.child.stop();

  // ------------------------------------------------------------------------- profile
  const missed = verdicts.some((v) => v.verdict === 'MISS');
  let hotspots: ReturnType<typeof summarizeProfile> | undefined;
  if (forceProfile || (missed && !noProfile)) {
    hotspots = await profileAgentvisor(stubUrl, stub.child.pid, sizes);
  }
  await stub.child.stop();

  const summary = {
    bench: 'gateway',
    quick: ctx.quick,
    machine: ctx.machine,
    load: { start: loadStart, end: loadEnd },
    seconds: secondsSince(t0),
    rate,
    connections: CONNECTIONS,
    portkey: portkey === undefined ? { skipped: portkeySkip } : { version: portkey.version },
    skipped,
    phases,
    added,
    max: maxes.map(({ curve: _c, ...m }) => m),
    memoryMiB: { before: memBefore, after: memAfter },
    verdicts,
    hotspots:
      hotspots === undefined
        ? undefined
        : {
            self: hotspots.self.slice(0, 5),
            inclusive: hotspots.inclusive.slice(0, 5),
            areas: hotspots.areas.slice(0, 5),
          },
  };
  console.log(`\nBENCH_JSON ${JSON.stringify(summary)}`);
}

/** Runs a fresh Agentvisor under `--cpu-prof`, loads it, stops it and ranks the profile. */
async function profileAgentvisor(stubUrl: string, stubPid: number, sizes: Sizes) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentvisor-bench-prof-'));
  const keep = process.env['AGENTVISOR_BENCH_KEEP_PROFILE'] === '1';
  if (!keep) onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  console.log(
    `\n## Profile of the Agentvisor process (--cpu-prof, closed loop c=${CONNECTIONS})\n`,
  );
  const av = await forkChild<{ url: string; secret: string }>(
    'agentvisor-server.js',
    [stubUrl],
    ['--cpu-prof', `--cpu-prof-dir=${dir}`],
  );
  const ep: Endpoint = {
    name: 'agentvisor',
    origin: av.ready.url,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${av.ready.secret}` },
    bodies: {
      plain: JSON.stringify({
        model: 'fast',
        messages: [{ role: 'user', content: 'Say hello in five words.' }],
      }),
      stream: JSON.stringify({
        model: 'fast',
        messages: [{ role: 'user', content: 'Say hello in five words.' }],
        stream: true,
      }),
    },
    pid: av.child.pid,
  };
  const pool = newPool(ep.origin);
  progress(`profiling Agentvisor (plain) for ${sizes.profileSeconds} s...`);
  const p = await closedLoop(pool, ep, 'plain', CONNECTIONS, sizes.profileSeconds, stubPid);
  progress('profile load done', true);
  await pool.close();
  await av.child.stop();
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) {
    console.log('no .cpuprofile was written');
    return undefined;
  }
  const s = summarizeProfile(path.join(dir, file), ROOT);
  console.log(
    `${fmtInt(p.ok)} requests at ${fmtInt(p.reqPerSec)} req/s under the profiler; process busy ${fmtInt(s.busyMs)} of ${fmtInt(s.totalMs)} ms` +
      (keep ? `; profile kept at ${path.join(dir, file)}` : ''),
  );
  const rows = (h: readonly { fn: string; where: string; ms: number; pct: number }[]) =>
    h.map((x) => [x.fn.slice(0, 40), x.where, fmtInt(x.ms), fmtNum(x.pct)]);
  console.log('\nSelf time (top functions):\n');
  printTable(['function', 'where', 'ms', '% busy'], rows(s.self));
  console.log("\nInclusive time of Agentvisor's own functions:\n");
  printTable(['function', 'where', 'ms', '% busy'], rows(s.inclusive));
  console.log('\nSelf time by area:\n');
  printTable(
    ['area', 'ms', '% busy'],
    s.areas.map((a) => [a.area, fmtInt(a.ms), fmtNum(a.pct)]),
  );
  return s;
}

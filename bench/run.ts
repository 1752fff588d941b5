/**
 * @module Benchmark dispatcher: `node dist/bench/run.js NAME [--quick] [options]`
 * (or `npm run bench -- NAME`). Prints the machine it runs on, then runs the named benchmark.
 * Add a benchmark by adding one line to {@link BENCHMARKS}.
 */
import { type BenchModule, fmtNum, machineInfo, runAllCleanups } from './lib.js';

interface Entry {
  readonly description: string;
  readonly load: () => Promise<BenchModule>;
}

/** Known benchmarks, loaded lazily so one benchmark's imports never slow another. */
const BENCHMARKS: Readonly<Record<string, Entry>> = {
  ledger: {
    description:
      'signed appends/s (SQLite, PostgreSQL), full and fast verification entries/s, bytes/entry',
    load: () => import('./ledger.bench.js'),
  },
  gateway: {
    description:
      'added latency p50/p99 (1,000 req/s open loop, saturation), max req/s, RSS; vs Portkey',
    load: () => import('./gateway.bench.js'),
  },
  runtime: {
    description:
      'gate overhead, beat overhead, spawn latency, idle agents per process; turn overhead vs @openai/agents and LangGraph',
    load: () => import('./runtime.bench.js'),
  },
  supervisor: {
    description:
      'restart latency per runner vs PM2, telemetry event cost, policy decision cost, monitor overhead',
    load: () => import('./supervisor.bench.js'),
  },
  team: {
    description:
      'message bus msgs/s and p50/p99 send→handle, in-process and Redis Streams vs raw Redis Streams',
    load: () => import('./team.bench.js'),
  },
  server: {
    description:
      'REST API p50/p99 and req/s under load, WebSocket fan-out delivery p99, dashboard first load (JS bytes, time to interactive)',
    load: () => import('./server.bench.js'),
  },
};

function usage(): string {
  const names = Object.entries(BENCHMARKS)
    .map(([name, e]) => `  ${name.padEnd(12)} ${e.description}`)
    .join('\n');
  return `usage: node dist/bench/run.js NAME [--quick]\n\nknown benchmarks:\n${names}`;
}

async function main(argv: readonly string[]): Promise<number> {
  const name = argv.find((a) => !a.startsWith('-'));
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage());
    return 0;
  }
  if (name === undefined) {
    console.error(`error: no benchmark named\n\n${usage()}`);
    return 2;
  }
  const entry = Object.hasOwn(BENCHMARKS, name) ? BENCHMARKS[name] : undefined;
  if (entry === undefined) {
    console.error(
      `error: unknown benchmark "${name}"; known: ${Object.keys(BENCHMARKS).join(', ')}\n\n${usage()}`,
    );
    return 2;
  }
  const quick = argv.includes('--quick');
  const args = argv.filter((a) => a !== name && a !== '--quick');
  const machine = machineInfo();
  console.log(`# bench ${name}${quick ? ' (--quick)' : ''}`);
  console.log(`cpu:      ${machine.cpu} (${machine.cores} cores)`);
  console.log(`ram:      ${fmtNum(machine.ramGiB)} GiB`);
  console.log(`node:     ${machine.node} on ${machine.platform}`);
  console.log(`date:     ${machine.date}`);
  console.log(`code:     ${machine.revision}`);
  console.log(`load:     ${machine.loadavg.join(' ')} (1/5/15 min)`);
  if ((machine.loadavg[0] ?? 0) > 0.5 * machine.cores) {
    console.log(
      `warning:  the machine is busy (load ${machine.loadavg[0]} on ${machine.cores} cores); figures will be low and noisy`,
    );
  }
  console.log('');
  const mod = await entry.load();
  await mod.run({ quick, args, machine });
  return 0;
}

main(process.argv.slice(2)).then(
  async (code) => {
    await runAllCleanups();
    process.exitCode = code;
    // Anything left holding the event loop (a pool, a timer) must not hang the run.
    setTimeout(() => process.exit(code), 5_000).unref();
  },
  async (error: unknown) => {
    console.error('bench failed:', error);
    await runAllCleanups();
    process.exit(1);
  },
);

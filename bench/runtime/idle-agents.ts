/**
 * @module Child process of the runtime benchmark: opens a system with N idle inline agents,
 * spawns and starts them all, lets them beat for a few seconds and prints one JSON line with the
 * figures. A process of its own, so its RSS is the agents' and nothing else's.
 * Usage: `node dist/bench/runtime/idle-agents.js N DIR`.
 */
import path from 'node:path';
import { configSchema } from '../../src/core/index.js';
import { createLogger, openSystem } from '../../src/system/index.js';

const n = Number(process.argv[2]);
const dir = process.argv[3];
if (!Number.isInteger(n) || n < 1 || dir === undefined) {
  console.error('usage: idle-agents.js N DIR');
  process.exit(2);
}
const agents = Array.from({ length: n }, (_, i) => ({
  name: `idle-${i}`,
  deliberation: 'utility',
  heartbeat: { base_ms: 1000, max_ms: 60_000 },
}));
let t0 = performance.now();
const system = await openSystem({
  config: configSchema.parse({ agents }),
  dataDir: path.join(dir, 'data'),
  logger: createLogger({ level: 'silent', format: 'json' }),
  configDir: dir,
  env: { ...process.env, AGENTVISOR_REDIS_URL: '' },
});
const openSeconds = (performance.now() - t0) / 1000;
global.gc?.();
const rssBefore = process.memoryUsage().rss;
const spawn = new Float64Array(n);
t0 = performance.now();
for (let i = 0; i < n; i++) {
  const t = performance.now();
  const { daemon } = await system.agents.spawn(`idle-${i}`);
  await daemon.start();
  spawn[i] = performance.now() - t;
}
const spawnAllSeconds = (performance.now() - t0) / 1000;
await new Promise((r) => setTimeout(r, 5000));
global.gc?.();
const rss = process.memoryUsage().rss;
const running = system.agents
  .list()
  .filter((a) => system.agents.spawned(a.name)?.daemon.status === 'running').length;
spawn.sort();
const at = (p: number) => spawn[Math.min(n - 1, Math.ceil((p / 100) * n) - 1)]!;
await system.close();
console.log(
  JSON.stringify({
    n,
    running,
    openSeconds,
    spawnAllSeconds,
    rss,
    rssBefore,
    spawnP50: at(50),
    spawnP99: at(99),
  }),
);

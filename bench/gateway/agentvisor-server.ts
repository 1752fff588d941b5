/**
 * @module Child process for the gateway benchmark: a real Agentvisor (`openSystem` in a fresh
 * temp data dir, SQLite, signed ledger, API-key auth, rate limits set out of the way) serving
 * its HTTP server on an ephemeral loopback port, with model `fast` routed to the stub given as
 * argv[2]. Sends `{ type: 'ready', url, secret }` over IPC. On `{ type: 'stop' }` (or when the
 * parent disconnects) it closes the server and the system, removes the data dir and exits, so
 * a `--cpu-prof` profile gets written.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configSchema } from '../../src/core/index.js';
import { createHttpServer } from '../../src/server/index.js';
import { createLogger, openSystem } from '../../src/system/index.js';

const stubUrl = process.argv[2];
if (stubUrl === undefined) throw new Error('usage: agentvisor-server.js STUB_URL');

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'agentvisor-bench-gw-'));
const config = configSchema.parse({
  gateway: {
    providers: [{ name: 'stub', kind: 'openai', base_url: `${stubUrl}/v1` }],
    models: { fast: { chain: [{ provider: 'stub', model: 'gpt-4o-mini' }] } },
    rate_limits: { burst: 1_000_000, refill_per_second: 1_000_000 },
  },
});
const logger = createLogger({ level: 'silent', format: 'json' });
// A Redis URL in the environment would put rate limiting on the network; keep it in-process.
const env = { ...process.env, AGENTVISOR_REDIS_URL: '' };
const system = await openSystem({ config, dataDir, logger, env });
const { secret } = await system.apiKeys.create({ name: 'bench', createdBy: 'human:bench' });
const app = await createHttpServer({ system, logger });
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
if (address === null || typeof address === 'string') throw new Error('no TCP address');

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  try {
    await app.close();
    await system.close({ checkpoint: false });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  }
}
process.on('message', (m: { type?: string }) => {
  if (m?.type === 'stop') void stop();
});
process.on('disconnect', () => void stop());
process.send?.({ type: 'ready', url: `http://127.0.0.1:${address.port}`, secret });

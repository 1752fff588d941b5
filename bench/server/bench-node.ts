/**
 * @module The node every part of `npm run bench -- server` measures, in the bench's own process:
 * `openSystem` on a fresh temp data dir (SQLite, signed ledger), a few agents configured but not
 * started (nothing calls a model), supervision, the alert system (wired, not started), and the
 * real HTTP server (`createHttpServer`) on an ephemeral loopback port, as `agentvisor start`
 * builds it. The setup is a copy of the API integration suites' harness
 * (bench code never imports from `test/`). Seeding goes through the kernel like an operator's
 * calls do, so every task is a sealed record on the ledger.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Role } from '../../src/auth/index.js';
import { type CallerRef, configSchema } from '../../src/core/index.js';
import { createHttpServer } from '../../src/server/index.js';
import {
  AgentSupervision,
  type AgentvisorSystem,
  createLogger,
  type Logger,
  newOperatorToken,
  openAlertSystem,
  openSystem,
} from '../../src/system/index.js';
import { onCleanup } from '../lib.js';

/** The agents configured (none is started). */
export const AGENTS = ['worker', 'planner', 'reviewer', 'writer'] as const;

/** The running node. */
export interface BenchNode {
  readonly system: AgentvisorSystem;
  readonly supervision: AgentSupervision;
  readonly operatorToken: string;
  readonly logger: Logger;
  /** The real server (`createHttpServer`), listening. */
  readonly app: FastifyInstance;
  /** `http://127.0.0.1:PORT` of {@link app}. */
  readonly url: string;
  /** An admin caller for seeding through the kernel. */
  readonly admin: CallerRef;
  /** Creates an API key with a role; returns its secret. */
  apiKey(name: string, role: Role): Promise<string>;
  close(): Promise<void>;
}

/** Opens the node; `dashboardRoot` is the built dashboard the server serves (default `dist/web`). */
export async function openBenchNode(options: { dashboardRoot?: string } = {}): Promise<BenchNode> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentvisor-bench-server-'));
  const removeDir = onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, 'out'), { recursive: true });
  const config = configSchema.parse({
    server: { host: '127.0.0.1' },
    gateway: {
      // Never called: no agent is started.
      providers: [{ name: 'stub', kind: 'openai', base_url: 'http://127.0.0.1:9/v1' }],
      models: { smart: { chain: [{ provider: 'stub', model: 'gpt-4o-mini' }] } },
    },
    agents: AGENTS.map((name) => ({ name, model: 'smart', capabilities: ['llm.use'] })),
    // The API's per-caller limits (seed 002: 100 requests/minute for a viewer) would answer 429
    // within the first second; the bench measures the path with the limiter in it, not the limit.
    rate_limits: { api: { anonymous: 1_000_000, viewer: 1_000_000 } },
  });
  const logger = createLogger({ level: 'silent', format: 'json' });
  const system = await openSystem({
    config,
    dataDir: path.join(dir, '.agentvisor'),
    logger,
    configDir: dir,
    // A Redis URL in the environment would put rate limiting on the network; keep it in-process.
    env: { ...process.env, AGENTVISOR_REDIS_URL: '' },
    // Only the dashboard's sign-in user is hashed; nothing here measures scrypt.
    scryptN: 1024,
  });
  const supervision = new AgentSupervision(system, logger);
  // As `agentvisor start` wires it (API latency recorded per request), but not started: no rule
  // evaluation or notifier runs during the measurements.
  const alerts = openAlertSystem({ system, supervision, logger });
  const operatorToken = newOperatorToken();
  const app = await createHttpServer({
    system,
    logger,
    supervision: { supervision, operatorToken },
    alerts,
    ...(options.dashboardRoot === undefined ? {} : { dashboardRoot: options.dashboardRoot }),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  const admin = system.access.callerForRole('human', 'bench@localhost', 'bench', 'admin');

  const closeNode = onCleanup(async () => {
    try {
      await app.close();
      await alerts.stop();
    } finally {
      await system.close({ checkpoint: false });
    }
  });
  return {
    system,
    supervision,
    operatorToken,
    logger,
    app,
    url: `http://127.0.0.1:${address.port}`,
    admin,
    async apiKey(name, role) {
      const { secret } = await system.apiKeys.create({ name, role, createdBy: 'human:bench' });
      return secret;
    },
    async close() {
      await closeNode();
      await removeDir();
    },
  };
}

/**
 * Submits `count` tasks through the kernel (`task.submit`, as the API's POST /tasks does),
 * spread over the configured agents, `inFlight` at a time so the ledger's group commit batches
 * them. Returns the task ids, oldest first.
 */
export async function seedTasks(node: BenchNode, count: number, inFlight = 32): Promise<string[]> {
  const ids: string[] = new Array<string>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const { result } = await node.system.kernel.call<{ id: string }>(node.admin, 'task.submit', {
        agent: AGENTS[i % AGENTS.length]!,
        title: `bench task ${i}`,
        description: `Summarise report ${i} and list three follow-ups.`,
        priority: 1 + (i % 10),
      });
      ids[i] = result.id;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return ids;
}

/** Creates a user (as the system, like `agentvisor user create`), so the dashboard shows its login page. */
export async function createUser(node: BenchNode, email: string, role: Role): Promise<void> {
  await node.system.kernel.call(node.admin, 'user.create', {
    email,
    role,
    password_hash: await node.system.access.hashPassword('correct horse battery staple'),
  });
}

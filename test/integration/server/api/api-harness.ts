/**
 * @module A real node for the `/api/v1` suites: SQLite in a temp dir, one configured agent (not
 * started, so nothing calls a model), supervision, the HTTP server on an ephemeral loopback port,
 * and helpers to sign in and call the API as a browser (cookie + CSRF) or a program (bearer).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Role } from '../../../../src/auth/index.js';
import { type CallerRef, configSchema } from '../../../../src/core/index.js';
import { createHttpServer } from '../../../../src/server/index.js';
import {
  AgentSupervision,
  type AgentvisorSystem,
  createLogger,
  newOperatorToken,
  openSystem,
} from '../../../../src/system/index.js';
import { tempDir } from '../../../support/services.js';

/** A browser-like client: the session cookie and the CSRF token. */
export interface Browser {
  readonly cookie: string;
  readonly csrf: string;
}

/** Who a request is sent as. */
export type As = Browser | { bearer: string } | undefined;

export interface ApiHarness {
  readonly system: AgentvisorSystem;
  readonly app: FastifyInstance;
  readonly url: string;
  readonly dir: string;
  readonly operatorToken: string;
  /** Creates a user directly (as the system) and returns a signed-in browser for them. */
  user(email: string, role: Role, password?: string): Promise<Browser>;
  signIn(email: string, password: string): Promise<Browser>;
  request(
    method: string,
    route: string,
    as?: As,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: unknown; headers: Headers; text: string }>;
  close(): Promise<void>;
}

export const PASSWORD = 'correct horse battery staple';

/** Starts a node. `server` merges into the config's `server` section. */
export async function startApi(
  options: { server?: Record<string, unknown>; rateLimits?: Record<string, unknown> } = {},
): Promise<ApiHarness> {
  const tmp = tempDir('agentvisor-api-');
  mkdirSync(path.join(tmp.dir, 'out'), { recursive: true });
  const config = configSchema.parse({
    server: { host: '127.0.0.1', ...options.server },
    // Suites sign in and call the API far more often than a person; the limits have their own test.
    rate_limits: {
      api: { anonymous: 10_000, viewer: 10_000, operator: 10_000, admin: 10_000 },
      login_failures: 10_000,
      ...options.rateLimits,
    },
    gateway: {
      providers: [{ name: 'stub', kind: 'openai', base_url: 'http://127.0.0.1:9/v1' }],
      models: { smart: { chain: [{ provider: 'stub', model: 'gpt-4o-mini' }] } },
    },
    agents: [{ name: 'worker', model: 'smart', capabilities: ['llm.use'] }],
  });
  const logger = createLogger({ level: 'silent', format: 'json' });
  const system = await openSystem({
    config,
    dataDir: path.join(tmp.dir, '.agentvisor'),
    logger,
    configDir: tmp.dir,
    env: { ...process.env, AGENTVISOR_REDIS_URL: '' },
    scryptN: 1024,
  });
  const supervision = new AgentSupervision(system, logger);
  const operatorToken = newOperatorToken();
  const app = await createHttpServer({
    system,
    logger,
    supervision: { supervision, operatorToken },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;

  const request: ApiHarness['request'] = async (method, route, as, body, headers = {}) => {
    const h: Record<string, string> = { ...headers };
    if (as !== undefined && 'bearer' in as) h['authorization'] = `Bearer ${as.bearer}`;
    if (as !== undefined && 'cookie' in as) {
      h['cookie'] = as.cookie;
      if (h['x-csrf-token'] === undefined) h['x-csrf-token'] = as.csrf;
    }
    if (body !== undefined) h['content-type'] ??= 'application/json';
    const response = await fetch(`${url}${route}`, {
      method,
      headers: h,
      ...(body === undefined
        ? {}
        : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON (HTML, empty).
    }
    return { status: response.status, body: parsed, headers: response.headers, text };
  };

  const signIn = async (email: string, password: string): Promise<Browser> => {
    const response = await fetch(`${url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    if (response.status !== 200) {
      throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
    }
    const cookie = response.headers.getSetCookie()[0]!.split(';')[0]!;
    const { csrfToken } = (await response.json()) as { csrfToken: string };
    return { cookie, csrf: csrfToken };
  };

  return {
    system,
    app,
    url,
    dir: tmp.dir,
    operatorToken,
    signIn,
    request,
    async user(email, role, password = PASSWORD) {
      const admin: CallerRef = system.access.callerForRole('human', 'setup@test', 'setup', 'admin');
      await system.kernel.call(admin, 'user.create', {
        email,
        role,
        password_hash: await system.access.hashPassword(password),
      });
      return signIn(email, password);
    },
    async close() {
      await app.close();
      await system.close();
      tmp.remove();
    },
  };
}

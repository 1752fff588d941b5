/**
 * @module Shared setup for the gateway endpoint suites: a stub provider playing OpenAI and
 * Anthropic, a real system in a temp data dir whose gateway routes alias `fast` to the stub's
 * OpenAI face then its Anthropic face (and `embed` to OpenAI embeddings), an API key, and the
 * HTTP server listening on an ephemeral loopback port.
 */
import type { FastifyInstance } from 'fastify';
import { configSchema } from '../../../../src/core/index.js';
import { createHttpServer } from '../../../../src/server/index.js';
import { type AgentvisorSystem, createLogger, openSystem } from '../../../../src/system/index.js';
import { tempDir } from '../../../support/services.js';
import { type StubProvider, startStubProvider } from '../../../support/stub-provider.js';

/** A running gateway endpoint with its stub and key. */
export interface EndpointHarness {
  readonly stub: StubProvider;
  readonly system: AgentvisorSystem;
  readonly app: FastifyInstance;
  /** `http://127.0.0.1:<port>` of the Agentvisor server. */
  readonly baseUrl: string;
  /** A valid API key secret. */
  readonly secret: string;
  /** The key's id (its principal is `apikey:<id>`). */
  readonly keyId: string;
  close(): Promise<void>;
}

/**
 * Starts everything. `gateway` overrides merge into the default gateway config. Retries are a
 * single quick re-attempt and the breaker is lenient by default, so scripted faults are consumed
 * predictably: a provider that must fail needs two scripted failures.
 */
export async function startEndpoint(
  gateway: Record<string, unknown> = {},
  stubArg?: StubProvider,
): Promise<EndpointHarness> {
  const stub = stubArg ?? (await startStubProvider());
  const tmp = tempDir('agentvisor-endpoints-');
  const config = configSchema.parse({
    gateway: {
      providers: [
        { name: 'stub-openai', kind: 'openai', base_url: `${stub.url}/v1` },
        { name: 'stub-anthropic', kind: 'anthropic', base_url: stub.url },
      ],
      models: {
        fast: {
          chain: [
            { provider: 'stub-openai', model: 'gpt-4o-mini' },
            { provider: 'stub-anthropic', model: 'claude-3-5-haiku' },
          ],
        },
        embed: {
          embedding: true,
          chain: [{ provider: 'stub-openai', model: 'text-embedding-3-small' }],
        },
      },
      retry: { max_attempts: 2, initial_delay_ms: 1, max_delay_ms: 5 },
      circuit_breaker: { failure_threshold: 1000, half_open_after_ms: 60_000 },
      rate_limits: { burst: 10_000, refill_per_second: 1000 },
      max_body_bytes: 64 * 1024,
      ...gateway,
    },
  });
  const logger = createLogger({ level: 'silent', format: 'json' });
  // An AGENTVISOR_REDIS_URL in the environment would make suites share rate-limit buckets.
  const env = { ...process.env, AGENTVISOR_REDIS_URL: '' };
  const system = await openSystem({ config, dataDir: tmp.dir, logger, env });
  const { record, secret } = await system.apiKeys.create({ name: 'test', createdBy: 'human:test' });
  const app = await createHttpServer({ system, logger });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    stub,
    system,
    app,
    baseUrl: `http://127.0.0.1:${address.port}`,
    secret,
    keyId: record.id,
    async close() {
      // Every test request has finished by now, but a client may hold a connection it opened
      // and never used (undici does after an aborted fetch); Node only drops such a connection
      // at its headers timeout, so close them rather than wait.
      const closing = app.close();
      app.server.closeAllConnections();
      await closing;
      await system.close({ checkpoint: false });
      if (stubArg === undefined) await stub.close();
      tmp.remove();
    },
  };
}

/** POSTs raw text (not necessarily JSON) with a key. */
export function postRaw(
  h: EndpointHarness,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${h.baseUrl}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${h.secret}`,
      ...headers,
    },
    body,
  });
}

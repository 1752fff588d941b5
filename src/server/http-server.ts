/**
 * @module The HTTP server (Fastify). For now it serves the health endpoints, the LLM gateway and
 * agent webhooks; the rest of the API, the WebSocket stream and the dashboard mount here in later
 * issues. It binds to loopback unless configured otherwise, and every error leaves in one JSON
 * shape `{ code, message, details }` with the status from the central error map.
 */
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { AgentvisorError, packageVersion, toAgentvisorError } from '../core/index.js';
import type { AgentSupervision, AgentvisorSystem, AlertSystem, Logger } from '../system/index.js';
import { registerApi } from './api/index.js';
import { retryAfterSeconds } from './caller-errors.js';
import { registerDashboardRoutes } from './dashboard-routes.js';
import { registerGatewayRoutes } from './gateway-routes.js';
import { registerLiveStream } from './live-stream.js';
import { registerPolicyRoutes } from './policy-routes.js';
import { registerSupervisionRoutes } from './supervision-routes.js';
import { registerTeamRoutes } from './team-routes.js';
import { registerWebhookRoutes } from './webhook-routes.js';

/** Options for {@link createHttpServer}. */
export interface HttpServerOptions {
  system: AgentvisorSystem;
  logger: Logger;
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
  /** The built dashboard (default: `dist/web` beside the compiled server). */
  dashboardRoot?: string;
  /** The alerts: their routes, `/metrics` gauges, API latency and the stream's `alerts` channel. */
  alerts?: AlertSystem;
  /** Supervision and the operator token: mounts `/v1/supervisor/*`, `/v1/compliance`, `/metrics`. */
  supervision?: { supervision: AgentSupervision; operatorToken: string };
}

/**
 * Builds the Fastify app (not yet listening).
 *
 * @example
 * const app = await createHttpServer({ system, logger });
 * await app.listen({ host: '127.0.0.1', port: 7070 });
 */
export async function createHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const { system } = options;
  const bodyLimit = options.bodyLimit ?? 1024 * 1024;
  const app = Fastify({
    // Request lines are noise on an operator's console; warnings and errors still log.
    loggerInstance: options.logger.child(
      { component: 'http' },
      { level: 'warn' },
    ) as FastifyBaseLogger,
    bodyLimit,
    return503OnClosing: true,
    // A client that aborted mid-request can leave an idle keep-alive socket; shutdown must not wait on it.
    forceCloseConnections: true,
  });
  // Every answer feeds the API latency the alert rules watch and the request counters of /metrics.
  app.addHook('onResponse', async (request, reply) => {
    options.alerts?.recordApiLatency(reply.elapsedTime);
    system.telemetry.apiRequest({
      method: request.method,
      endpoint: request.routeOptions.url ?? 'unmatched',
      statusCode: reply.statusCode,
      durationMs: reply.elapsedTime,
    });
  });
  let shuttingDown = false;
  app.addHook('onClose', async () => {
    shuttingDown = true;
  });

  app.setErrorHandler((error, request, reply) => {
    const e =
      error instanceof AgentvisorError
        ? error
        : (error as { statusCode?: number }).statusCode === 413
          ? new AgentvisorError(
              'PAYLOAD_TOO_LARGE',
              `request body larger than the ${bodyLimit} bytes this server accepts`,
            )
          : (error as { statusCode?: number }).statusCode !== undefined &&
              (error as { statusCode: number }).statusCode < 500
            ? new AgentvisorError('INPUT_INVALID', (error as Error).message)
            : toAgentvisorError(error);
    if (e.code === 'INTERNAL') request.log.error({ err: e.cause }, 'request failed');
    const retryAfter = retryAfterSeconds(e);
    if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
    void reply.status(e.status).send(e.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    void reply
      .status(404)
      .send({ code: 'NOT_FOUND', message: `no route ${request.method} ${request.url}` });
  });

  await registerGatewayRoutes(app, {
    kernel: system.kernel,
    principals: system.principals,
    apiKeys: system.apiKeys,
    gateway: system.gateway,
    maxBodyBytes: system.config.gateway.max_body_bytes,
  });
  await registerWebhookRoutes(app, {
    kernel: system.kernel,
    principals: system.principals,
    apiKeys: system.apiKeys,
    maxBodyBytes: bodyLimit,
  });

  const authenticate = await registerApi(app, {
    system,
    ...(options.supervision === undefined
      ? {}
      : {
          supervision: options.supervision.supervision,
          operatorToken: options.supervision.operatorToken,
        }),
    version: packageVersion(),
  });

  await registerLiveStream(app, {
    system,
    authenticate,
    ...(options.alerts === undefined ? {} : { alerts: options.alerts }),
    ...(options.supervision === undefined ? {} : { supervision: options.supervision.supervision }),
  });

  if (options.supervision !== undefined) {
    await registerSupervisionRoutes(app, {
      system,
      ...options.supervision,
      ...(options.alerts === undefined ? {} : { runtimeMetrics: options.alerts.metricSources }),
    });
    await registerPolicyRoutes(app, { system, operatorToken: options.supervision.operatorToken });
    await registerTeamRoutes(app, { system, operatorToken: options.supervision.operatorToken });
  }

  /** Liveness: the process is up and its event loop turns. */
  app.get('/health/live', async () => ({ status: 'ok' }));

  /** Readiness: the store answers and the kernel takes calls. */
  app.get('/health/ready', async (_request, reply) => {
    const checks: Record<string, 'ok' | string> = {};
    try {
      await system.store.ping();
      checks['store'] = 'ok';
    } catch (error) {
      checks['store'] = (error as Error).message;
    }
    checks['kernel'] = shuttingDown ? 'shutting down' : 'ok';
    const ok = Object.values(checks).every((v) => v === 'ok');
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks });
  });

  // Last: the dashboard's files and its client-side routes answer what nothing above claimed.
  await registerDashboardRoutes(app, {
    root: options.dashboardRoot ?? fileURLToPath(new URL('../../web', import.meta.url)),
  });

  return app;
}

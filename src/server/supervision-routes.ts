/**
 * @module The operator's view of supervision over HTTP: status, agents, dependencies,
 * profiles, the compliance report and Prometheus metrics. Every route needs the operator token
 * (see operator-auth.ts); `/metrics` too, since agent names and activity are not public.
 */
import type { FastifyInstance } from 'fastify';
import { registerLogMetrics } from '../logs/index.js';
import { complianceHtml } from '../policy/index.js';
import type { AgentSupervision, AgentvisorSystem, AlertMetricSources } from '../system/index.js';
import { MetricsRegistry } from '../telemetry/index.js';
import { authenticateOperator } from './operator-auth.js';

/** Options for {@link registerSupervisionRoutes}. */
export interface SupervisionRoutesOptions {
  readonly system: AgentvisorSystem;
  readonly supervision: AgentSupervision;
  /** The node's operator token (from node.json). */
  readonly operatorToken: string;
  /** The runtime gauges the alert rules watch (heartbeats, backlog, disk, event alerts). */
  readonly runtimeMetrics?: AlertMetricSources;
}

/** Registers `/v1/supervisor/*`, `/v1/compliance` and `/metrics`. */
export async function registerSupervisionRoutes(
  app: FastifyInstance,
  options: SupervisionRoutesOptions,
): Promise<void> {
  const { system, supervision, operatorToken } = options;
  const metrics = new MetricsRegistry({
    telemetry: system.telemetry,
    ledgerSize: async () => (await system.ledger.head()).size,
    ...(options.runtimeMetrics === undefined ? {} : { runtime: options.runtimeMetrics }),
  });
  registerLogMetrics(metrics.registry, system.logs.writer);
  app.addHook('onRequest', async (request) => {
    const url = request.url;
    if (
      url.startsWith('/v1/supervisor') ||
      url.startsWith('/v1/compliance') ||
      url === '/metrics'
    ) {
      authenticateOperator(request, operatorToken);
    }
  });

  app.get('/v1/supervisor/status', async () => {
    const snapshot = system.telemetry.snapshot({ recent: 20 });
    return {
      agents: supervision.list(),
      system: snapshot.system,
      totalCalls: snapshot.totalCalls,
      recent: snapshot.recent,
      ledger: await system.ledger.head(),
    };
  });
  app.get('/v1/supervisor/agents', async () => ({ agents: supervision.list() }));
  app.get<{ Params: { name: string } }>('/v1/supervisor/agents/:name', async (request) => {
    const info = supervision.info(request.params.name);
    const usage = supervision.monitor.has(info.id) ? supervision.monitor.usage(info.id) : null;
    const rates = supervision.monitor.has(info.id) ? supervision.monitor.rates(info.id, 10) : null;
    return { agent: info, usage, rates };
  });
  app.get<{ Params: { name: string } }>('/v1/supervisor/agents/:name/deps', async (request) =>
    supervision.deps(request.params.name),
  );
  app.get<{ Params: { name: string } }>('/v1/supervisor/agents/:name/profile', async (request) =>
    supervision.profile(request.params.name),
  );
  app.get<{ Querystring: { format?: string } }>('/v1/compliance', async (request, reply) => {
    const report = await supervision.compliance();
    if (request.query.format === 'html') {
      return reply.type('text/html; charset=utf-8').send(complianceHtml(report));
    }
    return report;
  });
  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await metrics.renderMetrics();
    return reply.type(contentType).send(body);
  });
}

/**
 * @module The team, its tasks and its message bus over HTTP, for `agentvisor team run`,
 * `task list|cancel|handoff`, `bus tail`, `dlq ...` and the dashboard. Operator token required; each call is a kernel
 * operation in the operator's name.
 */
import type { FastifyInstance } from 'fastify';
import type { AgentvisorSystem } from '../system/index.js';
import { objectBody, operatorCalls } from './operator-auth.js';

/** Options for {@link registerTeamRoutes}. */
export interface TeamRoutesOptions {
  readonly system: AgentvisorSystem;
  readonly operatorToken: string;
}

/**
 * Registers `POST /v1/team/runs`, `GET /v1/team/runs/:id`, `GET /v1/tasks`,
 * `POST /v1/tasks/:id/{cancel,handoff}`, `GET|POST /v1/bus/messages`, `GET /v1/bus/stats` and
 * the dead-letter queue under `/v1/bus/dlq`.
 */
export async function registerTeamRoutes(
  app: FastifyInstance,
  options: TeamRoutesOptions,
): Promise<void> {
  const { authenticate, call } = operatorCalls(options.system, options.operatorToken);
  await app.register(async (scoped) => {
    scoped.addHook('preHandler', async (request) => {
      authenticate(request);
    });
    scoped.post<{ Body: unknown }>('/v1/team/runs', (request) =>
      call(request, 'team.run', objectBody(request.body)),
    );
    scoped.get<{ Params: { id: string } }>('/v1/team/runs/:id', (request) =>
      call(request, 'team.show', { id: request.params.id }),
    );
    scoped.get<{ Querystring: Record<string, string | undefined> }>('/v1/tasks', (request) => {
      const { status, agent, parent, limit, before } = request.query;
      return call(request, 'task.list', {
        ...(status === undefined ? {} : { status }),
        ...(agent === undefined ? {} : { agent }),
        ...(parent === undefined ? {} : { parentId: parent }),
        ...(limit === undefined ? {} : { limit: Number(limit) }),
        ...(before === undefined ? {} : { before }),
      });
    });
    scoped.post<{ Params: { id: string }; Body: unknown }>('/v1/tasks/:id/cancel', (request) =>
      call(request, 'task.cancel', { ...objectBody(request.body), id: request.params.id }),
    );
    scoped.post<{ Params: { id: string }; Body: unknown }>('/v1/tasks/:id/handoff', (request) =>
      call(request, 'task.handoff', { ...objectBody(request.body), id: request.params.id }),
    );
    scoped.post<{ Body: unknown }>('/v1/bus/messages', (request) =>
      call(request, 'bus.send', objectBody(request.body)),
    );
    scoped.get<{ Querystring: Record<string, string | undefined> }>(
      '/v1/bus/messages',
      (request) => {
        const { after, agent, type, limit } = request.query;
        return call(request, 'bus.messages', {
          ...(after === undefined ? {} : { after: Number(after) }),
          ...(agent === undefined ? {} : { agent }),
          ...(type === undefined ? {} : { type }),
          ...(limit === undefined ? {} : { limit: Number(limit) }),
        });
      },
    );
    scoped.get('/v1/bus/stats', (request) => call(request, 'bus.stats', {}));
    scoped.get<{ Querystring: { limit?: string } }>('/v1/bus/dlq', (request) =>
      call(request, 'bus.dlq.list', {
        ...(request.query.limit === undefined ? {} : { limit: Number(request.query.limit) }),
      }),
    );
    scoped.get<{ Params: { id: string } }>('/v1/bus/dlq/:id', (request) =>
      call(request, 'bus.dlq.show', { id: request.params.id }),
    );
    for (const verb of ['replay', 'drop'] as const) {
      scoped.post<{ Params: { id: string }; Body: unknown }>(`/v1/bus/dlq/:id/${verb}`, (request) =>
        call(request, `bus.dlq.${verb}`, { ...objectBody(request.body), id: request.params.id }),
      );
    }
  });
}

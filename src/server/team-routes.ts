/**
 * @module The team and its tasks over HTTP, for `agentvisor team run`, `task list` and
 * `task cancel` and for the dashboard. Operator token required; each call is a kernel
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
 * Registers `POST /v1/team/runs`, `GET /v1/team/runs/:id`, `GET /v1/tasks` and
 * `POST /v1/tasks/:id/cancel`.
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
  });
}

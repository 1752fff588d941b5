/**
 * @module Policies and approvals over HTTP, for the CLI's `policy` and `approvals` verbs and the
 * dashboard. Every route needs the operator token and runs as a kernel operation in the
 * operator's name, so each patch and decision is a ledger entry naming the human who made it.
 */
import type { FastifyInstance } from 'fastify';
import type { PolicyView } from '../policy/index.js';
import type { AgentvisorSystem } from '../system/index.js';
import { objectBody, operatorCalls } from './operator-auth.js';

/** Options for {@link registerPolicyRoutes}. */
export interface PolicyRoutesOptions {
  readonly system: AgentvisorSystem;
  readonly operatorToken: string;
}

/**
 * Registers `GET /v1/policy`, `GET /v1/policy/:agent`, `POST /v1/policy/:agent/patch`,
 * `GET /v1/approvals` and `POST /v1/approvals/:id/{approve,deny}`.
 */
export async function registerPolicyRoutes(
  app: FastifyInstance,
  options: PolicyRoutesOptions,
): Promise<void> {
  const { system, operatorToken } = options;
  const { authenticate, call } = operatorCalls(system, operatorToken);

  await app.register(async (scoped) => {
    // Authenticate before the body is even looked at.
    scoped.addHook('preHandler', async (request) => {
      authenticate(request);
    });
    scoped.get('/v1/policy', (request) => call(request, 'policy.list', {}));
    scoped.get<{ Params: { agent: string } }>('/v1/policy/:agent', (request) =>
      call<PolicyView>(request, 'policy.show', { agent: request.params.agent }),
    );
    scoped.post<{ Params: { agent: string }; Body: Record<string, unknown> | undefined }>(
      '/v1/policy/:agent/patch',
      (request) =>
        call(request, 'policy.patch', { ...objectBody(request.body), agent: request.params.agent }),
    );
    scoped.get<{ Querystring: Record<string, string | undefined> }>('/v1/approvals', (request) => {
      const { status, agent, kind, limit } = request.query;
      return call(request, 'approvals.list', {
        ...(status === undefined ? {} : { status }),
        ...(agent === undefined ? {} : { agent }),
        ...(kind === undefined ? {} : { kind }),
        ...(limit === undefined ? {} : { limit: Number(limit) }),
      });
    });
    for (const decision of ['approve', 'deny'] as const) {
      scoped.post<{ Params: { id: string }; Body: Record<string, unknown> | undefined }>(
        `/v1/approvals/:id/${decision}`,
        (request) =>
          call(request, 'approvals.decide', {
            ...objectBody(request.body),
            id: request.params.id,
            decision,
          }),
      );
    }
  });
}

/**
 * @module Policies and approvals over HTTP, for the CLI's `policy` and `approvals` verbs and the
 * dashboard. Every route needs the operator token and runs as a kernel operation in the
 * operator's name, so each patch and decision is a ledger entry naming the human who made it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PolicyView } from '../policy/index.js';
import { type AgentvisorSystem, OPERATOR_CAPABILITIES } from '../system/index.js';
import { authenticateOperator } from './operator-auth.js';

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
  const operatorOf = (request: FastifyRequest) => {
    const { caller } = authenticateOperator(request, operatorToken);
    system.principals.register({
      ...caller,
      name: caller.id,
      capabilities: new Set(OPERATOR_CAPABILITIES),
    });
    return caller;
  };
  const call = async <R>(request: FastifyRequest, op: string, args: unknown): Promise<R> =>
    (await system.kernel.call<R>(operatorOf(request), op, args)).result;

  await app.register(async (scoped) => {
    // Authenticate before the body is even looked at.
    scoped.addHook('preHandler', async (request) => {
      operatorOf(request);
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

/** The body as an object; anything else is left for the operation's schema to refuse. */
function objectBody(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : { body };
}

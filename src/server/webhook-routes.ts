/**
 * @module Webhooks into agents: `POST /v1/agents/:name/webhooks/:hook` with any JSON body queues
 * an observation for the agent's next beat and wakes its daemon. Callers authenticate with an
 * Agentvisor API key; the delivery is the kernel operation `agent.webhook`, so it is authorised
 * and recorded in the ledger like any other side effect. Answers: 202
 * `{ accepted: true, observation }`, 401 without a valid key, 404 for an unknown agent, one not
 * running in this process or one without `perception.webhooks.enabled`, 413 past the body limit,
 * 429 with `Retry-After` when the agent's webhook queue is full. Errors use the server's
 * `{ code, message, details }` shape.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiKeyStore } from '../auth/index.js';
import type { Kernel } from '../core/index.js';
import type { PrincipalDirectory } from '../system/index.js';
import { type ApiCaller, ApiKeyCallers } from './api-key-auth.js';
import { retryAfterSeconds, toCallerError } from './caller-errors.js';

/** What the webhook route needs from the running system. */
export interface WebhookRouteDeps {
  readonly kernel: Kernel;
  readonly principals: PrincipalDirectory;
  readonly apiKeys: ApiKeyStore;
  /** The server's body limit, named in the 413 message. */
  readonly maxBodyBytes: number;
}

type AuthedRequest = FastifyRequest & { webhookCaller: ApiCaller | null };

/**
 * Mounts the webhook route on `app`, in its own scope (its auth hook and error handler touch no
 * other route).
 *
 * @example
 * await registerWebhookRoutes(app, { kernel, principals, apiKeys, maxBodyBytes: 1024 * 1024 });
 */
export async function registerWebhookRoutes(
  app: FastifyInstance,
  deps: WebhookRouteDeps,
): Promise<void> {
  const callers = new ApiKeyCallers(deps.principals, deps.apiKeys);
  await app.register(async (scope) => {
    scope.decorateRequest('webhookCaller', null);
    scope.setErrorHandler((error, request, reply) => {
      const e = toCallerError(error, deps.maxBodyBytes);
      if (e.code === 'INTERNAL') request.log.error({ err: e.cause }, 'webhook delivery failed');
      const retryAfter = retryAfterSeconds(e);
      if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
      void reply.status(e.status).header('x-request-id', request.id).send(e.toJSON());
    });
    // Before the body is read, so an unauthenticated client cannot make the server parse it.
    scope.addHook('onRequest', async (request) => {
      (request as AuthedRequest).webhookCaller = await callers.authenticate(request);
    });

    scope.post<{ Params: { name: string; hook: string } }>(
      '/v1/agents/:name/webhooks/:hook',
      async (request, reply) => {
        const api = (request as AuthedRequest).webhookCaller!;
        const { result } = await deps.kernel.call<{ observation: string }>(
          api.caller,
          'agent.webhook',
          {
            agent: request.params.name,
            hook: request.params.hook,
            body: request.body ?? null,
            ...(api.context.agentId === undefined ? {} : { boundTo: api.context.agentId }),
          },
        );
        return reply
          .status(202)
          .header('x-request-id', request.id)
          .send({ accepted: true, observation: result.observation });
      },
    );
  });
}

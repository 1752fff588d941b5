/**
 * @module Mounts the declared `/api/v1` routes on Fastify: authenticate, check the role and the
 * CSRF token, build the input from path, query and body, validate it, run it (a kernel operation
 * as the caller, or the route's handler), answer. Every failure leaves as `{ code, message,
 * details }` through the server's one error handler.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { roleAtLeast } from '../../auth/index.js';
import { AgentvisorError } from '../../core/index.js';
import type { AgentvisorSystem } from '../../system/index.js';
import { type ApiAuthenticator, checkCsrf } from './api-auth.js';
import type { ApiCaller } from './api-caller.js';
import type { ApiContext, ApiRoute } from './api-route.js';
import { coerceQuery, inputJsonSchema, type JsonSchema } from './input-shape.js';
import type { RequestLimits } from './request-limits.js';

/** The prefix every REST route lives under. */
export const API_PREFIX = '/api/v1';

/** What {@link registerApiRoutes} needs. */
export interface ApiRouterOptions {
  readonly system: AgentvisorSystem;
  readonly routes: readonly ApiRoute[];
  readonly authenticate: ApiAuthenticator;
  readonly limits: RequestLimits;
}

/** The request schema of a route: its own `input`, or its operation's arguments. */
export function routeSchema(system: AgentvisorSystem, route: ApiRoute): z.ZodType | undefined {
  if (route.input !== undefined) return route.input;
  if (route.op === undefined) return undefined;
  const op = system.kernel.operations().find((o) => o.name === route.op);
  if (op === undefined) {
    throw new Error(`route ${route.method} ${route.path} names unknown operation ${route.op}`);
  }
  return op.args as z.ZodType;
}

/** Registers every route. Throws at startup when a route names an operation that does not exist. */
export async function registerApiRoutes(
  app: FastifyInstance,
  options: ApiRouterOptions,
): Promise<void> {
  const { system, authenticate } = options;
  for (const route of options.routes) {
    const schema = routeSchema(system, route);
    const json: JsonSchema = schema === undefined ? {} : inputJsonSchema(schema);
    app.route({
      method: route.method,
      url: `${API_PREFIX}${route.path}`,
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        let caller: ApiCaller | undefined;
        if (route.role === 'public') await options.limits.request(undefined, request.ip);
        else {
          caller = await authenticate(request);
          if (!roleAtLeast(caller.role, route.role)) {
            throw new AgentvisorError(
              'FORBIDDEN',
              `${route.method} ${API_PREFIX}${route.path} needs the ${route.role} role; ${caller.display} is ${caller.role}`,
            );
          }
          checkCsrf(request, caller);
          await options.limits.request(caller, request.ip);
        }
        const input = inputOf(request, route, json);
        const call = async <R>(op: string, args: unknown): Promise<R> => {
          if (caller === undefined) {
            throw new AgentvisorError('UNAUTHENTICATED', 'this route has no caller to act as');
          }
          return (await system.kernel.call<R>(caller.caller, op, args)).result;
        };
        const ctx: ApiContext = { system, caller, request, reply, call, limits: options.limits };
        let result: unknown;
        if (route.handle !== undefined) {
          const parsed = schema === undefined ? input : validate(schema, input, route);
          result = await route.handle(ctx, parsed);
        } else if (route.op !== undefined) {
          // The kernel validates (and records a refused call); no second parse here.
          result = await call(route.op, input);
        } else {
          throw new Error(`route ${route.method} ${route.path} has neither op nor handle`);
        }
        if (reply.sent) return reply;
        if (route.status === 204) return reply.status(204).send();
        if (route.produces !== undefined) {
          return reply
            .status(route.status ?? 200)
            .type(route.produces)
            .send(result);
        }
        return reply.status(route.status ?? 200).send(result ?? null);
      },
    });
  }
}

function inputOf(request: FastifyRequest, route: ApiRoute, json: JsonSchema): unknown {
  const query = coerceQuery((request.query ?? {}) as Record<string, unknown>, json);
  const body = request.body;
  if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) {
    throw new AgentvisorError('INPUT_INVALID', 'request body: expected a JSON object');
  }
  const params: Record<string, unknown> = {};
  for (const [name, value] of Object.entries((request.params ?? {}) as Record<string, string>)) {
    params[route.params?.[name] ?? name] = value;
  }
  return { ...query, ...((body as Record<string, unknown> | undefined) ?? {}), ...params };
}

function validate(schema: z.ZodType, input: unknown, route: ApiRoute): unknown {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ path: i.path, message: i.message }));
  throw new AgentvisorError(
    'INPUT_INVALID',
    `${route.method} ${API_PREFIX}${route.path}: ${issues
      .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(input)'}: ${i.message}`)
      .join('; ')}`,
    { details: { issues } },
  );
}

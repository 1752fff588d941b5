/**
 * @module The OpenAPI 3.1 document of `/api/v1`, generated from the route declarations and the
 * zod schemas they name (an operation's arguments, or the route's own input and output). There is
 * no hand-written schema to drift from the code.
 */
import { z } from 'zod';
import type { AgentvisorSystem } from '../../system/index.js';
import type { ApiRoute } from './api-route.js';
import { API_PREFIX, routeSchema } from './api-router.js';
import { inputJsonSchema, type JsonSchema } from './input-shape.js';

const ERROR_RESPONSES: Record<string, string> = {
  '400': 'Invalid input: `details.issues` names each bad field',
  '401': 'No credentials, or they are wrong or expired',
  '403': 'The role is too weak, the CSRF token is missing, or a policy refused',
  '404': 'No such resource',
  '409': 'Conflicts with the current state',
  '429': 'Rate limited or over budget; `Retry-After` says when to retry',
};

/** Builds the document for these routes. */
export function openApiDocument(
  system: AgentvisorSystem,
  routes: readonly ApiRoute[],
  version: string,
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const tags = new Set<string>();
  for (const route of routes) {
    tags.add(route.tag);
    const schema = routeSchema(system, route);
    const input: JsonSchema = schema === undefined ? { type: 'object' } : inputJsonSchema(schema);
    const properties = { ...(input.properties ?? {}) };
    const required = new Set(input.required ?? []);
    const parameters: Record<string, unknown>[] = [];
    const path = route.path.replace(/:([A-Za-z_]+)/g, (_m, name: string) => {
      const field = route.params?.[name] ?? name;
      parameters.push({
        name,
        in: 'path',
        required: true,
        schema: properties[field] ?? { type: 'string' },
      });
      delete properties[field];
      required.delete(field);
      return `{${name}}`;
    });
    const rest = Object.keys(properties);
    let requestBody: Record<string, unknown> | undefined;
    if (route.method === 'GET' || route.method === 'DELETE') {
      for (const name of rest) {
        parameters.push({
          name,
          in: 'query',
          required: required.has(name),
          schema: properties[name],
        });
      }
    } else if (rest.length > 0) {
      const body: JsonSchema = { type: 'object', properties, additionalProperties: false };
      if (required.size > 0) body.required = [...required];
      requestBody = {
        required: required.size > 0,
        content: { 'application/json': { schema: body } },
      };
    }
    const status = String(route.status ?? 200);
    const success =
      status === '204'
        ? { description: 'Done' }
        : {
            description: 'Success',
            content: {
              [route.produces ?? 'application/json']: {
                schema:
                  route.output === undefined
                    ? {}
                    : stripMeta(
                        z.toJSONSchema(route.output, {
                          io: 'output',
                          unrepresentable: 'any',
                        }) as JsonSchema,
                      ),
              },
            },
          };
    const responses: Record<string, unknown> = { [status]: success };
    for (const [code, description] of Object.entries(ERROR_RESPONSES)) {
      if (route.role === 'public' && (code === '403' || code === '401') && route.method === 'GET') {
        continue;
      }
      responses[code] = {
        description,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    const operation: Record<string, unknown> = {
      operationId: operationId(route),
      summary: route.summary,
      tags: [route.tag],
      parameters,
      responses,
      security: route.role === 'public' ? [] : [{ session: [] }, { bearer: [] }],
      'x-required-role': route.role,
    };
    if (route.op !== undefined) {
      operation['x-kernel-operation'] = route.op;
      const op = system.kernel.operations().find((o) => o.name === route.op);
      if (op !== undefined) operation['description'] = op.description;
    }
    if (requestBody !== undefined) operation['requestBody'] = requestBody;
    const key = `${API_PREFIX}${path}`;
    paths[key] ??= {};
    paths[key][route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Agentvisor API',
      version,
      description:
        'Every state-changing call is a kernel operation recorded in the signed ledger under the caller. Browsers sign in with POST /api/v1/session and send the returned csrfToken as `x-csrf-token` on every change; programs send `Authorization: Bearer <API key>`. Live events: WebSocket at /api/v1/stream.',
    },
    tags: [...tags].sort().map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'av_session' },
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key with a role (avk_...)' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['code', 'message'],
          properties: {
            code: { type: 'string', description: 'Stable error code, e.g. INPUT_INVALID' },
            message: { type: 'string', description: 'What was wrong and what to do' },
            details: { type: 'object', additionalProperties: true },
          },
        },
      },
    },
  };
}

function stripMeta(schema: JsonSchema): JsonSchema {
  const { $schema: _, ...rest } = schema;
  return rest;
}

function operationId(route: ApiRoute): string {
  const words = route.path
    .split('/')
    .filter((p) => p !== '')
    .map((p) => (p.startsWith(':') ? `by-${p.slice(1)}` : p));
  return [route.method.toLowerCase(), ...words]
    .join('-')
    .replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

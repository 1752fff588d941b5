/**
 * @module The REST API under `/api/v1`: declared routes (each a kernel operation or a read with
 * a zod input), users' sessions with CSRF tokens, API keys with roles, security headers, CORS
 * closed unless origins are configured, the generated OpenAPI 3.1 document and its reference page.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AgentSupervision, AgentvisorSystem } from '../../system/index.js';
import { accessRoutes } from './access-routes.js';
import { agentRoutes } from './agent-routes.js';
import { alertRoutes } from './alert-routes.js';
import { type ApiAuthenticator, createApiAuthenticator } from './api-auth.js';
import { type ApiRoute, apiRoute } from './api-route.js';
import { registerApiRoutes } from './api-router.js';
import { conversationRoutes } from './conversation-routes.js';
import { governanceRoutes } from './governance-routes.js';
import { ledgerRoutes } from './ledger-routes.js';
import { logRoutes } from './log-routes.js';
import { openApiDocument } from './openapi-document.js';
import { registerReferencePage } from './reference-page.js';
import { RequestLimits } from './request-limits.js';
import { sessionRoutes } from './session-routes.js';
import { systemRoutes } from './system-routes.js';
import { usageRoutes } from './usage-routes.js';
import { workRoutes } from './work-routes.js';

export {
  type ApiAuthenticator,
  checkCsrf,
  createApiAuthenticator,
  SESSION_COOKIE,
} from './api-auth.js';
export type { ApiCaller, ApiCredential } from './api-caller.js';
export { type ApiContext, type ApiMethod, type ApiRoute, apiRoute } from './api-route.js';
export { API_PREFIX, registerApiRoutes, routeSchema } from './api-router.js';
export { ledgerRoutes } from './ledger-routes.js';
export { openApiDocument } from './openapi-document.js';
export { usageRoutes } from './usage-routes.js';
export { VerifyJobs, type VerifyJobView } from './verify-jobs.js';

/** What {@link registerApi} needs. */
export interface ApiOptions {
  readonly system: AgentvisorSystem;
  /** Supervision mounts the agent routes, the compliance report and agents in the status. */
  readonly supervision?: AgentSupervision;
  /** The node's operator token, accepted as an admin credential (the CLI). */
  readonly operatorToken?: string;
  /** Routes added by other modules (ledger, usage, conversations). */
  readonly extraRoutes?: readonly ApiRoute[];
  /** The package version, for the OpenAPI document. */
  readonly version?: string;
}

/** Every route of the API for a system (without the extra ones). */
export function apiRoutes(supervision: AgentSupervision | undefined): ApiRoute[] {
  return [
    ...sessionRoutes(),
    ...systemRoutes(supervision),
    ...(supervision === undefined ? [] : agentRoutes(supervision)),
    ...workRoutes(),
    ...governanceRoutes(supervision),
    ...accessRoutes(),
    ...conversationRoutes(),
    ...ledgerRoutes(),
    ...usageRoutes(),
    ...logRoutes(),
    ...alertRoutes(),
  ];
}

/**
 * Registers the API on an app and returns the authenticator (the WebSocket stream uses the same).
 *
 * @example
 * const authenticate = await registerApi(app, { system, supervision, operatorToken });
 */
export async function registerApi(
  app: FastifyInstance,
  options: ApiOptions,
): Promise<ApiAuthenticator> {
  const { system } = options;
  await app.register(fastifyCookie);
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        // Component libraries set style attributes at run time.
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:', 'blob:'],
        'font-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'self'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
      },
    },
    // Plain HTTP on loopback is the default; HSTS would only matter behind TLS.
    strictTransportSecurity: false,
  });
  const origins = system.config.server.allowed_origins;
  await app.register(fastifyCors, {
    // Closed unless configured: a browser page from elsewhere gets no CORS headers at all.
    origin: origins.length === 0 ? false : origins,
    credentials: true,
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['content-type', 'authorization', 'x-csrf-token'],
  });

  const limits = new RequestLimits(
    system.config.rate_limits,
    system.gatewaySystem.redis,
    system.config.redis?.key_prefix,
  );
  const authenticate = createApiAuthenticator(system, options.operatorToken);
  const routes = [...apiRoutes(options.supervision), ...(options.extraRoutes ?? [])];
  let document: Record<string, unknown> | undefined;
  routes.push(
    apiRoute({
      method: 'GET',
      path: '/openapi.json',
      summary: 'This OpenAPI 3.1 document',
      tag: 'System',
      role: 'viewer',
      input: z.object({}).strict(),
      handle: () => {
        document ??= openApiDocument(system, routes, options.version ?? '0.0.0');
        return document;
      },
    }),
  );
  await registerApiRoutes(app, { system, routes, authenticate, limits });
  registerReferencePage(app);
  return authenticate;
}

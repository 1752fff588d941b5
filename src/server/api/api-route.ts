/**
 * @module One `/api/v1` route, declared as data: method, path, the role it needs, and either the
 * kernel operation it calls (whose zod argument schema is then the route's request schema) or a
 * zod input schema and a handler. The router, the OpenAPI document and the tests all read the
 * same declarations, so no schema is ever written twice.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Role } from '../../auth/index.js';
import type { AgentvisorSystem } from '../../system/index.js';
import type { ApiCaller } from './api-caller.js';
import type { RequestLimits } from './request-limits.js';

/** HTTP methods the API uses. */
export type ApiMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** What a handler gets besides its validated input. */
export interface ApiContext {
  readonly system: AgentvisorSystem;
  /** The authenticated caller; undefined only on `public` routes. */
  readonly caller: ApiCaller | undefined;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  /** The API's request and sign-in limits. */
  readonly limits: RequestLimits;
  /** Runs a kernel operation as the caller and returns its result. */
  call<R = unknown>(op: string, args: unknown): Promise<R>;
}

/** A route's declaration. */
export interface ApiRoute<I = unknown> {
  readonly method: ApiMethod;
  /** Path under `/api/v1`, Fastify style: `/agents/:name`. */
  readonly path: string;
  /** One line for the reference page. */
  readonly summary: string;
  /** Group in the reference page. */
  readonly tag: string;
  /** The weakest role allowed; `public` routes need no credentials (login, setup). */
  readonly role: Role | 'public';
  /**
   * The kernel operation the route calls. Its argument schema is the request schema; without a
   * `handle`, the route answers with the operation's result.
   */
  readonly op?: string;
  /** The request schema of a route without `op` (path params, query and body merged). */
  readonly input?: z.ZodType<I>;
  /** The response schema, when the code has one (documented; not re-validated at run time). */
  readonly output?: z.ZodType;
  /** Path params renamed into input fields: `{ name: 'agent' }` sends `:name` as `agent`. */
  readonly params?: Readonly<Record<string, string>>;
  /** Success status (default 200). */
  readonly status?: number;
  /** Content type of a non-JSON success answer (HTML, NDJSON). */
  readonly produces?: string;
  /** Custom handling; gets the validated input. */
  readonly handle?: (ctx: ApiContext, input: I) => unknown | Promise<unknown>;
}

/**
 * Declares a route with its input type inferred from `input`.
 *
 * @example
 * apiRoute({ method: 'GET', path: '/agents', summary: 'List agents', tag: 'Agents',
 *   role: 'viewer', input: z.object({}), handle: ({ system }) => ... });
 */
export function apiRoute<I>(route: ApiRoute<I>): ApiRoute {
  // The router validates with `input` before calling `handle`, so the input really is an I.
  return route as unknown as ApiRoute;
}

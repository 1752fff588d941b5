/**
 * @module Authentication for `/api/v1` and the stream: a browser's session cookie, an API key
 * with a role (`Authorization: Bearer avk_...`), or the local operator's token (the CLI). One
 * function answers "who is this", so the REST routes and the WebSocket agree.
 */
import { timingSafeEqual } from 'node:crypto';
import type {} from '@fastify/cookie';
import type { FastifyRequest } from 'fastify';
import { API_KEY_PREFIX, type Role, SESSION_TOKEN_PREFIX } from '../../auth/index.js';
import { AgentvisorError } from '../../core/index.js';
import { type AgentvisorSystem, OPERATOR_TOKEN_PREFIX } from '../../system/index.js';
import { authenticateOperator } from '../operator-auth.js';
import type { ApiCaller } from './api-caller.js';

/** The session cookie's name. */
export const SESSION_COOKIE = 'av_session';

/** Resolves a request to its caller, or throws UNAUTHENTICATED saying what to send. */
export type ApiAuthenticator = (request: FastifyRequest) => Promise<ApiCaller>;

/** Builds the authenticator for a system (and the node's operator token, when it has one). */
export function createApiAuthenticator(
  system: AgentvisorSystem,
  operatorToken: string | undefined,
): ApiAuthenticator {
  return async (request) => {
    const bearer = bearerOf(request);
    if (bearer !== undefined) {
      if (bearer.startsWith(OPERATOR_TOKEN_PREFIX) && operatorToken !== undefined) {
        const { caller } = authenticateOperator(request, operatorToken);
        const ref = system.access.callerForRole('human', caller.id, caller.id, 'admin');
        return { caller: ref, role: 'admin', credential: 'operator', display: caller.id };
      }
      if (bearer.startsWith(API_KEY_PREFIX)) {
        const key = await system.apiKeys.authenticate(bearer);
        if (key === undefined) {
          throw new AgentvisorError('UNAUTHENTICATED', 'unknown or revoked API key');
        }
        if (key.role === null) {
          throw new AgentvisorError(
            'FORBIDDEN',
            `API key "${key.name}" belongs to an agent and only works on the model and webhook endpoints; create a key with a role: agentvisor apikey create --name NAME --role viewer|operator|admin`,
          );
        }
        const ref = system.access.callerForRole('apikey', key.id, key.name, key.role as Role);
        return { caller: ref, role: key.role as Role, credential: 'apikey', display: key.name };
      }
      throw new AgentvisorError(
        'UNAUTHENTICATED',
        'unrecognised bearer token: send an API key (avk_...) or sign in for a session cookie',
      );
    }
    const cookie = request.cookies?.[SESSION_COOKIE];
    if (typeof cookie === 'string' && cookie.startsWith(SESSION_TOKEN_PREFIX)) {
      const session = await system.access.sessions.resolve(cookie);
      if (session !== undefined) {
        return {
          caller: system.access.callerFor(session.user),
          role: session.user.role,
          credential: 'session',
          display: session.user.email,
          sessionId: session.id,
          csrfToken: session.csrfToken,
        };
      }
      throw new AgentvisorError('UNAUTHENTICATED', 'your session has ended; sign in again');
    }
    throw new AgentvisorError(
      'UNAUTHENTICATED',
      'sign in (POST /api/v1/session) or send "Authorization: Bearer <API key>"',
    );
  };
}

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string' || header === '') return undefined;
  if (!header.startsWith('Bearer ')) {
    throw new AgentvisorError('UNAUTHENTICATED', 'Authorization: expected "Bearer <token>"');
  }
  return header.slice(7).trim();
}

/**
 * The CSRF check for cookie sessions: state-changing requests must echo the session's token.
 * API keys and the operator token are not sent by browsers on their own, so they need none.
 */
export function checkCsrf(request: FastifyRequest, caller: ApiCaller): void {
  if (caller.credential !== 'session' || request.method === 'GET' || request.method === 'HEAD') {
    return;
  }
  const sent = request.headers['x-csrf-token'];
  const expected = caller.csrfToken ?? '';
  const ok =
    typeof sent === 'string' &&
    sent.length === expected.length &&
    timingSafeEqual(Buffer.from(sent), Buffer.from(expected));
  if (!ok) {
    throw new AgentvisorError(
      'FORBIDDEN',
      'missing or wrong x-csrf-token header: send the csrfToken from GET /api/v1/session with every change',
    );
  }
}

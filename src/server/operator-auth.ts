/**
 * @module Operator authentication: the local operator's token (from `<data dir>/node.json`,
 * written by `agentvisor start`) as `Authorization: Bearer avo_...`. The operator acts as the
 * human named in `x-agentvisor-operator` (the CLI sends the login name), with the admin role;
 * what they do is recorded in the ledger under that name.
 */
import type { FastifyRequest } from 'fastify';
import { AgentvisorError, type CallerRef } from '../core/index.js';
import {
  type AgentvisorSystem,
  OPERATOR_CAPABILITIES,
  OPERATOR_TOKEN_PREFIX,
  operatorTokenMatches,
} from '../system/index.js';

const NAME = /^[A-Za-z0-9._@-]{1,64}$/;

/** The human an operator request acts as. */
export interface OperatorCaller {
  readonly caller: CallerRef & { kind: 'human' };
  readonly roles: readonly string[];
}

/**
 * Checks the request's operator token. Throws UNAUTHENTICATED with what to send when it is
 * missing or wrong, and INPUT_INVALID for a malformed operator name.
 */
export function authenticateOperator(request: FastifyRequest, token: string): OperatorCaller {
  const header = request.headers.authorization;
  const presented =
    typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7).trim() : '';
  if (!presented.startsWith(OPERATOR_TOKEN_PREFIX)) {
    throw new AgentvisorError(
      'UNAUTHENTICATED',
      'this endpoint needs the operator token: send "Authorization: Bearer avo_..." (the CLI reads it from <data dir>/node.json)',
    );
  }
  if (!operatorTokenMatches(presented, token)) {
    throw new AgentvisorError(
      'UNAUTHENTICATED',
      'wrong operator token (the node writes a new one to <data dir>/node.json on every start)',
    );
  }
  const named = request.headers['x-agentvisor-operator'];
  const name = typeof named === 'string' && named !== '' ? named : 'operator';
  if (!NAME.test(name)) {
    throw new AgentvisorError(
      'INPUT_INVALID',
      'x-agentvisor-operator: expected 1 to 64 letters, digits, ".", "_", "@" or "-"',
    );
  }
  return { caller: { kind: 'human', id: name }, roles: ['admin'] };
}

/**
 * Runs kernel operations as the operator a request authenticates: the operator becomes a known
 * principal (with the operator's capabilities) and each call is recorded in their name.
 *
 * @example
 * const call = operatorCalls(system, token);
 * app.get('/v1/policy', (request) => call(request, 'policy.list', {}));
 */
export function operatorCalls(
  system: AgentvisorSystem,
  token: string,
): {
  authenticate(request: FastifyRequest): CallerRef;
  call<R>(request: FastifyRequest, op: string, args: unknown): Promise<R>;
} {
  const authenticate = (request: FastifyRequest) => {
    const { caller } = authenticateOperator(request, token);
    system.principals.register({
      ...caller,
      name: caller.id,
      capabilities: new Set(OPERATOR_CAPABILITIES),
    });
    return caller;
  };
  return {
    authenticate,
    async call<R>(request: FastifyRequest, op: string, args: unknown): Promise<R> {
      return (await system.kernel.call<R>(authenticate(request), op, args)).result;
    },
  };
}

/** A request body as an object; anything else is left for the operation's schema to refuse. */
export function objectBody(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : { body };
}

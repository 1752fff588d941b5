/**
 * @module Errors in the caller's own wire format. The gateway endpoints speak OpenAI and
 * Anthropic, whose official SDKs only surface a useful error when the body has their shape, so
 * every failure on those routes (ours, the kernel's, Fastify's body parser's) is turned into an
 * {@link AgentvisorError} first, which fixes the HTTP status through the central error map, and
 * then rendered as `{ error: { message, type, code, param } }` (OpenAI) or
 * `{ type: 'error', error: { type, message } }` (Anthropic).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AgentvisorError, toAgentvisorError } from '../core/index.js';

/** Which wire format a caller speaks. */
export type CallerFormat = 'openai' | 'anthropic';

/**
 * Normalises anything a gateway route can throw. Fastify's own client errors (invalid JSON, an
 * empty JSON body, an unsupported media type) carry a 4xx `statusCode`; an oversized body is 413.
 */
export function toCallerError(error: unknown, maxBodyBytes: number): AgentvisorError {
  if (error instanceof AgentvisorError) return error;
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  if (statusCode === 413) {
    return new AgentvisorError(
      'PAYLOAD_TOO_LARGE',
      `request body is larger than the ${maxBodyBytes} bytes this endpoint accepts`,
      { details: { maxBodyBytes } },
    );
  }
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return new AgentvisorError('INPUT_INVALID', (error as Error).message);
  }
  return toAgentvisorError(error);
}

/** OpenAI's `error.type` for a status. */
function openAIErrorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** Anthropic's `error.type` for a status (their documented set). */
function anthropicErrorType(status: number): string {
  switch (status) {
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/** The error body a caller of `format` expects. `code` is our stable error code. */
export function callerErrorBody(format: CallerFormat, error: AgentvisorError): object {
  const status = error.status;
  return format === 'openai'
    ? {
        error: {
          message: error.message,
          type: openAIErrorType(status),
          code: error.code,
          param: null,
        },
      }
    : { type: 'error', error: { type: anthropicErrorType(status), message: error.message } };
}

/**
 * `Retry-After` in whole seconds (at least 1, as the header has no fractions) for errors that
 * carry `details.retryAfterMs`: rate limits and budgets.
 */
export function retryAfterSeconds(error: AgentvisorError): number | undefined {
  const ms = error.details?.['retryAfterMs'];
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return undefined;
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * Sends `error` in the caller's format with its mapped status, `Retry-After` when it has one,
 * and the request id. Internal errors are logged (asynchronously, by pino) with their cause; the
 * caller sees only the generic message.
 */
export function sendCallerError(
  request: FastifyRequest,
  reply: FastifyReply,
  format: CallerFormat,
  error: AgentvisorError,
): FastifyReply {
  if (error.code === 'INTERNAL') request.log.error({ err: error.cause }, 'gateway request failed');
  const retryAfter = retryAfterSeconds(error);
  if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
  return reply
    .status(error.status)
    .header('x-request-id', request.id)
    .send(callerErrorBody(format, error));
}

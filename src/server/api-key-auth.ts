/**
 * @module API-key authentication for the HTTP API: the key from `Authorization: Bearer …` or
 * `x-api-key`, checked against the key store, and the kernel principal it acts as
 * (`apikey:<id>`, holding {@link API_KEY_CAPABILITIES}). Callers are cached per key record, so a
 * hot path pays for principal registration once per key, not per request.
 */
import type { FastifyRequest } from 'fastify';
import type { ApiKeyRecord, ApiKeyStore } from '../auth/index.js';
import { AgentvisorError, type CallerRef } from '../core/index.js';
import type { PrincipalDirectory } from '../system/index.js';

/**
 * What an API key principal may do: call models (`llm.use`) and deliver webhooks to agents
 * (`agent.webhook`), nothing else.
 */
export const API_KEY_CAPABILITIES: ReadonlySet<string> = new Set(['llm.use', 'agent.webhook']);

/** Who the kernel sees for calls made with an API key. */
export interface ApiCaller {
  readonly record: ApiKeyRecord;
  readonly caller: CallerRef;
  readonly context: { apiKeyId: string; apiKeyName: string; agentId?: string };
}

export const MISSING_KEY = new AgentvisorError(
  'UNAUTHENTICATED',
  'missing API key: send "Authorization: Bearer avk_..." or "x-api-key: avk_..."',
);
export const BAD_KEY = new AgentvisorError('UNAUTHENTICATED', 'invalid or revoked API key');

/** Authenticates requests and turns key records into registered kernel callers. */
export class ApiKeyCallers {
  readonly #principals: PrincipalDirectory;
  readonly #apiKeys: ApiKeyStore;
  readonly #callers = new Map<string, ApiCaller>();

  constructor(principals: PrincipalDirectory, apiKeys: ApiKeyStore) {
    this.#principals = principals;
    this.#apiKeys = apiKeys;
  }

  /** The caller of a request, or UNAUTHENTICATED (missing, invalid or revoked key). */
  async authenticate(request: FastifyRequest): Promise<ApiCaller> {
    const secret = secretOf(request);
    if (secret === undefined) throw MISSING_KEY;
    const record = await this.#apiKeys.authenticate(secret);
    if (record === undefined) throw BAD_KEY;
    return this.callerFor(record);
  }

  /**
   * The caller of a key record: the principal registration, caller ref and context are built
   * once per record (the key store hands out the same record object while it caches it).
   */
  callerFor(record: ApiKeyRecord): ApiCaller {
    const known = this.#callers.get(record.id);
    if (known !== undefined && known.record === record) return known;
    this.#principals.register({
      kind: 'apikey',
      id: record.id,
      name: record.name,
      capabilities: API_KEY_CAPABILITIES,
    });
    const made: ApiCaller = {
      record,
      caller: { kind: 'apikey', id: record.id },
      context:
        record.agent_id === null
          ? { apiKeyId: record.id, apiKeyName: record.name }
          : { apiKeyId: record.id, apiKeyName: record.name, agentId: record.agent_id },
    };
    this.#callers.set(record.id, made);
    return made;
  }
}

/** The API key from `Authorization: Bearer ...` (OpenAI clients) or `x-api-key` (Anthropic). */
export function secretOf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  const authorization = request.headers.authorization;
  if (authorization !== undefined && authorization.length > 7) {
    // The scheme is case-insensitive (RFC 9110).
    if (authorization.slice(0, 7).toLowerCase() === 'bearer ') return authorization.slice(7).trim();
  }
  return undefined;
}

/**
 * @module API keys: how programs (and, later, people's scripts) authenticate to Agentvisor's
 * HTTP endpoints. A key is shown once at creation; only its SHA-256 is stored, so a copy of the
 * database yields no usable key. Keys map to an identity (optionally an agent) with its own
 * rate limits and budgets.
 */
import { createHash, randomBytes } from 'node:crypto';
import { AgentvisorError, type Clock, isoTime, newId, systemClock } from '../core/index.js';
import type { ApiKeyTable, Store } from '../store/index.js';
import type { Role } from './roles.js';

/** Prefix of every Agentvisor API key, so secret scanners and people can recognise them. */
export const API_KEY_PREFIX = 'avk_';

/** A key as listed: never the secret. */
export type ApiKeyRecord = Omit<ApiKeyTable, 'key_hash'>;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Every column but the hash: what listing, revoking and authenticating return. */
const PUBLIC_COLUMNS = [
  'id',
  'name',
  'prefix',
  'agent_id',
  'created_at',
  'created_by',
  'revoked_at',
  'last_used_at',
  'role',
] as const;

function hashKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/**
 * Creates, lists, revokes and checks API keys.
 *
 * @example
 * const keys = new ApiKeyStore(store);
 * const { secret } = await keys.create({ name: 'ci', createdBy: 'human:alice' });
 * const record = await keys.authenticate(secret);
 */
export class ApiKeyStore {
  readonly #store: Store;
  readonly #clock: Clock;
  // Recently seen keys, so the hot path of an API call is a map lookup, not a query.
  readonly #cache = new Map<string, { record: ApiKeyRecord; until: number }>();

  constructor(store: Store, clock: Clock = systemClock) {
    this.#store = store;
    this.#clock = clock;
  }

  /** Creates a key; the secret is in the result and nowhere else. */
  async create(input: {
    name: string;
    agentId?: string | null;
    /** A human role for a key held by a person or program; omitted for an agent's key. */
    role?: Role | null;
    createdBy: string;
  }): Promise<{ record: ApiKeyRecord; secret: string }> {
    if ((input.agentId ?? null) !== null && (input.role ?? null) !== null) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        'a key acts either as an agent (agent) or with a human role (role), not both',
      );
    }
    if (typeof input.name !== 'string' || !NAME.test(input.name)) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `name: expected 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit; got ${JSON.stringify(input.name)}`,
      );
    }
    const existing = await this.#store.db
      .selectFrom('api_keys')
      .select('id')
      .where('name', '=', input.name)
      .executeTakeFirst();
    if (existing !== undefined)
      throw new AgentvisorError(
        'CONFLICT',
        `an API key named "${input.name}" already exists; revoke it or choose another name`,
      );
    const secret = `${API_KEY_PREFIX}${randomBytes(24).toString('base64url')}`;
    const row: ApiKeyTable = {
      id: newId(this.#clock),
      name: input.name,
      key_hash: hashKey(secret),
      prefix: secret.slice(0, API_KEY_PREFIX.length + 6),
      agent_id: input.agentId ?? null,
      created_at: isoTime(this.#clock),
      created_by: input.createdBy,
      revoked_at: null,
      last_used_at: null,
      role: input.role ?? null,
    };
    await this.#store.db.insertInto('api_keys').values(row).execute();
    const { key_hash: _, ...record } = row;
    return { record, secret };
  }

  /** Every key, newest first. */
  async list(): Promise<ApiKeyRecord[]> {
    return this.#store.db
      .selectFrom('api_keys')
      .select(PUBLIC_COLUMNS)
      .orderBy('created_at', 'desc')
      .execute();
  }

  /** Revokes a key by name or id; its next use is refused. */
  async revoke(nameOrId: string): Promise<ApiKeyRecord> {
    const row = await this.#store.db
      .selectFrom('api_keys')
      .select(PUBLIC_COLUMNS)
      .where((eb) => eb.or([eb('name', '=', nameOrId), eb('id', '=', nameOrId)]))
      .executeTakeFirst();
    if (row === undefined)
      throw new AgentvisorError('NOT_FOUND', `no API key named or with id "${nameOrId}"`);
    if (row.revoked_at !== null) return row;
    const revokedAt = isoTime(this.#clock);
    await this.#store.db
      .updateTable('api_keys')
      .set({ revoked_at: revokedAt })
      .where('id', '=', row.id)
      .execute();
    this.#cache.clear();
    return { ...row, revoked_at: revokedAt };
  }

  /**
   * The key's record when `secret` is a valid, unrevoked key; undefined otherwise. Revocation
   * takes effect within one second on other nodes (the cache's lifetime), at once on this one.
   */
  async authenticate(secret: string): Promise<ApiKeyRecord | undefined> {
    if (typeof secret !== 'string' || !secret.startsWith(API_KEY_PREFIX) || secret.length > 128)
      return undefined;
    const hash = hashKey(secret);
    const now = this.#clock.now();
    const cached = this.#cache.get(hash);
    if (cached !== undefined && cached.until > now) return cached.record;
    const row = await this.#store.db
      .selectFrom('api_keys')
      .select(PUBLIC_COLUMNS)
      .where('key_hash', '=', hash)
      .executeTakeFirst();
    if (row === undefined || row.revoked_at !== null) {
      this.#cache.delete(hash);
      return undefined;
    }
    this.#cache.set(hash, { record: row, until: now + 1000 });
    if (row.last_used_at === null || Date.parse(row.last_used_at) < now - 60_000) {
      // At most once a minute per key, off the request path.
      void this.#store.db
        .updateTable('api_keys')
        .set({ last_used_at: isoTime(this.#clock) })
        .where('id', '=', row.id)
        .execute()
        .catch(() => {});
    }
    return row;
  }
}

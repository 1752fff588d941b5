/**
 * @module Agent identities (seed 003, "Identity System"). The first start of a named agent
 * creates its identity: a UUIDv7 id (or the configured one), an Ed25519 keypair whose private
 * half is sealed by the keyring, who created it and when. Later starts find the same identity,
 * so an agent keeps its id and key across restarts; only the digest of its definition moves.
 * The key signs what the agent sends over IPC so the kernel can tell who is calling.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign as signBytes,
  verify as verifyBytes,
} from 'node:crypto';
import type { Transaction } from 'kysely';
import {
  type AgentConfig,
  AgentvisorError,
  type Clock,
  isoTime,
  newId,
  systemClock,
} from '../../core/index.js';
import { canonicalJson } from '../../ledger/index.js';
import type { AgentTable, Database, Store } from '../../store/index.js';

/**
 * What seals and opens private keys at rest. The ledger's `Keyring` is one (AES-256-GCM under a
 * key from a passphrase or a 0600 key file); tests may pass another.
 */
export interface SecretSealer {
  encrypt(secret: Uint8Array): string;
  decrypt(sealed: string): Buffer;
}

/** Lifecycle states of an agent (seed 003 `LifecycleState`). */
export const AGENT_STATES = [
  'initializing',
  'ready',
  'running',
  'suspended',
  'terminating',
  'terminated',
] as const;
export type AgentState = (typeof AGENT_STATES)[number];

/** An agent's public identity; the private key never leaves the registry. */
export interface AgentIdentity {
  readonly id: string;
  readonly name: string;
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** See {@link agentKeyId}. */
  readonly keyId: string;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly definitionSha256: string;
  readonly state: AgentState;
  readonly updatedAt: string;
}

/** What {@link AgentRegistry.ensure} found or made. */
export interface EnsureIdentityResult {
  readonly identity: AgentIdentity;
  /** True on the agent's first start. */
  readonly created: boolean;
  /** True when the definition differs from the one recorded at the previous start. */
  readonly definitionChanged: boolean;
}

/** Hex of the first 16 bytes of SHA-256 of the raw public key. */
export function agentKeyId(publicKey: Uint8Array): string {
  return createHash('sha256').update(publicKey).digest().subarray(0, 16).toString('hex');
}

/** Hex SHA-256 of the canonical JSON of an agent definition. */
export function definitionDigest(definition: AgentConfig): string {
  return createHash('sha256').update(canonicalJson(definition)).digest('hex');
}

/**
 * Checks an Ed25519 signature against a raw public key; any malformed input is simply `false`.
 *
 * @example
 * verifyAgentSignature(identity.publicKey, bytes, signature); // true or false
 */
export function verifyAgentSignature(
  publicKey: Uint8Array,
  bytes: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    return verifyBytes(null, bytes, publicKeyObject(publicKey), signature);
  } catch {
    return false;
  }
}

/**
 * Creates, finds and uses agent identities.
 *
 * @example
 * const registry = new AgentRegistry({ store, sealer: keyring });
 * const { identity } = await registry.ensure(config.agents[0], { createdBy: 'human:ops' });
 * const signature = await registry.sign(identity.name, bytes);
 */
export class AgentRegistry {
  readonly #store: Store;
  readonly #sealer: SecretSealer;
  readonly #clock: Clock;
  /** Opened private keys by agent name, so the keyring's AES-GCM runs once per agent. */
  readonly #keys = new Map<string, { id: string; key: KeyObject }>();

  constructor(options: { store: Store; sealer: SecretSealer; clock?: Clock }) {
    this.#store = options.store;
    this.#sealer = options.sealer;
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Returns the agent's identity, creating it on first start. A configured `id` that disagrees
   * with the stored one, or that another agent already holds, is a CONFLICT: identities never
   * change, since the ledger and other agents know the agent by them.
   */
  async ensure(
    definition: AgentConfig,
    options: { createdBy?: string } = {},
  ): Promise<EnsureIdentityResult> {
    const createdBy = options.createdBy ?? 'system';
    if (createdBy.trim() === '') {
      throw new AgentvisorError('INPUT_INVALID', 'createdBy: expected a non-empty actor');
    }
    const digest = definitionDigest(definition);
    return this.#store.writeTransaction(
      async (trx) => {
        const existing = await trx
          .selectFrom('agents')
          .selectAll()
          .where('name', '=', definition.name)
          .executeTakeFirst();
        if (existing !== undefined) {
          if (definition.id !== undefined && definition.id !== existing.id) {
            throw new AgentvisorError(
              'CONFLICT',
              `agent "${definition.name}" already has the identity ${existing.id}, but its definition says id ${definition.id}; an agent's id never changes: remove the id or set it back to ${existing.id}`,
              {
                details: { agent: definition.name, stored: existing.id, configured: definition.id },
              },
            );
          }
          if (existing.definition_sha256 === digest) {
            return { identity: toIdentity(existing), created: false, definitionChanged: false };
          }
          const updated = { definition_sha256: digest, updated_at: isoTime(this.#clock) };
          await trx.updateTable('agents').set(updated).where('id', '=', existing.id).execute();
          return {
            identity: toIdentity({ ...existing, ...updated }),
            created: false,
            definitionChanged: true,
          };
        }
        const id = definition.id ?? newId(this.#clock);
        await assertIdFree(trx, id, definition.name);
        const row = this.#newRow(id, definition.name, createdBy, digest);
        await trx.insertInto('agents').values(row).execute();
        return { identity: toIdentity(row), created: true, definitionChanged: false };
      },
      { lock: 'agents' },
    );
  }

  /** The identity of an agent that has started at least once, or undefined. */
  async find(name: string): Promise<AgentIdentity | undefined> {
    const row = await this.#row(name);
    return row === undefined ? undefined : toIdentity(row);
  }

  /** The identity of an agent; NOT_FOUND when it has never started. */
  async get(name: string): Promise<AgentIdentity> {
    const identity = await this.find(name);
    if (identity === undefined) throw notFound(name);
    return identity;
  }

  /** Every known identity, oldest first. */
  async list(): Promise<AgentIdentity[]> {
    const rows = await this.#store.db
      .selectFrom('agents')
      .selectAll()
      .orderBy('created_at')
      .orderBy('name')
      .execute();
    return rows.map(toIdentity);
  }

  /** Records the agent's lifecycle state. */
  async setState(name: string, state: AgentState): Promise<AgentIdentity> {
    if (!AGENT_STATES.includes(state)) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `state: expected one of ${AGENT_STATES.join(', ')}, got ${JSON.stringify(state)}`,
      );
    }
    const result = await this.#store.db
      .updateTable('agents')
      .set({ state, updated_at: isoTime(this.#clock) })
      .where('name', '=', name)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw notFound(name);
    return this.get(name);
  }

  /** Signs `bytes` with the agent's private key (RFC 8032 Ed25519, 64 bytes). */
  async sign(name: string, bytes: Uint8Array): Promise<Uint8Array> {
    const { key } = await this.#privateKey(name);
    return new Uint8Array(signBytes(null, bytes, key));
  }

  /** True when `signature` over `bytes` was made by the named agent's key. */
  async verify(name: string, bytes: Uint8Array, signature: Uint8Array): Promise<boolean> {
    const identity = await this.get(name);
    return verifyAgentSignature(identity.publicKey, bytes, signature);
  }

  #newRow(id: string, name: string, createdBy: string, digest: string): AgentTable {
    const { privateKey } = generateKeyPairSync('ed25519');
    const jwk = privateKey.export({ format: 'jwk' });
    const raw = Buffer.from(jwk.x!, 'base64url');
    // The 32-byte RFC 8032 seed is the whole secret; the public key is derived from it.
    const seed = Buffer.from(jwk.d!, 'base64url');
    const now = isoTime(this.#clock);
    return {
      id,
      name,
      public_key: raw.toString('base64'),
      key_id: agentKeyId(raw),
      private_key_enc: this.#sealer.encrypt(seed),
      created_by: createdBy,
      created_at: now,
      definition_sha256: digest,
      state: 'initializing',
      updated_at: now,
    };
  }

  async #row(name: string): Promise<AgentTable | undefined> {
    return this.#store.db
      .selectFrom('agents')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
  }

  async #privateKey(name: string): Promise<{ id: string; key: KeyObject }> {
    const row = await this.#row(name);
    if (row === undefined) throw notFound(name);
    const cached = this.#keys.get(name);
    if (cached !== undefined && cached.id === row.id) return cached;
    let seed: Buffer;
    try {
      seed = this.#sealer.decrypt(row.private_key_enc);
    } catch (error) {
      throw new AgentvisorError(
        'KEY_PASSPHRASE_WRONG',
        `cannot decrypt the private key of agent "${name}" (key ${row.key_id}): the keyring's passphrase or key file is not the one it was sealed with; restore that passphrase or key file`,
        { details: { agent: name, keyId: row.key_id }, cause: error },
      );
    }
    let key: KeyObject | undefined;
    let derived = '';
    try {
      key = createPrivateKey({
        key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
        format: 'der',
        type: 'pkcs8',
      });
      derived = Buffer.from(
        createPublicKey(key).export({ format: 'jwk' }).x!,
        'base64url',
      ).toString('base64');
    } catch {
      key = undefined;
    }
    if (key === undefined || derived !== row.public_key) {
      throw new AgentvisorError(
        'KEYRING_INVALID',
        `the stored private key of agent "${name}" does not match its public key ${row.key_id}; the agents table has been altered`,
        { details: { agent: name, keyId: row.key_id } },
      );
    }
    const entry = { id: row.id, key };
    this.#keys.set(name, entry);
    return entry;
  }
}

/** RFC 8410 PKCS#8 wrapping of a 32-byte Ed25519 seed: this DER prefix, then the seed. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

async function assertIdFree(trx: Transaction<Database>, id: string, name: string): Promise<void> {
  const holder = await trx
    .selectFrom('agents')
    .select('name')
    .where('id', '=', id)
    .executeTakeFirst();
  if (holder !== undefined) {
    throw new AgentvisorError(
      'CONFLICT',
      `agent id ${id} already belongs to agent "${holder.name}"; give "${name}" another id or none`,
      { details: { agent: name, id, holder: holder.name } },
    );
  }
}

function publicKeyObject(raw: Uint8Array): KeyObject {
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') },
    format: 'jwk',
  });
}

function notFound(name: string): AgentvisorError {
  return new AgentvisorError(
    'NOT_FOUND',
    `no identity for agent "${name}": it has never been started on this store`,
    { details: { agent: name } },
  );
}

function toIdentity(row: AgentTable): AgentIdentity {
  return {
    id: row.id,
    name: row.name,
    publicKey: new Uint8Array(Buffer.from(row.public_key, 'base64')),
    keyId: row.key_id,
    createdBy: row.created_by,
    createdAt: row.created_at,
    definitionSha256: row.definition_sha256,
    state: row.state as AgentState,
    updatedAt: row.updated_at,
  };
}

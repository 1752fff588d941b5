/**
 * @module The keyring: ledger signing keys, encrypted at rest with AES-256-GCM. The key that
 * encrypts them (the KEK) comes from a passphrase in the environment (scrypt) or, when none is
 * set, from a generated key file with mode 0600 in the data directory. Public keys are stored
 * in the clear; which of them a verifier trusts is decided by the ledger itself (the genesis and
 * rotation entries), never by the keys table, which anyone with database access could edit.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import {
  chmodSync,
  linkSync,
  mkdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { AgentvisorError } from '../core/index.js';
import type { Database, LedgerKeyTable, Store } from '../store/index.js';
import {
  parseAlgorithm,
  type SignatureAlgorithm,
  type SigningKey,
  signingKeyFromSecret,
  type VerifyingKey,
  verifyingKeyFromPublic,
} from './signature-scheme.js';

/** Options for {@link Keyring.open}. */
export interface KeyringOptions {
  store: Store;
  dataDir: string;
  /** Name of the environment variable holding the passphrase. */
  passphraseEnv: string;
  /** Key file used when the passphrase variable is unset, relative to `dataDir`. */
  keyFile: string;
  env?: NodeJS.ProcessEnv;
}

const CHECK_PLAINTEXT = 'agentvisor-keyring-v1';
// scrypt cost: N=2^15, r=8 is the OWASP-recommended minimum; ~50 ms once per process start.
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

/** A stored key as others may see it: no secret. */
export interface PublicKeyRecord {
  readonly keyId: string;
  readonly algorithm: SignatureAlgorithm;
  readonly publicKey: Uint8Array;
  readonly createdAt: string;
  readonly retiredAt: string | null;
}

/**
 * Holds the KEK for this process and turns stored rows into keys.
 *
 * @example
 * const keyring = await Keyring.open({ store, dataDir, passphraseEnv: 'AGENTVISOR_KEY_PASSPHRASE', keyFile: 'keys/keyring.key' });
 * const key = await keyring.signingKey('ed25519:0123456789abcdef');
 */
export class Keyring {
  readonly #store: Store;
  readonly #kek: Buffer;
  readonly mode: 'passphrase' | 'file';

  private constructor(store: Store, kek: Buffer, mode: 'passphrase' | 'file') {
    this.#store = store;
    this.#kek = kek;
    this.mode = mode;
  }

  /** Derives or loads the KEK and checks it against the database before anything is signed. */
  static async open(options: KeyringOptions): Promise<Keyring> {
    const env = options.env ?? process.env;
    const { store } = options;
    const passphrase = env[options.passphraseEnv];
    const meta = await readMeta(store);
    let mode = meta.get('keyring.mode') as 'passphrase' | 'file' | undefined;
    if (mode === undefined)
      mode = passphrase !== undefined && passphrase !== '' ? 'passphrase' : 'file';

    let kek: Buffer;
    if (mode === 'passphrase') {
      if (passphrase === undefined || passphrase === '') {
        throw new AgentvisorError(
          'KEY_PASSPHRASE_WRONG',
          `the ledger keyring is protected by a passphrase: set ${options.passphraseEnv} to unlock it`,
          { details: { env: options.passphraseEnv } },
        );
      }
      let salt = meta.get('keyring.salt');
      if (salt === undefined) {
        salt = await initMeta(store, 'keyring.salt', randomBytes(16).toString('base64'));
      }
      kek = scryptSync(passphrase, Buffer.from(salt, 'base64'), 32, SCRYPT);
    } else {
      kek = loadOrCreateKeyFile(
        path.resolve(options.dataDir, options.keyFile),
        meta.has('keyring.check'),
      );
    }

    const keyring = new Keyring(store, kek, mode);
    const check = meta.get('keyring.check');
    if (check === undefined) {
      await initMeta(store, 'keyring.mode', mode);
      const stored = await initMeta(
        store,
        'keyring.check',
        keyring.encrypt(Buffer.from(CHECK_PLAINTEXT)),
      );
      keyring.#assertCheck(stored, options);
    } else {
      keyring.#assertCheck(check, options);
    }
    return keyring;
  }

  #assertCheck(stored: string, options: KeyringOptions): void {
    let ok = false;
    try {
      ok = this.decrypt(stored).toString() === CHECK_PLAINTEXT;
    } catch {
      ok = false;
    }
    if (!ok) {
      throw new AgentvisorError(
        'KEY_PASSPHRASE_WRONG',
        this.mode === 'passphrase'
          ? `cannot unlock the ledger keyring: the passphrase in ${options.passphraseEnv} is wrong`
          : `cannot unlock the ledger keyring: ${path.resolve(options.dataDir, options.keyFile)} is not the key file this database was created with`,
      );
    }
  }

  /** Encrypts a secret with the KEK: `v1:<iv>:<tag>:<ciphertext>` (base64 parts). */
  encrypt(secret: Uint8Array): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#kek, iv);
    const ct = Buffer.concat([cipher.update(secret), cipher.final()]);
    return [
      'v1',
      iv.toString('base64'),
      cipher.getAuthTag().toString('base64'),
      ct.toString('base64'),
    ].join(':');
  }

  /** Decrypts what {@link encrypt} produced; throws when the KEK is wrong or the text altered. */
  decrypt(text: string): Buffer {
    const [version, iv, tag, ct] = text.split(':');
    if (version !== 'v1' || iv === undefined || tag === undefined || ct === undefined) {
      throw new AgentvisorError('KEYRING_INVALID', 'an encrypted key in the keyring is malformed');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.#kek, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64')), decipher.final()]);
  }

  /** All stored public keys. */
  async publicKeys(): Promise<PublicKeyRecord[]> {
    const rows = await this.#store.db
      .selectFrom('ledger_keys')
      .selectAll()
      .orderBy('created_at')
      .execute();
    return rows.map(toPublicRecord);
  }

  /**
   * Loads and decrypts a signing key. Unknown ids are `KEY_UNKNOWN`. Inside a write transaction,
   * pass it as `db`: on SQLite the transaction holds the only connection, so a query through the
   * store's pool would wait for it forever.
   */
  async signingKey(keyId: string, db: Kysely<Database> = this.#store.db): Promise<SigningKey> {
    const row = await db
      .selectFrom('ledger_keys')
      .selectAll()
      .where('key_id', '=', keyId)
      .executeTakeFirst();
    if (row === undefined) {
      throw new AgentvisorError('KEY_UNKNOWN', `no ledger key with id "${keyId}" in the keyring`, {
        details: { keyId },
      });
    }
    let secret: Buffer;
    try {
      secret = this.decrypt(row.private_key_enc);
    } catch (error) {
      if (error instanceof AgentvisorError) throw error;
      throw new AgentvisorError(
        'KEY_PASSPHRASE_WRONG',
        `cannot decrypt ledger key ${keyId}: wrong passphrase or key file`,
        {
          cause: error,
        },
      );
    }
    const key = signingKeyFromSecret(parseAlgorithm(row.algorithm), secret);
    if (key.keyId !== keyId) {
      throw new AgentvisorError(
        'KEYRING_INVALID',
        `stored key ${keyId} does not match its own public key`,
      );
    }
    return key;
  }

  /** The row to insert for a new key (inserted by the ledger inside its append transaction). */
  rowFor(key: SigningKey, createdAt: string): LedgerKeyTable {
    return {
      key_id: key.keyId,
      algorithm: key.algorithm,
      public_key: Buffer.from(key.publicKey).toString('base64'),
      private_key_enc: this.encrypt(key.secret),
      created_at: createdAt,
      retired_at: null,
    };
  }
}

/** Turns a stored row into a verifying key. */
export function verifyingKeyFromRecord(
  record: Pick<PublicKeyRecord, 'algorithm' | 'publicKey'>,
): VerifyingKey {
  return verifyingKeyFromPublic(record.algorithm, record.publicKey);
}

function toPublicRecord(row: LedgerKeyTable): PublicKeyRecord {
  return {
    keyId: row.key_id,
    algorithm: parseAlgorithm(row.algorithm),
    publicKey: Buffer.from(row.public_key, 'base64'),
    createdAt: row.created_at,
    retiredAt: row.retired_at,
  };
}

async function readMeta(store: Store): Promise<Map<string, string>> {
  const rows = await store.db
    .selectFrom('agentvisor_meta')
    .selectAll()
    .where('key', 'like', 'keyring.%')
    .execute();
  return new Map(rows.map((r) => [r.key, r.value]));
}

/** Inserts a meta value unless another process won the race; returns the value that stuck. */
async function initMeta(store: Store, key: string, value: string): Promise<string> {
  await store.db
    .insertInto('agentvisor_meta')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await store.db
    .selectFrom('agentvisor_meta')
    .select('value')
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
  return row.value;
}

function loadOrCreateKeyFile(file: string, mustExist: boolean): Buffer {
  try {
    const text = readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/.test(text)) {
      throw new AgentvisorError(
        'KEYRING_INVALID',
        `${file} is not an Agentvisor key file (expected 64 hex digits)`,
      );
    }
    const mode = statSync(file).mode & 0o077;
    if (mode !== 0) chmodSync(file, 0o600);
    return Buffer.from(text, 'hex');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (mustExist) {
    throw new AgentvisorError(
      'KEY_PASSPHRASE_WRONG',
      `the ledger keyring key file ${file} is missing; restore it from your backup (without it the signing keys cannot be used)`,
      { details: { file } },
    );
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  // Write a private temp file, then link it into place: the link is atomic, so a process
  // starting at the same moment sees either no file or a complete one, never an empty one.
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temp, file);
    return key;
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateKeyFile(file, true);
    throw error;
  } finally {
    unlinkSync(temp);
  }
}

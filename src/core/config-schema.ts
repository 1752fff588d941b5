/**
 * @module The schema of `agentvisor.yaml`. Every field is validated with zod; objects are strict
 * so a misspelt key is an error naming the allowed keys, not a silently ignored setting.
 * Keys are snake_case, as in the seed specifications and most YAML configs.
 */
import { z } from 'zod';

const port = z.number().int().min(1).max(65_535);
const positiveInt = z.number().int().positive();

/** A ledger anchor: where each signed checkpoint is also written. */
export const anchorConfigSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('file'),
      /** File that every checkpoint note is appended to; put it on another disk or mount. */
      path: z.string().min(1),
    })
    .strict(),
]);

export const storeConfigSchema = z.discriminatedUnion('driver', [
  z
    .object({
      driver: z.literal('sqlite'),
      /** Database file, relative to `data_dir` unless absolute. */
      path: z.string().min(1).default('agentvisor.db'),
    })
    .strict(),
  z
    .object({
      driver: z.literal('postgres'),
      /** Connection URL; `AGENTVISOR_DATABASE_URL` overrides it so secrets stay out of files. */
      url: z.string().min(1).optional(),
      /** Schema holding Agentvisor's tables. */
      schema: z
        .string()
        .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier')
        .default('public'),
      pool_size: positiveInt.max(100).default(10),
    })
    .strict(),
]);

export const ledgerConfigSchema = z
  .object({
    /** The checkpoint origin line (C2SP tlog-checkpoint): names this log. */
    origin: z
      .string()
      .min(1)
      .regex(/^[^\s]+$/, 'no whitespace')
      .default('agentvisor.local/ledger'),
    /** Signature algorithm for new keys. RSA-PSS-2048 is the seed's choice, kept for compatibility. */
    signature: z.enum(['ed25519', 'rsa-pss-2048']).default('ed25519'),
    /** Largest payload accepted, in bytes of canonical JSON. */
    max_payload_bytes: positiveInt.max(16 * 1024 * 1024).default(64 * 1024),
    /** Group commit: most entries written in one transaction. */
    max_batch: positiveInt.max(10_000).default(1024),
    checkpoint: z
      .object({
        every_entries: positiveInt.default(1000),
        every_seconds: positiveInt.default(60),
      })
      .strict()
      .default({ every_entries: 1000, every_seconds: 60 }),
    anchors: z.array(anchorConfigSchema).default([]),
    keyring: z
      .object({
        /** Environment variable holding the passphrase that encrypts private keys at rest. */
        passphrase_env: z.string().min(1).default('AGENTVISOR_KEY_PASSPHRASE'),
        /** Used when the passphrase variable is unset: a generated key file (mode 0600). */
        key_file: z.string().min(1).default('keys/keyring.key'),
      })
      .strict()
      .default({ passphrase_env: 'AGENTVISOR_KEY_PASSPHRASE', key_file: 'keys/keyring.key' }),
  })
  .strict();

export const serverConfigSchema = z
  .object({
    /** Interface to bind. Loopback by default; anything else is an explicit choice. */
    host: z.string().min(1).default('127.0.0.1'),
    port: port.default(7070),
  })
  .strict();

export const logConfigSchema = z
  .object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** `auto` pretty-prints on a TTY and writes JSON otherwise. */
    format: z.enum(['auto', 'json', 'pretty']).default('auto'),
  })
  .strict();

/** The whole of `agentvisor.yaml`. */
export const configSchema = z
  .object({
    /** Where SQLite files, keys and checkpoints live. `--data-dir` and `AGENTVISOR_DATA_DIR` win. */
    data_dir: z.string().min(1).default('.agentvisor'),
    server: serverConfigSchema.default({ host: '127.0.0.1', port: 7070 }),
    store: storeConfigSchema.default({ driver: 'sqlite', path: 'agentvisor.db' }),
    ledger: ledgerConfigSchema.default(ledgerConfigSchema.parse({})),
    log: logConfigSchema.default({ level: 'info', format: 'auto' }),
  })
  .strict();

/** Validated configuration, every default filled in. */
export type AgentvisorConfig = z.infer<typeof configSchema>;
export type StoreConfig = z.infer<typeof storeConfigSchema>;
export type LedgerConfig = z.infer<typeof ledgerConfigSchema>;
export type AnchorConfig = z.infer<typeof anchorConfigSchema>;

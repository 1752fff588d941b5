/**
 * @module The schema of `agentvisor.yaml`. Every field is validated with zod; objects are strict
 * so a misspelt key is an error naming the allowed keys, not a silently ignored setting.
 * Keys are snake_case, as in the seed specifications and most YAML configs.
 */

import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  agentsConfigSchema,
  checkAgentDefinitions,
  mcpServersConfigSchema,
} from './agent-config-schema.js';
import { alertsConfigSchema } from './alerts-config-schema.js';
import { diskConfigSchema } from './disk-config-schema.js';
import { logsConfigSchema } from './logs-config-schema.js';
import { rateLimitsConfigSchema } from './rate-limits-config-schema.js';
import { supervisorConfigSchema, telemetryConfigSchema } from './supervisor-config-schema.js';
import { busConfigSchema, teamConfigSchema } from './team-config-schema.js';

const port = z.number().int().min(1).max(65_535);
const positiveInt = z.number().int().positive();

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' });
/** How long one request to a time-stamping authority or witness may take. */
const anchorTimeout = positiveInt.max(300_000).default(10_000);

/**
 * Checks a C2SP note verifier key `<name>+<8 hex key ID>+<base64(0x04 || Ed25519 key)>` for a
 * tlog-cosignature/v1 witness (c2sp.org/tlog-cosignature): type byte 0x04, a 32-byte key, the
 * key ID matching, and the name equal to the configured witness name.
 */
function witnessKeyProblem(vkey: string, name: string): string | undefined {
  const parts = vkey.split('+');
  const keyName = parts[0] ?? '';
  const keyId = parts[1] ?? '';
  const blob = Buffer.from(parts.slice(2).join('+'), 'base64');
  if (parts.length < 3 || !/^[0-9a-f]{8}$/i.test(keyId)) {
    return 'expected a note verifier key "<name>+<8 hex digits>+<base64 key>"';
  }
  if (blob.length !== 33 || blob[0] !== 0x04) {
    return 'expected an Ed25519 cosignature/v1 key: base64 of the type byte 0x04 and 32 key bytes';
  }
  const id = createHash('sha256')
    .update(Buffer.concat([Buffer.from(`${keyName}\n`), blob]))
    .digest()
    .subarray(0, 4)
    .toString('hex');
  if (id !== keyId.toLowerCase()) {
    return `the key ID ${keyId} does not match the name and key (expected ${id})`;
  }
  if (keyName !== name) return `the key is named "${keyName}" but name is "${name}"`;
  return undefined;
}

/** A ledger anchor: where each signed checkpoint is also written. */
export const anchorConfigSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('file'),
      /** File that every checkpoint note is appended to; put it on another disk or mount. */
      path: z.string().min(1),
    })
    .strict(),
  z
    .object({
      /** An RFC 3161 time-stamping authority: each checkpoint note gets a signed time-stamp. */
      type: z.literal('rfc3161'),
      /** The TSA's URL (HTTP POST of application/timestamp-query). */
      url: httpUrl,
      /** PEM file of the certificate(s) tokens must chain to (the TSA's CA, or the TSA itself). */
      ca_cert: z.string().min(1),
      timeout_ms: anchorTimeout,
    })
    .strict(),
  z
    .object({
      /** A C2SP tlog-witness (c2sp.org/tlog-witness): cosigns each checkpoint it finds consistent. */
      type: z.literal('witness'),
      /** The witness's submission prefix; requests go to `<url>/add-checkpoint`. */
      url: httpUrl,
      /** The witness's key name (c2sp.org/tlog-cosignature). */
      name: z.string().regex(/^[^\s+]+$/, 'expected a key name without spaces or "+"'),
      /** The witness's verifier key, `<name>+<key ID>+<base64(0x04 || Ed25519 public key)>`. */
      public_key: z.string().min(1),
      timeout_ms: anchorTimeout,
    })
    .strict()
    .superRefine((value, ctx) => {
      const problem = witnessKeyProblem(value.public_key, value.name);
      if (problem !== undefined)
        ctx.addIssue({ code: 'custom', path: ['public_key'], message: problem });
    }),
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
    /**
     * Hours between scheduled verifications (incremental from the last verified size, plus every
     * sealed row); 0 turns them off.
     */
    verify_every_hours: z.number().min(0).max(8760).default(24),
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

const nonNegative = z.number().min(0);

/** A model provider the gateway can call. */
export const providerConfigSchema = z
  .object({
    /** Name used in model chains, usage records and metrics. */
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, - and _'),
    kind: z.enum(['anthropic', 'openai', 'gemini', 'openai-compatible']),
    /** API base, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1 for Ollama. */
    base_url: z.url().optional(),
    /** Environment variable holding the key (keys are never written in config files). */
    api_key_env: z.string().min(1).optional(),
    /** Runs locally (Ollama, llama.cpp, vLLM, LM Studio): eligible for the local-only policy. */
    local: z.boolean().default(false),
    /** Per-request timeout. */
    timeout_ms: positiveInt.max(600_000).default(60_000),
  })
  .strict();

/** One step of a model alias's chain. */
export const chainStepSchema = z
  .object({
    provider: z.string().min(1),
    model: z.string().min(1),
  })
  .strict();

/** A model alias: the name callers use, mapped to providers. */
export const modelAliasSchema = z
  .object({
    /** explicit: in order; cost: cheapest first; reliability: best observed success rate first; local: local providers only. */
    policy: z.enum(['explicit', 'cost', 'reliability', 'local']).default('explicit'),
    chain: z.array(chainStepSchema).min(1),
    /** Embedding model alias rather than a chat model. */
    embedding: z.boolean().default(false),
  })
  .strict();

/**
 * The degradation ladder: steps taken in order as budget pressure (the highest spent+reserved
 * fraction of any budget limit) rises, each reversed when it falls again.
 */
export const degradationConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Pressure at which each step is taken; each must be above the one before. */
    downgrade_at: z.number().gt(0).lte(1).default(0.7),
    shrink_at: z.number().gt(0).lte(1).default(0.8),
    pause_at: z.number().gt(0).lte(1).default(0.9),
    override_at: z.number().gt(0).lte(1).default(0.95),
    /** A step is reversed once pressure is this much below where it was taken. */
    hysteresis: z.number().min(0).lt(0.5).default(0.05),
    /** Step 1: model aliases swapped for cheaper ones, e.g. `{ smart: fast }`. */
    cheaper_aliases: z.record(z.string().min(1), z.string().min(1)).default({}),
    /** Step 2: the share of a prompt's conversation kept, and of its output cap. */
    context_factor: z.number().gt(0).lt(1).default(0.5),
    /** Step 3: agents paused, lowest priority first (names). */
    pause_agents: z.array(z.string().min(1)).default([]),
    /** How often pressure is checked, in seconds. */
    check_seconds: z.number().positive().max(3600).default(5),
  })
  .strict()
  .refine(
    (d) => d.downgrade_at < d.shrink_at && d.shrink_at < d.pause_at && d.pause_at < d.override_at,
    {
      message: 'expected downgrade_at < shrink_at < pause_at < override_at',
      path: ['downgrade_at'],
    },
  );

const budgetAction = z.enum(['log', 'warn', 'throttle', 'defer', 'reject', 'shutdown']);

/** A budget (seed 000 ResourceBudget, seed 002 budgets.yaml). */
export const budgetConfigSchema = z
  .object({
    /** `global`, `agent:<id>` or `key:<api key name>`. */
    scope: z
      .string()
      .regex(/^(global|agent:[^\s]+|key:[^\s]+)$/, '"global", "agent:<id>" or "key:<name>"'),
    tokens_per_hour: positiveInt.optional(),
    tokens_per_day: positiveInt.optional(),
    cost_per_day: z.number().positive().optional(),
    cost_per_month: z.number().positive().optional(),
    /** Fractions of each limit at which the warning and critical actions fire. */
    warning_at: z.number().gt(0).lt(1).default(0.8),
    critical_at: z.number().gt(0).lt(1).default(0.95),
    actions: z
      .object({
        warning: budgetAction.default('warn'),
        critical: budgetAction.default('throttle'),
        limit: budgetAction.default('reject'),
      })
      .strict()
      .default({ warning: 'warn', critical: 'throttle', limit: 'reject' }),
    /** Seconds before the same threshold's action fires again. */
    cooldown_seconds: nonNegative.default(300),
  })
  .strict()
  .refine((b) => b.warning_at < b.critical_at, {
    message: 'warning_at must be below critical_at',
    path: ['warning_at'],
  })
  .refine(
    (b) =>
      b.tokens_per_hour !== undefined ||
      b.tokens_per_day !== undefined ||
      b.cost_per_day !== undefined ||
      b.cost_per_month !== undefined,
    {
      message: 'set at least one of tokens_per_hour, tokens_per_day, cost_per_day, cost_per_month',
    },
  );

/** Price of a model in USD per million tokens, overriding the maintained price data. */
export const priceOverrideSchema = z
  .object({
    input_per_mtok: nonNegative,
    output_per_mtok: nonNegative,
    cached_input_per_mtok: nonNegative.optional(),
  })
  .strict();

export const gatewayConfigSchema = z
  .object({
    providers: z.array(providerConfigSchema).default([]),
    /** Model aliases; a request may also name `provider/model` directly. */
    models: z
      .record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/), modelAliasSchema)
      .default({}),
    retry: z
      .object({
        max_attempts: positiveInt.max(10).default(3),
        initial_delay_ms: positiveInt.default(200),
        max_delay_ms: positiveInt.default(10_000),
      })
      .strict()
      .default({ max_attempts: 3, initial_delay_ms: 200, max_delay_ms: 10_000 }),
    circuit_breaker: z
      .object({
        /** Consecutive failures that open the circuit. */
        failure_threshold: positiveInt.default(5),
        /** How long it stays open before one trial call (half-open). */
        half_open_after_ms: positiveInt.default(30_000),
      })
      .strict()
      .default({ failure_threshold: 5, half_open_after_ms: 30_000 }),
    /** Token-bucket limits per agent and per API key (seed 001: burst 30, refill 10/s). */
    rate_limits: z
      .object({
        burst: positiveInt.default(30),
        refill_per_second: z.number().positive().default(10),
        tokens_per_minute: positiveInt.optional(),
      })
      .strict()
      .default({ burst: 30, refill_per_second: 10 }),
    budgets: z.array(budgetConfigSchema).default([]),
    /** What to give up, in order, as spending nears a budget's limit (seed 002 Budget Controls). */
    degradation: degradationConfigSchema.default(degradationConfigSchema.parse({})),
    /** Keyed `provider/model` or `model`. */
    prices: z.record(z.string().min(1), priceOverrideSchema).default({}),
    /** What the ledger keeps of prompts and answers: SHA-256 digests, or the full text. */
    ledger_content: z.enum(['digest', 'full']).default('digest'),
    max_body_bytes: positiveInt.max(64 * 1024 * 1024).default(4 * 1024 * 1024),
  })
  .strict();

export const redisConfigSchema = z
  .object({
    /** Redis URL; `AGENTVISOR_REDIS_URL` overrides it. Shared rate limits and (later) the bus use it. */
    url: z.string().min(1),
    key_prefix: z.string().default('agentvisor:'),
  })
  .strict();

export const serverConfigSchema = z
  .object({
    /** Interface to bind. Loopback by default; anything else is an explicit choice. */
    host: z.string().min(1).default('127.0.0.1'),
    port: port.default(7070),
    /** How long a browser session lasts from sign-in, in hours. */
    session_hours: z.number().positive().max(720).default(12),
    /** Failed logins in a row that lock an account. */
    login_max_failures: z.int().min(1).max(100).default(5),
    /** How long a locked account stays locked, in minutes. */
    lockout_minutes: z.number().positive().max(1440).default(15),
    /**
     * Origins (scheme://host:port) other than the server's own that may call the API from a
     * browser (CORS) and open the WebSocket. Empty: same-origin only.
     */
    allowed_origins: z.array(z.url()).default([]),
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
    server: serverConfigSchema.default(serverConfigSchema.parse({})),
    store: storeConfigSchema.default({ driver: 'sqlite', path: 'agentvisor.db' }),
    ledger: ledgerConfigSchema.default(ledgerConfigSchema.parse({})),
    log: logConfigSchema.default({ level: 'info', format: 'auto' }),
    logs: logsConfigSchema.default(logsConfigSchema.parse({})),
    gateway: gatewayConfigSchema.default(gatewayConfigSchema.parse({})),
    /** Optional: with Redis, several nodes share rate limits (and later the bus and queues). */
    redis: redisConfigSchema.optional(),
    /** MCP servers that agents' `mcp.<server>.*` tools come from. */
    mcp_servers: mcpServersConfigSchema.default({}),
    /** Free space kept on the data directory's disk. */
    disk: diskConfigSchema.default(diskConfigSchema.parse({})),
    /** Requests, messages and sign-ins per minute (seed 002 Rate Limiting). */
    rate_limits: rateLimitsConfigSchema.default(rateLimitsConfigSchema.parse({})),
    /** The agents this node runs; see `agent-config-schema.ts`. */
    agents: agentsConfigSchema.default([]),
    supervisor: supervisorConfigSchema.default(supervisorConfigSchema.parse({})),
    telemetry: telemetryConfigSchema.default({ service_name: 'agentvisor' }),
    team: teamConfigSchema.default(teamConfigSchema.parse({})),
    bus: busConfigSchema.default(busConfigSchema.parse({})),
    /** Alerting rules, notifiers and delivery (issue 9); see `alerts-config-schema.ts`. */
    alerts: alertsConfigSchema.default(alertsConfigSchema.parse({})),
    /**
     * Team memory tiers, retention, duplicates and scope ACLs (seed 002). Validated where team
     * memory is built (memory/ owns the schema; core imports no other module), with errors that
     * name the path under `memory.`.
     */
    memory: z.record(z.string(), z.unknown()).default({}),
    /** Hooks on agents' lifecycles and tool calls; validated by team/hooks with `hooks[i].` paths. */
    hooks: z.array(z.unknown()).default([]),
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const issue of checkAgentDefinitions(c.agents, c.mcp_servers)) {
      ctx.addIssue({ code: 'custom', ...issue });
    }
    const names = new Set(c.gateway.providers.map((p) => p.name));
    c.gateway.providers.forEach((p, i) => {
      if (c.gateway.providers.findIndex((q) => q.name === p.name) !== i) {
        ctx.addIssue({
          code: 'custom',
          path: ['gateway', 'providers', i, 'name'],
          message: `provider name "${p.name}" is used twice`,
        });
      }
      if (p.base_url === undefined && p.kind === 'openai-compatible') {
        ctx.addIssue({
          code: 'custom',
          path: ['gateway', 'providers', i, 'base_url'],
          message: 'base_url is required for an openai-compatible provider',
        });
      }
    });
    for (const [alias, m] of Object.entries(c.gateway.models)) {
      m.chain.forEach((step, i) => {
        if (!names.has(step.provider)) {
          ctx.addIssue({
            code: 'custom',
            path: ['gateway', 'models', alias, 'chain', i, 'provider'],
            message: `unknown provider "${step.provider}"; configured: ${[...names].join(', ') || '(none)'}`,
          });
        }
      });
    }
  });

/** Validated configuration, every default filled in. */
export type AgentvisorConfig = z.infer<typeof configSchema>;
export type StoreConfig = z.infer<typeof storeConfigSchema>;
export type LedgerConfig = z.infer<typeof ledgerConfigSchema>;
export type AnchorConfig = z.infer<typeof anchorConfigSchema>;
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
export type ProviderConfig = z.infer<typeof providerConfigSchema>;
export type ModelAliasConfig = z.infer<typeof modelAliasSchema>;
export type BudgetConfig = z.infer<typeof budgetConfigSchema>;
export type PriceOverride = z.infer<typeof priceOverrideSchema>;

/**
 * @module The first entries of the syscall table: `agent.info`, `telemetry.read`,
 * `ledger.annotate` and `keys.rotate`. Later modules register theirs (`llm.complete`,
 * `tool.call`, `bus.send` ...) the same way.
 */
import { z } from 'zod';
import { type ApiKeyStore, ROLES } from '../auth/index.js';
import { actorOf, type Kernel } from '../core/index.js';
import type { Ledger } from '../ledger/index.js';
import type { TelemetryAggregator } from '../telemetry/index.js';

const entryType = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/, 'lower-case dotted words such as "operator.note"');

/** Registers the built-in operations on a kernel. */
export function registerBuiltinOperations(
  kernel: Kernel,
  deps: { ledger: Ledger; telemetry: TelemetryAggregator; apiKeys: ApiKeyStore },
): void {
  kernel.register({
    name: 'apikey.create',
    description: 'Creates an API key; the secret is returned once and stored only as a hash.',
    effect: 'write',
    capability: 'admin',
    args: z
      .object({
        name: z.string().min(1).max(64),
        agent: z.string().min(1).max(128).optional(),
        role: z.enum(ROLES).optional(),
      })
      .strict(),
    handler: ({ principal }, args) =>
      deps.apiKeys.create({
        name: args.name,
        agentId: args.agent ?? null,
        role: args.role ?? null,
        createdBy: actorOf(principal),
      }),
    // Never the secret: only what identifies the key.
    ledgerFacts: (args, result) => ({
      key_name: args.name,
      key_id: result?.record.id ?? null,
      key_prefix: result?.record.prefix ?? null,
      agent: args.agent ?? null,
      role: args.role ?? null,
    }),
  });

  kernel.register({
    name: 'apikey.list',
    description: 'Lists API keys (never their secrets).',
    effect: 'read',
    capability: 'admin',
    args: z.object({}).strict(),
    handler: () => deps.apiKeys.list(),
  });

  kernel.register({
    name: 'apikey.revoke',
    description: 'Revokes an API key by name or id.',
    effect: 'write',
    capability: 'admin',
    args: z.object({ key: z.string().min(1).max(128) }).strict(),
    handler: (_ctx, args) => deps.apiKeys.revoke(args.key),
    ledgerFacts: (_args, result) => ({
      key_name: result?.name ?? null,
      key_id: result?.id ?? null,
    }),
  });

  kernel.register({
    name: 'agent.info',
    description: 'Who the caller is to the kernel: kind, id, name and capabilities.',
    effect: 'read',
    capability: 'agent.info',
    args: z.object({}).strict(),
    handler: ({ principal }) => ({
      kind: principal.kind,
      id: principal.id,
      name: principal.name ?? principal.id,
      capabilities: [...principal.capabilities].sort(),
    }),
  });

  kernel.register({
    name: 'telemetry.read',
    description: 'Counters per operation and the most recent call events.',
    effect: 'read',
    capability: 'telemetry.read',
    args: z.object({ recent: z.number().int().min(0).max(1024).default(50) }).strict(),
    handler: (_ctx, args) => deps.telemetry.snapshot({ recent: args.recent }),
  });

  kernel.register({
    name: 'ledger.annotate',
    description: 'Appends an annotation (an operator note, an external event) to the ledger.',
    effect: 'write',
    capability: 'ledger.annotate',
    args: z
      .object({
        type: entryType,
        subject: z.string().max(512).default(''),
        payload: z.unknown(),
      })
      .strict(),
    handler: async ({ principal }, args) =>
      deps.ledger.append({
        type: args.type,
        actor: actorOf(principal),
        subject: args.subject,
        payload: args.payload ?? {},
      }),
    ledgerFacts: (args, result) => ({
      annotation_type: args.type,
      annotation_seq: result?.seq ?? null,
    }),
  });

  kernel.register({
    name: 'keys.rotate',
    description:
      'Replaces the ledger signing key; the rotation entry is signed by the outgoing key.',
    effect: 'write',
    capability: 'keys.rotate',
    args: z.object({ reason: z.string().max(500).default('') }).strict(),
    handler: ({ principal }, args) =>
      deps.ledger.rotateKey({ actor: actorOf(principal), reason: args.reason }),
    ledgerFacts: (_args, result) =>
      result === undefined ? {} : { previous_key_id: result.previousKeyId, key_id: result.keyId },
  });
}

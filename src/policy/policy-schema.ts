/**
 * @module Validation of everything handed to the policy module. Each failure is an
 * `INPUT_INVALID` whose message names the field, what was wrong and what is allowed, so a
 * person patching a policy from the CLI can fix the command without reading this code.
 */
import { z } from 'zod';
import { AgentvisorError } from '../core/index.js';
import { ADMIN_CAPABILITY } from './policy-types.js';

const CAPABILITY_PATTERN = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/;

/** A capability name such as `fs.read` or `tool.call` (no wildcards: use `admin`). */
export const capabilitySchema = z
  .string()
  .max(200, 'at most 200 characters')
  .regex(
    CAPABILITY_PATTERN,
    `a capability such as fs.read, net.http or tool.call (lower case, dot-separated; no "*", grant "${ADMIN_CAPABILITY}" for everything)`,
  );

function patternList(what: string, check?: (p: string) => string | undefined) {
  return z
    .array(
      z
        .string()
        .min(1, `a ${what} pattern must not be empty`)
        .max(1000, `a ${what} pattern has at most 1000 characters`)
        .refine((p) => !p.includes('\u0000'), 'must not contain NUL')
        .superRefine((p, ctx) => {
          const problem = check?.(p);
          if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
        }),
    )
    .max(256, `at most 256 ${what} patterns`);
}

/** A scope: at least one of paths, hosts, commands, models. */
export const scopeSchema = z
  .object({
    paths: patternList('path', (p) =>
      p.split('/').includes('..')
        ? `path pattern ${JSON.stringify(p)} contains "..": write the directory it means`
        : undefined,
    ).optional(),
    hosts: patternList('host', (p) =>
      /\s|\/|:\/\//.test(p)
        ? `host pattern ${JSON.stringify(p)} must be a host name such as api.example.com or *.example.com, not a URL`
        : undefined,
    ).optional(),
    commands: patternList('command', (p) =>
      /\s/.test(p.trim())
        ? `command pattern ${JSON.stringify(p)} must be a program name such as git (no arguments)`
        : undefined,
    ).optional(),
    models: patternList('model').optional(),
  })
  .strict()
  .refine(
    (s) =>
      s.paths !== undefined ||
      s.hosts !== undefined ||
      s.commands !== undefined ||
      s.models !== undefined,
    'a scope names at least one of paths, hosts, commands, models (omit the scope for no restriction)',
  );

/** One grant. */
export const grantSchema = z
  .object({
    capability: capabilitySchema,
    scope: scopeSchema.optional(),
    expiresAt: z.number().int().nonnegative().optional(),
  })
  .strict();

/** A permission level 0-3. */
export const levelSchema = z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)], {
  error: 'a permission level: 0 (restricted), 1 (standard), 2 (elevated) or 3 (privileged)',
});

const nameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'at most 200 characters')
  .refine((s) => !s.includes('\u0000'), 'must not contain NUL');

/** What it takes to create an agent's policy. */
export const policyInputSchema = z
  .object({
    agentId: nameSchema,
    agent: nameSchema,
    level: levelSchema,
    /** Grants on top of (or, with `replaceLevel`, instead of) the level's preset. */
    grants: z.array(grantSchema).max(1000, 'at most 1000 grants').optional(),
    ceiling: z
      .union([levelSchema, z.array(grantSchema).max(1000, 'at most 1000 grants')])
      .optional(),
    autoRestart: z.number().int().min(0).max(1000, 'at most 1000').optional(),
  })
  .strict();

/** One change of a hot patch (contract: add, remove, scope, auto_restart). */
export const policyChangeSchema = z.discriminatedUnion(
  'op',
  [
    z
      .object({ op: z.literal('add'), capability: capabilitySchema, scope: scopeSchema.optional() })
      .strict(),
    z.object({ op: z.literal('remove'), capability: capabilitySchema }).strict(),
    z
      .object({
        op: z.literal('scope'),
        capability: capabilitySchema,
        /** `null` lifts the restriction (a widening, checked against the ceiling). */
        scope: scopeSchema.nullable(),
      })
      .strict(),
    z.object({ op: z.literal('auto_restart'), value: z.number().int().min(0).max(1000) }).strict(),
  ],
  { error: 'op must be one of add, remove, scope, auto_restart' },
);

/** The changes of one patch: one to 100. */
export const policyChangesSchema = z
  .array(policyChangeSchema)
  .min(1, 'a patch needs at least one change')
  .max(100, 'at most 100 changes per patch');

const reasonSchema = z
  .string()
  .trim()
  .min(1, 'say why (the ledger records it)')
  .max(2000, 'at most 2000 characters');

/** An agent, by name. */
const agentNameSchema = z
  .string()
  .min(1, 'name the agent')
  .max(200, 'at most 200 characters')
  .regex(/^[A-Za-z0-9._-]+$/, 'an agent name: letters, digits, ".", "_" and "-"');

/** Arguments of `policy.show`. */
export const policyShowArgs = z.object({ agent: agentNameSchema }).strict();

/** Arguments of `policy.patch`: the agent, one to 100 changes, and why. */
export const policyPatchArgs = z
  .object({ agent: agentNameSchema, changes: policyChangesSchema, reason: reasonSchema })
  .strict();

/** Arguments of `policy.escalate`: what an agent asks for, why, and how long the question stands. */
export const escalationArgs = z
  .object({
    capability: capabilitySchema,
    scope: scopeSchema.optional(),
    reason: z.string().trim().min(1, 'say why the agent needs it').max(2000),
    ttlSeconds: z
      .number()
      .int()
      .min(1, 'at least 1 second')
      .max(30 * 86_400, 'at most 30 days (2592000 seconds)')
      .default(3600),
  })
  .strict();

/** Arguments of `approvals.list`. */
export const approvalListArgs = z
  .object({
    status: z
      .enum(['pending', 'approved', 'denied', 'expired'], {
        error: 'status: one of pending, approved, denied, expired',
      })
      .optional(),
    agent: agentNameSchema.optional(),
    kind: z
      .enum(['escalation', 'question', 'task', 'confirmation', 'budget'], {
        error: 'kind: one of escalation, question, task, confirmation, budget',
      })
      .optional(),
    limit: z.number().int().min(1).max(1000, 'at most 1000').default(100),
  })
  .strict();

/** Arguments of `approvals.decide`. */
export const approvalDecideArgs = z
  .object({
    id: z.string().min(1, 'the approval id (see "approvals")').max(100),
    decision: z.enum(['approve', 'deny'], { error: 'decision: approve or deny' }),
    reason: reasonSchema,
    /** How long an approved escalation's grant lasts; omitted, until someone removes it. */
    grantSeconds: z
      .number()
      .int()
      .min(1, 'at least 1 second')
      .max(365 * 86_400, 'at most 365 days (31536000 seconds)')
      .optional(),
    /** The answer to a question item. */
    answer: z.string().max(10_000, 'at most 10000 characters').optional(),
  })
  .strict();

/** A policy request (principal, action, resource). */
export const policyRequestSchema = z
  .object({
    principal: z
      .object({ kind: z.enum(['agent', 'human', 'apikey', 'system']), id: nameSchema })
      .strict(),
    action: capabilitySchema,
    resource: z
      .object({
        kind: z.enum(['path', 'host', 'command', 'model']),
        value: z.string().max(4096, 'at most 4096 characters'),
      })
      .strict()
      .optional(),
  })
  .strict();

/**
 * Parses `value` or throws `INPUT_INVALID` naming every offending field (`what.field: problem`).
 *
 * @example
 * const changes = parsePolicyInput(policyChangesSchema, raw, 'changes');
 */
export function parsePolicyInput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    field: [what, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  throw new AgentvisorError(
    'INPUT_INVALID',
    issues.map((i) => `${i.field}: ${i.message}`).join('; '),
    { details: { issues } },
  );
}

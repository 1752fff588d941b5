/**
 * @module The `hooks:` section of `agentvisor.yaml`: which module or command runs on which
 * event, for which tools and agents, with what time limit and what happens when it fails.
 * Objects are strict and the cross-field rules (exactly one of `module`/`command`, `export`
 * only with `module`, `match.tool` only on tool events, `on_error: deny` only on `PreToolUse`)
 * are checked here, so a hook that could never behave as written is refused at start.
 */
import { z } from 'zod';
import { AgentvisorError } from '../../core/index.js';
import { HOOK_EVENTS, TOOL_EVENTS } from './hook-events.js';

/** Time limit of a hook that names none. */
export const DEFAULT_HOOK_TIMEOUT_MS = 5000;
/** Longest time limit a hook may ask for: a hook runs inside an agent's step, which waits. */
export const MAX_HOOK_TIMEOUT_MS = 60_000;
/** What a failing `PreToolUse` hook means: `ignore` fails open, `deny` fails closed. */
export const HOOK_ON_ERROR = ['ignore', 'deny'] as const;

const nameGlob = z
  .string()
  .min(1, 'a name glob such as "fs.*" (* is any run of characters, ? one character)')
  .max(256, 'a name glob of at most 256 characters');

/** Which calls a hook applies to; a hook without `match` applies to every call of its event. */
export const hookMatchSchema = z.strictObject({
  /** Tool name glob (`PreToolUse` and `PostToolUse` only), e.g. `shell.*`. */
  tool: nameGlob.optional(),
  /** Agent name glob, e.g. `code-*`; a payload without an agent never matches it. */
  agent: nameGlob.optional(),
});

/** One hook as written in `agentvisor.yaml`. */
export const hookConfigSchema = z
  .strictObject({
    event: z.enum(HOOK_EVENTS, { error: `one of ${HOOK_EVENTS.join(', ')}` }),
    match: hookMatchSchema.optional(),
    /** ESM file, relative to the config file's directory, exporting the hook function. */
    module: z.string().min(1, 'a path to an ESM module file').optional(),
    /** The module's export to call; `default` when omitted. */
    export: z.string().min(1, 'an export name such as default').optional(),
    /** Program and arguments, run without a shell; it reads the payload as JSON on stdin. */
    command: z
      .array(z.string().min(1, 'a non-empty argument'), {
        error: 'a list: the program, then its arguments (no shell), e.g. ["node", "hook.mjs"]',
      })
      .min(1, 'a list with at least the program to run')
      .optional(),
    timeout_ms: z
      .number({ error: `milliseconds, a whole number from 1 to ${MAX_HOOK_TIMEOUT_MS}` })
      .int(`milliseconds, a whole number from 1 to ${MAX_HOOK_TIMEOUT_MS}`)
      .min(1, `milliseconds, a whole number from 1 to ${MAX_HOOK_TIMEOUT_MS}`)
      .max(MAX_HOOK_TIMEOUT_MS, `at most ${MAX_HOOK_TIMEOUT_MS} ms (one minute)`)
      .default(DEFAULT_HOOK_TIMEOUT_MS),
    on_error: z
      .enum(HOOK_ON_ERROR, { error: `one of ${HOOK_ON_ERROR.join(', ')}` })
      .default('ignore'),
  })
  .superRefine((hook, ctx) => {
    const hasModule = hook.module !== undefined;
    const hasCommand = hook.command !== undefined;
    if (hasModule === hasCommand)
      ctx.addIssue({
        code: 'custom',
        path: hasModule ? ['command'] : [],
        message: `a hook needs exactly one of module (an ESM file) or command (a program and its arguments); it has ${hasModule ? 'both' : 'neither'}`,
      });
    if (hook.export !== undefined && !hasModule)
      ctx.addIssue({
        code: 'custom',
        path: ['export'],
        message: 'export names a function of module, so it needs module; a command hook has none',
      });
    if (hook.match?.tool !== undefined && !TOOL_EVENTS.includes(hook.event))
      ctx.addIssue({
        code: 'custom',
        path: ['match', 'tool'],
        message: `a tool glob applies only to ${TOOL_EVENTS.join(' and ')}; ${hook.event} names no tool`,
      });
    if (hook.on_error === 'deny' && hook.event !== 'PreToolUse')
      ctx.addIssue({
        code: 'custom',
        path: ['on_error'],
        message: `deny applies only to PreToolUse (the one event a hook can refuse); ${hook.event} hooks only observe, so use ignore`,
      });
  });

/** The `hooks:` list; absent means no hooks. */
export const hooksConfigSchema = z.array(hookConfigSchema).default([]);

/** One validated hook (defaults applied). */
export type HookConfig = z.output<typeof hookConfigSchema>;
/** One hook as it may be written (defaults not yet applied). */
export type HookConfigInput = z.input<typeof hookConfigSchema>;

/**
 * Validates a `hooks:` list. Every problem is listed with its path (`hooks[2].command`), the
 * bad value and what is allowed.
 *
 * @throws {AgentvisorError} `CONFIG_INVALID`
 * @example
 * const hooks = parseHooksConfig([{ event: 'PreToolUse', module: 'hooks/guard.mjs' }]);
 */
export function parseHooksConfig(raw: unknown, where = 'hooks'): HookConfig[] {
  const result = hooksConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => describeIssue(issue, raw, where));
  throw new AgentvisorError(
    'CONFIG_INVALID',
    `${where} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    { details: { path: where, problems } },
  );
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown, where: string): string {
  const at = `${where}${issue.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('')}`;
  if (issue.code === 'unrecognized_keys') {
    const allowed = Object.keys(
      issue.path.at(-1) === 'match' ? hookMatchSchema.shape : hookConfigSchema.shape,
    );
    return `${at}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}; allowed: ${allowed.join(', ')}`;
  }
  return `${at}: ${issue.message.replace(/^Invalid input: /, '')}; got ${shown(valueAt(raw, issue.path))}`;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let value = raw;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** A short rendering of a bad value; config values are the operator's own, not secrets. */
function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

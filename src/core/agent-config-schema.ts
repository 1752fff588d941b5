/**
 * @module The `agents` and `mcp_servers` sections of `agentvisor.yaml`: how an agent is declared
 * (identity, constitution, tools, capabilities and scopes, limits, heartbeat, isolation, restart
 * policy, dependencies, risk) and which MCP servers its tools may come from. Per-field rules live
 * in the zod schemas; rules that span fields or agents (unique names, dependency targets and
 * cycles, MCP server names and the servers tool patterns name, a model for LLM deliberation) live in
 * {@link checkAgentDefinitions}, which reports each problem at its exact path.
 */
import path from 'node:path';
import { z } from 'zod';
import { isUuidV7 } from './ids.js';

const positiveInt = z.number().int().positive();
const nullableLimit = positiveInt.nullable();

/** Agent and MCP server names: short, lower-case, usable in ids, URLs and metric labels. */
export const AGENT_NAME_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;
const agentName = z
  .string()
  .regex(AGENT_NAME_PATTERN, 'a lower-case name: a-z first, then a-z, 0-9 or -, at most 63');

/** An MCP server, started as a child process (stdio) or reached over streamable HTTP. */
export const mcpServerConfigSchema = z.discriminatedUnion('transport', [
  z
    .object({
      transport: z.literal('stdio'),
      command: z.string().min(1),
      args: z.array(z.string()).default([]),
      env: z.record(z.string(), z.string()).default({}),
      /** Working directory, relative to the config file's directory. */
      cwd: z.string().min(1).optional(),
    })
    .strict(),
  z
    .object({
      transport: z.literal('http'),
      url: z.url(),
      headers: z.record(z.string(), z.string()).default({}),
    })
    .strict(),
]);

/** One directive of an agent's constitution (seed 003 `Directive`). */
export const directiveConfigSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z][a-z0-9_-]{0,63}$/, 'a lower-case id: a-z first, then a-z, 0-9, _ or -'),
    text: z.string().min(1),
    /** Higher first; directives are applied in this order. */
    priority: z.number().int().min(0).max(1_000_000).default(0),
    /** An immutable directive cannot be amended or removed while the agent runs. */
    immutable: z.boolean().default(false),
  })
  .strict();

/**
 * A tool name (`fs.read`) or a pattern over an MCP server's tools (`mcp.files.*`,
 * `mcp.files.read_file`).
 */
const toolName = z
  .string()
  .regex(
    /^[a-z][a-z0-9_-]*(\.[A-Za-z0-9_-]+)*(\.\*)?$/,
    'a tool name such as fs.read, or mcp.<server>.<tool> / mcp.<server>.*',
  );

/** A tool written as a JavaScript module, run in a sandbox. */
export const customToolConfigSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'a lower-case tool name'),
    /** Module path, relative to the config file's directory. */
    module: z.string().min(1),
    /** The module's export that implements the tool. */
    export: z.string().min(1).default('default'),
    isolation: z.enum(['inline', 'worker', 'process']).default('process'),
    timeout_ms: positiveInt.max(600_000).default(5000),
    memory_mb: positiveInt.max(16_384).default(128),
    description: z.string().default(''),
    /** JSON Schema of the tool's input. */
    input_schema: z.record(z.string(), z.unknown()).default({ type: 'object' }),
  })
  .strict();

/** Kernel capabilities, e.g. `llm.complete`, `tool.call`; `*` grants all. */
const capability = z
  .string()
  .regex(
    /^(\*|[a-z][a-z0-9_-]*(\.[a-z0-9_*-]+)*)$/,
    'a capability such as llm.complete or tool.call',
  );

export const agentScopesSchema = z
  .object({
    /** Directories the file tools may read and write, relative to the config file's directory. */
    fs: z
      .object({
        read: z.array(z.string().min(1)).default([]),
        write: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .optional(),
    http: z
      .object({
        hosts: z.array(z.string().min(1)).default([]),
        max_bytes: positiveInt.default(1_048_576),
        timeout_ms: positiveInt.max(600_000).default(10_000),
      })
      .strict()
      .optional(),
    shell: z
      .object({
        /** Executables the agent may run; nothing else. */
        commands: z.array(z.string().min(1)).default([]),
        cwd: z.string().min(1).optional(),
        timeout_ms: positiveInt.max(600_000).default(10_000),
        max_output_bytes: positiveInt.default(65_536),
      })
      .strict()
      .optional(),
  })
  .strict();

const recovery = z.enum(['retry', 'skip', 'suspend', 'terminate']);

/** How much an observation matters: 0 (ignorable) .. 1 (must see). */
const salience = z.number().min(0).max(1);

const WEBHOOKS_DEFAULT = { enabled: false, capacity: 1000 };
const ATTENTION_DEFAULT = { threshold: 0.1, max_per_beat: 32 };

/**
 * What an agent perceives besides its inbox: periodic timers, file watches and webhooks posted to
 * the server, and the attention filter every observation passes (the most salient above
 * `threshold`, at most `max_per_beat` per beat).
 */
export const perceptionConfigSchema = z
  .object({
    /** One `timer` observation every `every_ms` (missed periods collapse into one). */
    timers: z
      .array(
        z.object({ every_ms: z.number().int().min(10), salience: salience.optional() }).strict(),
      )
      .default([]),
    /** Directories (or files) watched recursively, relative to the config file's directory. */
    watch: z
      .array(z.object({ path: z.string().min(1), salience: salience.optional() }).strict())
      .default([]),
    /** `POST /v1/agents/<name>/webhooks/<hook>` queues deliveries, at most `capacity` unseen. */
    webhooks: z
      .object({
        enabled: z.boolean().default(WEBHOOKS_DEFAULT.enabled),
        capacity: positiveInt.max(1_000_000).default(WEBHOOKS_DEFAULT.capacity),
      })
      .strict()
      .default(WEBHOOKS_DEFAULT),
    attention: z
      .object({
        threshold: salience.default(ATTENTION_DEFAULT.threshold),
        max_per_beat: positiveInt.max(10_000).default(ATTENTION_DEFAULT.max_per_beat),
      })
      .strict()
      .default(ATTENTION_DEFAULT),
  })
  .strict();

const ERRORS_DEFAULT = {
  model: 'retry',
  tool: 'skip',
  timeout: 'retry',
  budget: 'suspend',
  fatal: 'terminate',
} as const;

/** The faults the supervisor detects (seed 001 fault detection). */
export const FAULT_KINDS = [
  'cpu_quota',
  'memory_limit',
  'op_flood',
  'watchdog_timeout',
  'capability_violation',
  'policy_violation',
  'crash',
] as const;
/** One of {@link FAULT_KINDS}. */
export type FaultKind = (typeof FAULT_KINDS)[number];
const faultAction = z.enum(['log', 'throttle', 'suspend', 'kill', 'restart']);

/** One agent as declared in `agentvisor.yaml`. */
export const agentConfigSchema = z
  .object({
    name: agentName,
    /** Fixed identity; when absent a UUIDv7 is assigned at first start and kept. */
    id: z
      .string()
      .refine(isUuidV7, 'a UUIDv7 such as 0190b2a4-7c3e-7d11-8a2b-3f4c5d6e7f80')
      .optional(),
    role: z.string().min(1).default('worker'),
    description: z.string().default(''),
    /** A gateway model alias (or `provider/model`). */
    model: z.string().min(1).optional(),
    deliberation: z.enum(['llm', 'utility']).default('llm'),
    constitution: z.array(directiveConfigSchema).default([]),
    tools: z.array(toolName).default([]),
    custom_tools: z.array(customToolConfigSchema).default([]),
    capabilities: z.array(capability).default([]),
    scopes: agentScopesSchema.default({}),
    limits: z
      .object({
        max_tool_calls_per_beat: positiveInt.default(8),
        max_beats: nullableLimit.default(null),
        max_tokens_per_hour: nullableLimit.default(null),
        max_active_thoughts: positiveInt.default(16),
        /** CPU quota in percent of one core over the fault window (process and worker agents). */
        cpu_percent: z.number().min(1).max(800).nullable().default(null),
        /** Resident memory limit (process agents; heap for worker agents). */
        memory_mb: z.number().int().min(16).max(1_048_576).nullable().default(null),
        /** Kernel operations per second above which the agent is flooding. */
        ops_per_second: z.number().min(1).max(1_000_000).nullable().default(null),
        /** Seconds without a heartbeat before the watchdog acts; unset, the supervisor's. */
        watchdog_seconds: z.number().min(1).max(86_400).nullable().default(null),
      })
      .strict()
      .default({
        max_tool_calls_per_beat: 8,
        max_beats: null,
        max_tokens_per_hour: null,
        max_active_thoughts: 16,
        cpu_percent: null,
        memory_mb: null,
        ops_per_second: null,
        watchdog_seconds: null,
      }),
    /** Adaptive heartbeat bounds (seed 003): idle agents slow towards max, busy ones speed to base. */
    heartbeat: z
      .object({
        base_ms: z.number().int().min(10).default(1000),
        max_ms: z.number().int().min(10).default(60_000),
      })
      .strict()
      .refine((h) => h.base_ms <= h.max_ms, {
        message: 'base_ms must not exceed max_ms',
        path: ['base_ms'],
      })
      .default({ base_ms: 1000, max_ms: 60_000 }),
    isolation: z.enum(['inline', 'worker', 'process']).default('inline'),
    /**
     * Restarts by the supervisor: `always` (OTP permanent), `on-failure` (transient: only after a
     * crash or fault) or `never` (temporary); after `auto_restart` restarts the agent ends
     * `failed` (seed 001). Backoff before each restart follows `backoff_seconds` (seed 002), the
     * last value repeating; unset, the supervisor's schedule applies.
     */
    restart: z
      .object({
        policy: z.enum(['always', 'on-failure', 'never']).default('on-failure'),
        auto_restart: z.number().int().min(0).max(1000).default(5),
        backoff_seconds: z.array(z.number().min(0).max(3600)).min(1).max(20).optional(),
      })
      .strict()
      .default({ policy: 'on-failure', auto_restart: 5 }),
    /**
     * Other agents of this file this one depends on (seed 001 §16): `required` (exit when the
     * dependency exits; the default for a bare name), `optional` (notified, carries on), `peer`
     * (coordination only). Required and optional edges may not form a cycle.
     */
    depends_on: z
      .array(
        // A bare name is shorthand for a required edge; one object schema keeps errors precise.
        z.preprocess(
          (v) => (typeof v === 'string' ? { agent: v } : v),
          z
            .object({
              agent: z.string().min(1),
              kind: z.enum(['required', 'optional', 'peer']).default('required'),
            })
            .strict(),
        ),
      )
      .default([]),
    /** EU AI Act risk level (seed 001 §14); an `unacceptable` agent never starts. */
    risk: z.enum(['minimal', 'limited', 'high', 'unacceptable']).default('minimal'),
    /** Permission level preset (seed 002: 0 read-only ... 3 admin) added to `capabilities`. */
    permission_level: z.number().int().min(0).max(3).optional(),
    /**
     * The most this agent may ever be granted by a policy patch without a human admin: a
     * permission level. Unset, it is the agent's own level (or 1 when none is set).
     */
    ceiling: z.number().int().min(0).max(3).optional(),
    /**
     * Capabilities whose escalation requests are approved at once by this rule (recorded as such)
     * when they are within the agent's ceiling; every other request waits for a person.
     */
    auto_approve: z.array(z.string().min(1).max(128)).default([]),
    /**
     * At permission level 3, programs whose runs need a person's confirmation first (overwriting
     * a file always does); unset: rm, rmdir, mv, dd, mkfs, shred, truncate, kill, pkill, shutdown,
     * reboot.
     */
    confirm_commands: z.array(z.string().min(1).max(128)).optional(),
    /** Recovery per fault type, over the supervisor's preset (seed 001 fault detection). */
    faults: z
      .object(
        Object.fromEntries(FAULT_KINDS.map((k) => [k, faultAction.optional()])) as Record<
          FaultKind,
          z.ZodOptional<typeof faultAction>
        >,
      )
      .strict()
      .default({}),
    /** Memory budgets, in items per tier. */
    memory: z
      .object({
        episodic: z.number().int().min(0).default(1000),
        semantic: z.number().int().min(0).default(1000),
        procedural: z.number().int().min(0).default(500),
      })
      .strict()
      .default({ episodic: 1000, semantic: 1000, procedural: 500 }),
    /** Recovery per error kind (seed 003 `RecoveryHandler`). */
    errors: z
      .object({
        model: recovery.default(ERRORS_DEFAULT.model),
        tool: recovery.default(ERRORS_DEFAULT.tool),
        timeout: recovery.default(ERRORS_DEFAULT.timeout),
        budget: recovery.default(ERRORS_DEFAULT.budget),
        fatal: recovery.default(ERRORS_DEFAULT.fatal),
      })
      .strict()
      .default(ERRORS_DEFAULT),
    /** Timers, file watches, webhooks and attention; sources other than the inbox need `inline`. */
    perception: perceptionConfigSchema.default({
      timers: [],
      watch: [],
      webhooks: WEBHOOKS_DEFAULT,
      attention: ATTENTION_DEFAULT,
    }),
  })
  .strict();

/** The `mcp_servers` mapping: server name to how to reach it. */
// Keys are checked in `checkAgentDefinitions`: zod's own message for a bad record key names neither the rule nor the key.
export const mcpServersConfigSchema = z.record(z.string(), mcpServerConfigSchema);

/** The `agents` list. */
export const agentsConfigSchema = z.array(agentConfigSchema);

export type AgentConfig = z.infer<typeof agentConfigSchema>;
export type DirectiveConfig = z.infer<typeof directiveConfigSchema>;
export type CustomToolConfig = z.infer<typeof customToolConfigSchema>;
export type AgentScopesConfig = z.infer<typeof agentScopesSchema>;
export type McpServerConfig = z.infer<typeof mcpServerConfigSchema>;
export type PerceptionConfig = z.infer<typeof perceptionConfigSchema>;

/** A problem found by {@link checkAgentDefinitions}: the path from the config root, and why. */
export interface AgentDefinitionIssue {
  path: (string | number)[];
  message: string;
}

/**
 * Checks what no single field can: unique agent and directive names, dependency targets and
 * cycles, MCP servers named by tool patterns, a model for LLM deliberation, and perception
 * sources (timers, watches, webhooks) only on inline agents. Paths start at
 * the config root (`['agents', 1, 'depends_on', 0]`). Called from the config schema's refinement.
 *
 * @example
 * for (const issue of checkAgentDefinitions(config.agents, config.mcp_servers)) ctx.addIssue({ code: 'custom', ...issue });
 */
export function checkAgentDefinitions(
  agents: readonly AgentConfig[],
  mcpServers: Readonly<Record<string, McpServerConfig>>,
): AgentDefinitionIssue[] {
  const issues: AgentDefinitionIssue[] = [];
  const names = agents.map((a) => a.name);
  const servers = Object.keys(mcpServers);
  const ids = new Map<string, number>();
  for (const server of servers) {
    if (!AGENT_NAME_PATTERN.test(server)) {
      issues.push({
        path: ['mcp_servers', server],
        message: `"${server}" is not a valid MCP server name: use a-z first, then a-z, 0-9 or -, at most 63 characters`,
      });
    }
  }
  agents.forEach((agent, i) => {
    const at = (...rest: (string | number)[]) => ['agents', i, ...rest];
    const first = names.indexOf(agent.name);
    if (first !== i) {
      issues.push({
        path: at('name'),
        message: `agent name "${agent.name}" is already used by agents.${first}; names must be unique`,
      });
    }
    if (agent.id !== undefined) {
      const other = ids.get(agent.id);
      if (other !== undefined) {
        issues.push({
          path: at('id'),
          message: `agent id ${agent.id} is already used by agents.${other}; ids must be unique`,
        });
      } else ids.set(agent.id, i);
    }
    if (agent.deliberation === 'llm' && agent.model === undefined) {
      issues.push({
        path: at('model'),
        message:
          'model is required when deliberation is "llm" (name a gateway model alias, or set deliberation: utility)',
      });
    }
    perceptionProblems(agent).forEach((issue) => {
      issues.push({ path: at(...issue.path), message: issue.message });
    });
    duplicates(agent.constitution.map((d) => d.id)).forEach((j) => {
      issues.push({
        path: at('constitution', j, 'id'),
        message: `directive id "${agent.constitution[j]!.id}" is used twice in this constitution`,
      });
    });
    duplicates(agent.custom_tools.map((t) => t.name)).forEach((j) => {
      issues.push({
        path: at('custom_tools', j, 'name'),
        message: `custom tool "${agent.custom_tools[j]!.name}" is declared twice`,
      });
    });
    agent.tools.forEach((tool, j) => {
      const problem = mcpToolProblem(tool, servers);
      if (problem !== undefined) issues.push({ path: at('tools', j), message: problem });
    });
    agent.depends_on.forEach(({ agent: dep }, j) => {
      if (dep === agent.name) {
        issues.push({
          path: at('depends_on', j),
          message: `agent "${agent.name}" cannot depend on itself`,
        });
      } else if (!names.includes(dep)) {
        issues.push({
          path: at('depends_on', j),
          message: `unknown agent "${dep}"; agents in this file: ${names.join(', ')}`,
        });
      }
    });
  });
  const cycle = findCycle(agents);
  if (cycle !== undefined) {
    const [i, j] = cycle.edge;
    issues.push({
      path: ['agents', i, 'depends_on', j],
      message: `dependency cycle: ${cycle.names.join(' -> ')}`,
    });
  }
  return issues;
}

/**
 * Timers, file watches and webhooks live in the daemon's perceiver, which only an inline agent
 * has in this process; a worker or process agent perceives its inbox only. Refused here, at
 * config time, rather than silently never firing.
 */
function perceptionProblems(agent: AgentConfig): AgentDefinitionIssue[] {
  if (agent.isolation === 'inline') return [];
  const { timers, watch, webhooks } = agent.perception;
  const used: string[] = [];
  if (timers.length > 0) used.push('timers');
  if (watch.length > 0) used.push('watch');
  if (webhooks.enabled) used.push('webhooks');
  return used.map((key) => ({
    path: ['perception', key],
    message: `perception.${key} needs isolation: inline; agent "${agent.name}" runs with isolation: ${agent.isolation}, whose daemon perceives its inbox only (remove perception.${key} or set isolation: inline)`,
  }));
}

function duplicates(values: readonly string[]): number[] {
  return values.flatMap((v, i) => (values.indexOf(v) !== i ? [i] : []));
}

function mcpToolProblem(tool: string, servers: readonly string[]): string | undefined {
  if (tool !== 'mcp' && !tool.startsWith('mcp.')) return undefined;
  const parts = tool.split('.');
  if (parts.length !== 3) {
    return `"${tool}" is not an MCP tool pattern; write mcp.<server>.<tool> or mcp.<server>.*`;
  }
  const server = parts[1]!;
  if (!servers.includes(server)) {
    return `"${tool}" names MCP server "${server}", which is not in mcp_servers; configured: ${servers.join(', ') || '(none)'}`;
  }
  return undefined;
}

/**
 * The first dependency cycle among declared agents (self-dependencies and unknown targets are
 * reported elsewhere, so they are skipped here), with the edge that closes it.
 */
function findCycle(
  agents: readonly AgentConfig[],
): { names: string[]; edge: [number, number] } | undefined {
  const index = new Map(agents.map((a, i) => [a.name, i]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): { names: string[]; edge: [number, number] } | undefined => {
    state.set(name, 'visiting');
    stack.push(name);
    const i = index.get(name)!;
    const deps = agents[i]!.depends_on;
    for (let j = 0; j < deps.length; j++) {
      const { agent: dep, kind } = deps[j]!;
      // Peers coordinate without ordering, so a peer edge closes no cycle.
      if (kind === 'peer' || dep === name || !index.has(dep)) continue;
      if (state.get(dep) === 'visiting') {
        return { names: [...stack.slice(stack.indexOf(dep)), dep], edge: [i, j] };
      }
      if (state.get(dep) === undefined) {
        const found = visit(dep);
        if (found !== undefined) return found;
      }
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const agent of agents) {
    if (state.get(agent.name) === undefined) {
      const found = visit(agent.name);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * The agents and MCP servers with every relative path (fs scopes, shell cwd, custom tool
 * modules, perception watch paths, stdio server cwd) made absolute against `baseDir`, the config file's directory: an
 * agent must reach the same files whatever directory the daemon was started from.
 *
 * @example
 * const { agents } = resolveAgentPaths(config, path.dirname(source));
 */
export function resolveAgentPaths<
  T extends { agents: readonly AgentConfig[]; mcp_servers: Record<string, McpServerConfig> },
>(
  config: T,
  baseDir: string,
): { agents: AgentConfig[]; mcp_servers: Record<string, McpServerConfig> } {
  const abs = (p: string) => path.resolve(baseDir, p);
  const agents = config.agents.map((agent): AgentConfig => {
    const { fs, http, shell } = agent.scopes;
    return {
      ...agent,
      custom_tools: agent.custom_tools.map((t) => ({ ...t, module: abs(t.module) })),
      perception: {
        ...agent.perception,
        watch: agent.perception.watch.map((w) => ({ ...w, path: abs(w.path) })),
      },
      scopes: {
        ...(fs === undefined ? {} : { fs: { read: fs.read.map(abs), write: fs.write.map(abs) } }),
        ...(http === undefined ? {} : { http }),
        ...(shell === undefined
          ? {}
          : { shell: { ...shell, ...(shell.cwd === undefined ? {} : { cwd: abs(shell.cwd) }) } }),
      },
    };
  });
  const mcp_servers = Object.fromEntries(
    Object.entries(config.mcp_servers).map(([name, server]) => [
      name,
      server.transport === 'stdio' && server.cwd !== undefined
        ? { ...server, cwd: abs(server.cwd) }
        : server,
    ]),
  );
  return { agents, mcp_servers };
}

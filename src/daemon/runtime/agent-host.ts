/**
 * @module The agent host: turns the `agents` and `mcp_servers` of the configuration into hosted
 * agents (identity, principal, goal stack, memory, tools, constitution), registers the daemon
 * operations once, connects the MCP servers the agents use, and spawns daemons.
 */
import type { AgentConfig, Clock, Kernel, McpServerConfig, Principal } from '../../core/index.js';
import { AgentvisorError, systemClock } from '../../core/index.js';
import type { SealedRecords } from '../../ledger/index.js';
import { AgentMemory } from '../../memory/index.js';
import type { Store } from '../../store/index.js';
import {
  AgentRegistry,
  Constitution,
  GoalStack,
  type SecretSealer,
  SnapshotSchedule,
  SnapshotStore,
} from '../agent/index.js';
import type { Deliberator } from '../deliberation/deliberator.js';
import { LlmDeliberator } from '../deliberation/llm-deliberator.js';
import { defaultUtilityDeliberator } from '../deliberation/utility-deliberator.js';
import { FileWatchSource } from '../perception/file-watch-source.js';
import { InboxSource } from '../perception/inbox-source.js';
import { AttentionFilter } from '../perception/observation.js';
import { Perceiver } from '../perception/perceiver.js';
import type { PerceptionSource } from '../perception/perception-source.js';
import { TimerSource } from '../perception/timer-source.js';
import { WebhookSource } from '../perception/webhook-source.js';
import {
  builtinTools,
  connectMcpServer,
  type McpConnection,
  moduleTool,
  ToolRegistry,
  type ToolScopes,
} from '../tools/index.js';
import { AgentDaemon, type AgentDaemonOptions } from './agent-daemon.js';
import { InlineGate } from './agent-gate.js';
import { AgentOps } from './agent-ops.js';
import { registerDaemonOperations } from './daemon-operations.js';
import { BeatError, type BeatReport, HeartbeatEngine } from './heartbeat-engine.js';
import type { HostedAgent, HostedAgents } from './hosted-agent.js';
import { Inbox } from './inbox.js';
import { type DaemonHandle, IsolatedDaemon } from './isolated-daemon.js';
import type { DaemonOperationServices } from './operations/operation-scope.js';
import type { ErrorKind } from './recovery.js';
import { ToolJournal } from './tool-journal.js';
import { registerWebhookOperation } from './webhook-operation.js';

/** Capabilities an agent gets when its definition lists none. */
export const DEFAULT_AGENT_CAPABILITIES = ['llm.use', 'tool.call', 'message.send'] as const;

/** Options for {@link AgentHost.open}. */
export interface AgentHostOptions {
  readonly kernel: Kernel;
  readonly store: Store;
  readonly records: SealedRecords;
  /** Encrypts agents' private keys at rest (the keyring). */
  readonly sealer: SecretSealer;
  /** Makes a principal known to the kernel's identity stage. */
  readonly registerPrincipal: (principal: Principal) => void;
  /** The policy's check of what a tool call touches; see `DaemonOperationServices`. */
  readonly authorizeTool?: DaemonOperationServices['authorizeTool'];
  /** Sees every beat of every agent (tracing, supervision). */
  readonly onAnyBeat?: (
    agent: { readonly id: string; readonly name: string },
    report: BeatReport,
  ) => void;
  /** Sees every failed beat of every agent, with the recovery action taken (logs). */
  readonly onAnyError?: (
    agent: { readonly id: string; readonly name: string },
    error: BeatError,
    action: string,
  ) => void;
  /** PreToolUse / PostToolUse hooks around every tool call. */
  readonly toolHooks?: DaemonOperationServices['toolHooks'];
  /** Agents with every relative path already resolved (see `resolveAgentPaths`). */
  readonly agents: readonly AgentConfig[];
  readonly mcpServers: Readonly<Record<string, McpServerConfig>>;
  /** Who creates agent identities on first start (`human:…` or `system:…`). */
  readonly createdBy: string;
  /** Interval of periodic snapshots per agent (default 5 minutes); one is also taken at stop. */
  readonly snapshotEveryMs?: number;
  /** Where a shell scope without `cwd` runs: the configuration's directory. */
  readonly baseDir: string;
  readonly clock?: Clock;
}

/** Per-spawn options. */
export interface SpawnOptions {
  /** Replaces the configured strategy (programmatic daemons, tests, benchmarks). */
  readonly deliberator?: Deliberator;
  readonly extraSources?: readonly PerceptionSource[];
  readonly onBeat?: AgentDaemonOptions['onBeat'];
  readonly onError?: AgentDaemonOptions['onError'];
  readonly onStatus?: AgentDaemonOptions['onStatus'];
}

/** A spawned daemon with the sources the server feeds. */
export interface SpawnedAgent {
  readonly agent: HostedAgent;
  readonly daemon: DaemonHandle;
  /**
   * Webhook deliveries, for inline agents with `perception.webhooks.enabled` (isolated agents
   * perceive their inbox only).
   */
  readonly webhooks: WebhookSource | undefined;
  readonly snapshots: SnapshotSchedule;
}

/** See the module comment. */
export class AgentHost implements HostedAgents {
  readonly tools: ToolRegistry;
  readonly inbox: Inbox;
  readonly journal: ToolJournal;
  readonly identities: AgentRegistry;
  readonly snapshots: SnapshotStore;
  readonly #options: AgentHostOptions;
  readonly #byName = new Map<string, HostedAgent>();
  readonly #byId = new Map<string, HostedAgent>();
  readonly #definitions = new Map<string, AgentConfig>();
  readonly #mcp = new Map<string, McpConnection>();
  readonly #spawned = new Map<string, SpawnedAgent>();
  /** Perceivers of inline daemons, closed at stop (file watchers hold OS handles). */
  readonly #perceivers = new Map<string, Perceiver>();

  private constructor(options: AgentHostOptions) {
    this.#options = options;
    const clock = options.clock ?? systemClock;
    this.tools = new ToolRegistry();
    for (const tool of builtinTools()) this.tools.register(tool);
    this.inbox = new Inbox({ store: options.store, clock });
    this.journal = new ToolJournal({ store: options.store, clock });
    this.identities = new AgentRegistry({ store: options.store, sealer: options.sealer, clock });
    this.snapshots = new SnapshotStore({ store: options.store, clock });
  }

  /**
   * Registers the daemon operations and every configured agent (identity created on first
   * start). MCP servers connect lazily, when an agent that uses them is spawned.
   */
  static async open(options: AgentHostOptions): Promise<AgentHost> {
    const host = new AgentHost(options);
    registerDaemonOperations(options.kernel, {
      store: options.store,
      agents: host,
      inbox: host.inbox,
      journal: host.journal,
      records: options.records,
      tools: host.tools,
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      onDelivered: (name) => host.#spawned.get(name)?.daemon.wake(),
      ...(options.authorizeTool === undefined ? {} : { authorizeTool: options.authorizeTool }),
      ...(options.toolHooks === undefined ? {} : { toolHooks: options.toolHooks }),
    });
    registerWebhookOperation(options.kernel, host);
    for (const definition of options.agents) await host.#host(definition);
    return host;
  }

  byId(id: string): HostedAgent | undefined {
    return this.#byId.get(id);
  }

  byName(name: string): HostedAgent | undefined {
    return this.#byName.get(name);
  }

  /** A hosted agent by name, or NOT_FOUND naming the configured ones. */
  require(name: string): HostedAgent {
    const agent = this.#byName.get(name);
    if (agent === undefined) {
      const names = this.list().map((a) => a.name);
      throw new AgentvisorError(
        'NOT_FOUND',
        `no agent "${name}"; configured: ${names.join(', ') || '(none)'}`,
      );
    }
    return agent;
  }

  /** Hosted agents in definition order. */
  list(): HostedAgent[] {
    return [...this.#byName.values()];
  }

  /** The definition of a hosted agent, or NOT_FOUND naming the defined ones. */
  definition(name: string): AgentConfig {
    const def = this.#definitions.get(name);
    if (def === undefined) {
      throw new AgentvisorError(
        'NOT_FOUND',
        `no agent named "${name}" is defined; defined: ${[...this.#definitions.keys()].join(', ') || '(none — add one under "agents:" in agentvisor.yaml)'}`,
      );
    }
    return def;
  }

  /** A running daemon, if spawned. */
  spawned(name: string): SpawnedAgent | undefined {
    return this.#spawned.get(name);
  }

  /** Creates (but does not start) the daemon of a hosted agent. */
  async spawn(name: string, options: SpawnOptions = {}): Promise<SpawnedAgent> {
    const def = this.definition(name);
    const agent = this.#byName.get(name)!;
    const existing = this.#spawned.get(name);
    if (existing !== undefined) return existing;
    await this.#connectMcpFor(def);
    const snapshots = new SnapshotSchedule({
      snapshots: this.snapshots,
      agentName: name,
      everyMs: this.#options.snapshotEveryMs ?? 5 * 60_000,
      capture: () => this.#capture(agent),
    });
    let spawned: SpawnedAgent;
    if (def.isolation !== 'inline' && options.deliberator === undefined) {
      // The config check refuses this; a definition built in code could still carry it.
      const { timers, watch, webhooks } = def.perception;
      if (timers.length > 0 || watch.length > 0 || webhooks.enabled) {
        throw new AgentvisorError(
          'CONFIG_INVALID',
          `agent "${name}": perception timers, watch and webhooks need isolation: inline (this agent runs with isolation: ${def.isolation}, whose daemon perceives its inbox only)`,
        );
      }
      const daemon = await IsolatedDaemon.spawn({
        isolation: def.isolation,
        kernel: this.#options.kernel,
        // The heap cap backs the supervisor's RSS limit: a runaway heap dies in V8 first.
        ...(def.limits.memory_mb === null ? {} : { memoryMb: def.limits.memory_mb }),
        spec: {
          id: agent.id,
          name,
          role: def.role,
          description: def.description,
          model: def.model,
          deliberation: def.deliberation,
          constitution: agent.constitution.directives.map((d) => ({
            id: d.id,
            text: d.text,
            priority: d.priority,
          })),
          maxToolCallsPerBeat: def.limits.max_tool_calls_per_beat,
          heartbeat: { baseMs: def.heartbeat.base_ms, maxMs: def.heartbeat.max_ms },
          recovery: def.errors,
          attention: {
            threshold: def.perception.attention.threshold,
            maxPerBeat: def.perception.attention.max_per_beat,
          },
          maxBeats: def.limits.max_beats,
          maxTokensPerHour: def.limits.max_tokens_per_hour,
        },
        onBeat: (report: BeatReport) => {
          options.onBeat?.(report);
          this.#options.onAnyBeat?.({ id: agent.id, name }, report);
        },
        ...(options.onError === undefined && this.#options.onAnyError === undefined
          ? {}
          : {
              onError: (e, action) => {
                const error = Object.assign(
                  new BeatError(new Error(e.message), e.beat, 'perceive'),
                  { kind: e.kind as ErrorKind, message: e.message },
                );
                options.onError?.(error, action);
                this.#options.onAnyError?.({ id: agent.id, name }, error, action);
              },
            }),
        ...(options.onStatus === undefined ? {} : { onStatus: options.onStatus }),
      });
      spawned = { agent, daemon, webhooks: undefined, snapshots };
    } else {
      const ops = new AgentOps(
        new InlineGate(this.#options.kernel, { kind: 'agent', id: agent.id }),
      );
      const inbox = new InboxSource(ops);
      const { sources, webhooks } = perceptionSources(name, def, this.#options.clock);
      const perceiver = new Perceiver(
        [inbox, ...sources, ...(options.extraSources ?? [])],
        new AttentionFilter({
          threshold: def.perception.attention.threshold,
          maxPerBeat: def.perception.attention.max_per_beat,
        }),
      );
      this.#perceivers.set(name, perceiver);
      const deliberator =
        options.deliberator ??
        (def.deliberation === 'utility' ? defaultUtilityDeliberator() : new LlmDeliberator());
      const engine = new HeartbeatEngine({
        profile: {
          id: agent.id,
          name: agent.name,
          role: def.role,
          description: def.description,
          model: def.model,
          get constitution() {
            return agent.constitution.directives;
          },
          maxToolCallsPerBeat: def.limits.max_tool_calls_per_beat,
        },
        ops,
        perceiver,
        deliberator,
      });
      const daemon = new AgentDaemon({
        name,
        engine,
        heartbeat: { baseMs: def.heartbeat.base_ms, maxMs: def.heartbeat.max_ms },
        recovery: def.errors,
        maxBeats: def.limits.max_beats,
        maxTokensPerHour: def.limits.max_tokens_per_hour,
        onWake: () => inbox.notify(),
        onBeat: (report: BeatReport) => {
          options.onBeat?.(report);
          this.#options.onAnyBeat?.({ id: agent.id, name }, report);
        },
        ...(options.onError === undefined && this.#options.onAnyError === undefined
          ? {}
          : {
              onError: (error: BeatError, action: string) => {
                options.onError?.(error, action);
                this.#options.onAnyError?.({ id: agent.id, name }, error, action);
              },
            }),
        ...(options.onStatus === undefined ? {} : { onStatus: options.onStatus }),
      });
      spawned = { agent, daemon, webhooks, snapshots };
    }
    snapshots.start();
    this.#spawned.set(name, spawned);
    return spawned;
  }

  /** Stops one daemon and takes its shutdown snapshot. */
  async stop(name: string): Promise<void> {
    const spawned = this.#spawned.get(name);
    if (spawned === undefined) return;
    this.#spawned.delete(name);
    await spawned.daemon.stop();
    await spawned.snapshots.stop();
    const perceiver = this.#perceivers.get(name);
    this.#perceivers.delete(name);
    await perceiver?.close();
  }

  /** The state a snapshot holds: beat cursor, goals, memory and the live constitution. */
  async #capture(agent: HostedAgent): Promise<unknown> {
    const runtime = await this.#options.store.db
      .selectFrom('agent_runtime')
      .selectAll()
      .where('agent_name', '=', agent.name)
      .executeTakeFirst();
    return {
      runtime: runtime ?? null,
      goals: await agent.goals.list(),
      memory: await agent.memory.export(agent.id),
      constitution: agent.constitution.toJSON(),
    };
  }

  /** Stops every daemon (each saves a final snapshot) and closes MCP connections. */
  async close(): Promise<void> {
    await Promise.all([...this.#spawned.keys()].map((name) => this.stop(name)));
    IsolatedDaemon.closeSpares();
    await Promise.all([...this.#mcp.values()].map((c) => c.close().catch(() => undefined)));
    this.#mcp.clear();
  }

  async #host(def: AgentConfig): Promise<void> {
    const { identity } = await this.identities.ensure(def, { createdBy: this.#options.createdBy });
    for (const custom of def.custom_tools) {
      this.tools.register(
        moduleTool(custom.name, {
          module: custom.module,
          export: custom.export,
          isolation: custom.isolation,
          timeoutMs: custom.timeout_ms,
          memoryMb: custom.memory_mb,
          description: custom.description,
          inputSchema: custom.input_schema,
        }),
      );
    }
    const agent: HostedAgent = {
      id: identity.id,
      name: def.name,
      goals: new GoalStack({
        store: this.#options.store,
        agentId: identity.id,
        ...(this.#options.clock === undefined ? {} : { clock: this.#options.clock }),
      }),
      memory: new AgentMemory({
        store: this.#options.store,
        budgets: def.memory,
        ...(this.#options.clock === undefined ? {} : { clock: this.#options.clock }),
      }),
      tools: [...def.tools, ...def.custom_tools.map((t) => t.name)],
      scopes: toolScopes(def, this.#options.baseDir),
      maxActiveThoughts: def.limits.max_active_thoughts,
      constitution: Constitution.from(def.constitution),
    };
    const capabilities =
      def.capabilities.length === 0 ? [...DEFAULT_AGENT_CAPABILITIES] : def.capabilities;
    this.#options.registerPrincipal({
      kind: 'agent',
      id: identity.id,
      name: def.name,
      capabilities: new Set(['agent.self', ...capabilities]),
    });
    this.#byName.set(def.name, agent);
    this.#byId.set(identity.id, agent);
    this.#definitions.set(def.name, def);
  }

  async #connectMcpFor(def: AgentConfig): Promise<void> {
    const servers = new Set<string>();
    for (const pattern of def.tools) {
      const m = /^mcp\.([^.]+)\./.exec(pattern);
      if (m?.[1] !== undefined) servers.add(m[1]);
    }
    for (const server of servers) {
      if (this.#mcp.has(server)) continue;
      const config = this.#options.mcpServers[server];
      if (config === undefined) continue;
      const connection = await connectMcpServer(server, config);
      for (const tool of connection.tools) this.tools.register(tool);
      this.#mcp.set(server, connection);
    }
  }
}

/**
 * The configured perception sources of an inline agent besides its inbox: one timer per
 * `perception.timers` entry, one watcher per `perception.watch` path (already absolute), and the
 * webhook queue when enabled. A watch path that cannot be watched fails the spawn, naming it.
 */
function perceptionSources(
  name: string,
  def: AgentConfig,
  clock: Clock | undefined,
): { sources: PerceptionSource[]; webhooks: WebhookSource | undefined } {
  const { timers, watch, webhooks: hooks } = def.perception;
  const withClock = clock === undefined ? {} : { clock };
  const sources: PerceptionSource[] = timers.map(
    (t, j) =>
      new TimerSource({
        id: `timer.${j}:${t.every_ms}ms`,
        everyMs: t.every_ms,
        ...withClock,
        ...(t.salience === undefined ? {} : { salience: t.salience }),
      }),
  );
  watch.forEach((w, j) => {
    try {
      sources.push(
        new FileWatchSource({
          paths: [w.path],
          ...withClock,
          ...(w.salience === undefined ? {} : { salience: w.salience }),
        }),
      );
    } catch (error) {
      for (const s of sources) void s.close?.();
      throw new AgentvisorError(
        'CONFIG_INVALID',
        `agent "${name}": perception.watch.${j}.path ${w.path} cannot be watched: ${(error as Error).message}`,
        { cause: error },
      );
    }
  });
  const webhooks = hooks.enabled
    ? new WebhookSource({ agent: name, capacity: hooks.capacity, ...withClock })
    : undefined;
  if (webhooks !== undefined) sources.push(webhooks);
  return { sources, webhooks };
}

/** The tool scopes of a definition (paths already absolute). */
function toolScopes(def: AgentConfig, baseDir: string): ToolScopes {
  const { fs, http, shell } = def.scopes;
  return {
    ...(fs === undefined ? {} : { fs: { read: fs.read, write: fs.write } }),
    ...(http === undefined
      ? {}
      : { http: { hosts: http.hosts, maxBytes: http.max_bytes, timeoutMs: http.timeout_ms } }),
    ...(shell === undefined
      ? {}
      : {
          shell: {
            commands: shell.commands,
            cwd: shell.cwd ?? baseDir,
            timeoutMs: shell.timeout_ms,
            maxOutputBytes: shell.max_output_bytes,
          },
        }),
  };
}

/**
 * @module The assembled system: opens the store, the keyring, the ledger and its anchors, and
 * builds the kernel with its stages and built-in operations. The CLI and the server both start
 * from here, so there is one way Agentvisor comes up and one way it shuts down.
 */
import { ApiKeyStore } from '../auth/index.js';
import { type AgentvisorConfig, Kernel, resolveAgentPaths } from '../core/index.js';
import { AgentHost } from '../daemon/index.js';
import type { Gateway, UsageEvent } from '../gateway/index.js';
import { type Anchor, anchorsFromConfig, Keyring, Ledger, SealedRecords } from '../ledger/index.js';
import { type MemoryConfigInput, RedisHotTier, TeamMemory } from '../memory/index.js';
import { openStore, type Store } from '../store/index.js';
import { TelemetryAggregator, Tracing } from '../telemetry/index.js';
import { type AccessSystem, openAccessSystem } from './access-system.js';
import { openPolicySystem, type PolicySystem } from './agent-policies.js';
import { agentRateLimits } from './agent-rate-limits.js';
import { registerBuiltinOperations } from './builtin-operations.js';
import { type BusSystem, openBusSystem } from './bus-system.js';
import { type ConversationSystem, openConversationSystem } from './conversation-system.js';
import { type DegradationSystem, openDegradationSystem } from './degradation-system.js';
import { DiskGuard, type DiskSpaceReader } from './disk-guard.js';
import { registerFeedbackOperations } from './feedback-operations.js';
import { type GatewaySystem, openGatewaySystem, registerLlmOperations } from './gateway-system.js';
import { type HookSystem, openHookSystem } from './hook-system.js';
import { type IntegritySystem, openIntegritySystem } from './integrity-system.js';
import { type LogSystem, openLogSystem } from './log-system.js';
import type { Logger } from './logger.js';
import { registerMemoryInspection } from './memory-inspection.js';
import { PrincipalDirectory } from './principal-directory.js';
import { registerSnapshotOperations } from './snapshot-operations.js';
import { openTeamSystem, type TeamSystem } from './team-system.js';

/** Everything a running Agentvisor holds. */
export interface AgentvisorSystem {
  readonly config: AgentvisorConfig;
  readonly dataDir: string;
  readonly store: Store;
  readonly keyring: Keyring;
  readonly ledger: Ledger;
  readonly anchors: readonly Anchor[];
  readonly kernel: Kernel;
  readonly principals: PrincipalDirectory;
  readonly telemetry: TelemetryAggregator;
  readonly apiKeys: ApiKeyStore;
  readonly gateway: Gateway;
  readonly gatewaySystem: GatewaySystem;
  /** Tasks and thoughts with their ledger seals. */
  readonly records: SealedRecords;
  /** The agents of the configuration: identities, operations, daemons once spawned. */
  readonly agents: AgentHost;
  /** Agents' policies (the gate's policy stage), their hot patches and the approval queue. */
  readonly policy: PolicySystem;
  /** The message bus (`bus.driver`) with every hosted agent subscribed. */
  readonly bus: BusSystem;
  /** The configured hooks (PreToolUse and the lifecycle events). */
  readonly hooks: HookSystem;
  /** The orchestrator and its runs (started by `start`; runs resume after a crash). */
  readonly team: TeamSystem;
  /** Users, sessions and first-run setup. */
  readonly access: AccessSystem;
  /** Free space on the data directory's disk, and the guard that refuses writes near full. */
  readonly disk: DiskGuard;
  /** Scheduled verification of the ledger and sealed records. */
  readonly integrity: IntegritySystem;
  /** The budget degradation ladder. */
  readonly degradation: DegradationSystem;
  /** Conversations with the orchestrator (the dashboard's chat). */
  readonly conversations: ConversationSystem;
  /** Agent and task logs: the writer, the capture logger, queries, retention. */
  readonly logs: LogSystem;
  /**
   * Stops new calls, flushes the ledger, writes the final checkpoint (unless
   * `checkpoint: false`), and closes the store. Idempotent.
   */
  close(options?: { checkpoint?: boolean }): Promise<{ finalCheckpointSize: number | undefined }>;
}

/** Options for {@link openSystem}. */
export interface OpenSystemOptions {
  config: AgentvisorConfig;
  dataDir: string;
  logger: Logger;
  /** Periodic checkpoints; on for `start`, off for one-shot CLI verbs. */
  timers?: boolean;
  /**
   * scrypt's cost for new password hashes (a power of two, default 2^15). Tests lower it; the
   * stored hash records its own cost, so hashes made at any cost keep verifying.
   */
  /** How free disk space is read (tests inject one). */
  diskSpace?: DiskSpaceReader;
  scryptN?: number;
  env?: NodeJS.ProcessEnv;
  /** Directory relative paths in agent definitions resolve against (the config file's). */
  configDir?: string;
  /** Who creates agent identities on their first start (default `system:agentvisor`). */
  createdBy?: string;
}

/**
 * Opens everything in dependency order; on failure closes what was opened.
 *
 * @example
 * const system = await openSystem({ config, dataDir, logger });
 * await system.kernel.call({ kind: 'system', id: 'system' }, 'agent.info', {});
 * await system.close();
 */
export async function openSystem(options: OpenSystemOptions): Promise<AgentvisorSystem> {
  const { config, dataDir, logger } = options;
  const store = await openStore(config.store, dataDir);
  try {
    const keyring = await Keyring.open({
      store,
      dataDir,
      passphraseEnv: config.ledger.keyring.passphrase_env,
      keyFile: config.ledger.keyring.key_file,
      ...(options.env === undefined ? {} : { env: options.env }),
    });
    const anchors = anchorsFromConfig(config.ledger.anchors, dataDir, { store });
    const onBackgroundError = (error: unknown, context: string) =>
      logger.error(
        { err: error instanceof Error ? { message: error.message } : String(error), context },
        'background ledger task failed',
      );
    const disk = new DiskGuard(dataDir, config.disk, options.diskSpace);
    await disk.measure();
    const ledger = await Ledger.open({
      store,
      keyring,
      config: config.ledger,
      anchors,
      timers: options.timers ?? false,
      onBackgroundError,
      spaceGuard: disk.ledgerGuard(),
    });
    const onBackgroundErrorFor = (context: string) => (error: unknown) =>
      onBackgroundError(error, context);
    const telemetry = new TelemetryAggregator();
    // OpenTelemetry (GenAI conventions) when `telemetry.otlp_endpoint` is set; else nothing runs.
    const tracing = Tracing.fromConfig(config.telemetry);
    const principals = new PrincipalDirectory();
    const kernel = new Kernel({ identity: principals, ledger, telemetry, onBackgroundError });
    kernel.addLimit(disk.limitStage());
    if (options.timers)
      disk.start(config.disk.check_seconds * 1000, onBackgroundErrorFor('disk check'));
    disk.onChange((low, space) =>
      (low ? logger.error : logger.info).call(
        logger,
        { free_mb: Math.floor(space.freeBytes / 1024 / 1024), reserve_mb: config.disk.reserve_mb },
        low
          ? 'disk reserve reached: changes are refused until space is freed'
          : 'disk space is back above the reserve',
      ),
    );
    const apiKeys = new ApiKeyStore(store);
    registerBuiltinOperations(kernel, { ledger, telemetry, apiKeys });
    if (tracing.enabled) kernel.observe({ record: (e) => tracing.recordOp(e) });
    const gatewaySystem = openGatewaySystem({
      ...(tracing.enabled
        ? {
            onUsage: (e: UsageEvent) =>
              tracing.recordModelCall(
                {
                  system: e.provider,
                  model: e.model,
                  operation: e.operation === 'embed' ? 'embeddings' : 'chat',
                },
                { startedAt: Date.now() - e.durationMs, endedAt: Date.now() },
                { inputTokens: e.usage.inputTokens, outputTokens: e.usage.outputTokens },
                e.outcome === 'ok' ? undefined : e.outcome,
              ),
          }
        : {}),
      config,
      store,
      ledger,
      logger,
      env: options.env ?? process.env,
    });
    let degradationRef: DegradationSystem | undefined;
    registerLlmOperations(kernel, gatewaySystem.gateway, {
      ledgerContent: config.gateway.ledger_content,
      shape: (request) => degradationRef?.shape(request) ?? request,
    });
    let agentsRef: AgentHost | undefined;
    const policy = openPolicySystem({
      kernel,
      store,
      ledger,
      fsRoots: (agentId) => {
        const fs = agentsRef?.byId(agentId)?.scopes.fs;
        return fs === undefined ? [] : [...fs.write, ...fs.read];
      },
      autoApprove: (agent) => config.agents.find((a) => a.name === agent)?.auto_approve ?? [],
      confirmCommands: (agent) => config.agents.find((a) => a.name === agent)?.confirm_commands,
    });
    kernel.addLimit(
      agentRateLimits(config.rate_limits.agents, gatewaySystem.redis, config.redis?.key_prefix),
    );
    const integrity = openIntegritySystem({
      store,
      ledger,
      kernel,
      anchors,
      config: config.ledger,
      timers: options.timers === true,
      onBackgroundError: onBackgroundErrorFor,
    });
    const degradation = openDegradationSystem({
      kernel,
      ledger,
      budgets: gatewaySystem.budgets,
      approvals: policy.approvals,
      config: config.gateway.degradation,
      timers: options.timers === true,
      onBackgroundError: onBackgroundErrorFor,
    });
    degradationRef = degradation;
    const hooks = await openHookSystem({
      hooks: config.hooks,
      baseDir: options.configDir ?? process.cwd(),
      ledger,
      onBackgroundError,
    });
    const records = new SealedRecords({ store, ledger });
    const logs = openLogSystem({
      store,
      config: config.logs,
      logger,
      kernel,
      clock: kernel.clock,
      agentIdOf: (name) => agentsRef?.byName(name)?.id,
    });
    const resolved = resolveAgentPaths(config, options.configDir ?? process.cwd());
    const agents = await AgentHost.open({
      kernel,
      store,
      records,
      sealer: keyring,
      registerPrincipal: (principal) => principals.register(principal),
      onAnyBeat: (agent, report) => {
        logs.onBeat(agent, report);
        if (tracing.enabled) {
          tracing.recordBeat(agent, { ...report, phases: { ...report.phases } }, Date.now());
        }
      },
      onAnyError: (agent, error, action) => logs.onBeatError(agent, error, action),
      authorizeTool: (principal, call) => policy.authorizeTool(principal, call),
      toolHooks: logs.toolHooks(hooks.toolHooks),
      agents: resolved.agents,
      mcpServers: resolved.mcp_servers,
      createdBy: options.createdBy ?? 'system:agentvisor',
      baseDir: options.configDir ?? process.cwd(),
    });
    agentsRef = agents;
    const teamMemory = new TeamMemory({
      store,
      dataDir,
      config: config.memory as MemoryConfigInput,
      clock: kernel.clock,
      // With Redis configured, every node shares the hot tier.
      ...(gatewaySystem.redis === undefined
        ? {}
        : {
            hot: new RedisHotTier({
              client: gatewaySystem.redis,
              keyPrefix: `${config.redis?.key_prefix ?? 'agentvisor:'}memory:`,
            }),
          }),
    });
    const memoryLifecycle = options.timers
      ? setInterval(() => {
          teamMemory.runLifecycle().catch(onBackgroundErrorFor('team memory lifecycle'));
        }, 10 * 60_000).unref()
      : undefined;
    const team = openTeamSystem({
      memory: teamMemory,
      hooks,
      kernel,
      store,
      records,
      agents,
      approvals: policy.approvals,
      principals,
      config: config.team,
    });
    const conversations = openConversationSystem({ kernel, store, team });
    registerFeedbackOperations(kernel, store);
    registerSnapshotOperations(kernel, agents);
    registerMemoryInspection(kernel, agents);
    await policy.install(agents.list().map((a) => ({ def: agents.definition(a.name), id: a.id })));
    const expirySweep = options.timers
      ? setInterval(() => {
          policy.approvals.expireOverdue().catch(onBackgroundErrorFor('approval expiry'));
        }, 30_000).unref()
      : undefined;
    // Opened last: it holds connections (Redis) that nothing after it could fail and leak.
    const bus = await openBusSystem({
      config: config.bus,
      redisUrl: (options.env ?? process.env)['AGENTVISOR_REDIS_URL'] || config.redis?.url,
      redisKeyPrefix: config.redis?.key_prefix ?? 'agentvisor:',
      kernel,
      agents,
      ledger,
      logger,
    });
    const access = openAccessSystem({
      kernel,
      store,
      principals,
      sessionTtlMs: config.server.session_hours * 3_600_000,
      lockout: {
        maxFailures: config.server.login_max_failures,
        lockoutMs: config.server.lockout_minutes * 60_000,
      },
      ...(options.scryptN === undefined ? {} : { scryptN: options.scryptN }),
    });
    if (options.timers) logs.retention.start();
    let closed: Promise<{ finalCheckpointSize: number | undefined }> | undefined;
    return {
      config,
      dataDir,
      store,
      keyring,
      ledger,
      anchors,
      kernel,
      principals,
      telemetry,
      apiKeys,
      gateway: gatewaySystem.gateway,
      gatewaySystem,
      records,
      agents,
      policy,
      team,
      degradation,
      integrity,
      disk,
      access,
      conversations,
      logs,
      hooks,
      bus,
      close(closeOptions = {}) {
        closed ??= (async () => {
          if (expirySweep !== undefined) clearInterval(expirySweep);
          degradation.close();
          integrity.close();
          disk.stop();
          if (memoryLifecycle !== undefined) clearInterval(memoryLifecycle);
          await team.orchestrator.stop();
          await bus.close().catch(onBackgroundErrorFor('message bus close'));
          // The in-process hot tier would be lost with the process: move it to the store.
          await teamMemory.flushHot().catch(onBackgroundErrorFor('team memory flush'));
          try {
            await agents.close();
          } finally {
            kernel.stopAccepting();
          }
          try {
            // After the agents, so their last lines are written; before the store closes.
            await logs.close().catch(onBackgroundErrorFor('log flush'));
            await gatewaySystem.close();
            await tracing.shutdown().catch(onBackgroundErrorFor('trace export'));
            const cp = await ledger.close(closeOptions);
            return { finalCheckpointSize: cp?.size };
          } finally {
            await store.close();
          }
        })();
        return closed;
      },
    };
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
}

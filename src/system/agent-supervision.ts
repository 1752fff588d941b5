/**
 * @module Supervision of the configured agents in a running node: the OTP supervisor over
 * every agent (in dependency order), the resource monitor and fault detector ticking each
 * `supervisor.monitor_interval_ms`, the watchdog fed by heartbeats, dependency cascades, and a
 * ledger entry for every state change and fault (`supervisor.state`, `supervisor.fault`), so
 * the compliance report can be recomputed from the ledger alone. Agents of `unacceptable` risk
 * never start. Throttling is a kernel limit stage: a throttled agent's calls are refused with
 * RATE_LIMITED until the throttle lapses.
 */
import { z } from 'zod';
import {
  type AgentConfig,
  AgentvisorError,
  type CallEvent,
  type FaultKind,
  type LimitStage,
  type Principal,
} from '../core/index.js';
import { listEntries } from '../ledger/index.js';
import { type AgentPolicy, type ComplianceReport, computeCompliance } from '../policy/index.js';
import {
  type ChildInfo,
  type ChildStateEvent,
  DependencyGraph,
  type Fault,
  FaultDetector,
  type FaultOverrides,
  type OperationProfile,
  Profiler,
  ResourceMonitor,
  restartModeOf,
  Supervisor,
  type SupervisorEvent,
} from '../supervisor/index.js';
import type { AgentvisorSystem } from './agentvisor-system.js';
import type { Logger } from './logger.js';
import { SupervisedAgent } from './supervised-agent.js';

/** How long a `throttle` action holds an agent's calls back. */
const THROTTLE_MS = 5000;
const ACTOR = 'system:supervisor';

/** What `status`, `list` and `info` show of one agent. */
export interface SupervisedAgentView extends ChildInfo {
  readonly risk: AgentConfig['risk'];
  readonly isolation: AgentConfig['isolation'];
  readonly throttledUntil: number | null;
  /** The daemon's own state: `suspended` while paused (by a person, a budget or a fault). */
  readonly daemon: { readonly status: string; readonly reason: string | null } | null;
}

/** See the module comment. */
export class AgentSupervision {
  readonly supervisor: Supervisor;
  readonly graph: DependencyGraph;
  readonly monitor: ResourceMonitor;
  readonly detector: FaultDetector;
  readonly profiler = new Profiler();
  readonly #system: AgentvisorSystem;
  readonly #logger: Logger;
  readonly #runners = new Map<string, SupervisedAgent>();
  readonly #defs = new Map<string, AgentConfig>();
  readonly #ids = new Map<string, string>();
  /** Agent id to name, for faults, which name the agent by id. */
  readonly #names = new Map<string, string>();
  readonly #throttled = new Map<string, number>();
  readonly #refused = new Set<string>();
  readonly #budgetPaused = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #pending: Promise<unknown> = Promise.resolve();

  constructor(system: AgentvisorSystem, logger: Logger) {
    this.#system = system;
    this.#logger = logger;
    const s = system.config.supervisor;
    this.supervisor = new Supervisor({
      name: 'agents',
      strategy: s.strategy,
      intensity: {
        maxRestarts: s.intensity.max_restarts,
        withinSeconds: s.intensity.within_seconds,
      },
      backoffSeconds: s.backoff_seconds,
      resetAfterSeconds: s.reset_after_seconds,
    });
    this.graph = DependencyGraph.fromDeclaredAgents(system.config.agents);
    this.monitor = new ResourceMonitor({ intervalMs: s.monitor_interval_ms });
    this.detector = new FaultDetector({
      monitor: this.monitor,
      preset: s.faults,
      limits: {
        watchdogSeconds: s.watchdog_seconds,
        cpuPercent: s.default_limits.cpu_percent,
        memoryBytes:
          s.default_limits.memory_mb === null ? null : s.default_limits.memory_mb * 1024 * 1024,
        opsPerSecond: s.default_limits.ops_per_second,
      },
    });
    for (const def of system.config.agents) {
      this.#defs.set(def.name, def);
      const hosted = system.agents.byName(def.name);
      if (hosted !== undefined) {
        this.#ids.set(def.name, hosted.id);
        this.#names.set(hosted.id, def.name);
      }
    }
    this.supervisor.onEvent((e) => this.#onEvent(e));
    system.kernel.observe({ record: (e) => this.#observe(e) });
    system.kernel.addLimit(this.#throttle());
    this.#registerLifecycleOperations();
    this.#registerPauseOperations();
    // Step 3 of the budget ladder pauses the configured low-priority agents; reversing it
    // resumes exactly those (not agents a person paused).
    system.degradation.onChange((change) => {
      if (change.applied.includes('pause')) {
        for (const name of system.config.gateway.degradation.pause_agents) {
          if (this.#system.agents.spawned(name)?.daemon.status !== 'running') continue;
          this.#budgetPaused.add(name);
          void this.pause(name, 'budget pressure (degradation ladder)').catch((error) =>
            this.#logger.warn(
              { agent: name, err: { message: (error as Error).message } },
              'budget pause failed',
            ),
          );
        }
      }
      if (change.reverted.includes('pause')) {
        for (const name of this.#budgetPaused) {
          if (this.#system.agents.spawned(name)?.daemon.status !== 'suspended') continue;
          void this.resume(name, 'budget pressure eased').catch((error) =>
            this.#logger.warn(
              { agent: name, err: { message: (error as Error).message } },
              'budget resume failed',
            ),
          );
        }
        this.#budgetPaused.clear();
      }
    });
    // A hot patch of the restart limit applies from the agent's next exit; the capabilities
    // shown by status and the compliance report follow the policy in force.
    system.policy.policies.onChange(({ policy }) => {
      if (!this.supervisor.list().some((c) => c.name === policy.agent)) return;
      this.supervisor.setAutoRestart(policy.agent, policy.autoRestart);
      this.supervisor.setCapabilities(policy.agent, capabilitiesOf(policy));
    });
  }

  /** Starts every agent in dependency order, then the monitor and the fault checks. */
  async start(): Promise<void> {
    for (const name of this.graph.startOrder()) {
      const def = this.#defs.get(name)!;
      const id = this.#ids.get(name)!;
      if (def.risk === 'unacceptable') {
        this.#refused.add(name);
        this.#record('supervisor.state', name, {
          agent_id: id,
          agent: name,
          from: 'pending',
          to: 'failed',
          reason: 'risk: unacceptable',
          restart_count: 0,
          risk: def.risk,
        });
        this.#logger.warn({ agent: name }, 'agent not started: its risk level is unacceptable');
        continue;
      }
      const runner = new SupervisedAgent(this.#system.agents, name, {
        onBeat: () => {
          this.detector.heartbeat(id);
          this.supervisor.touch(name);
        },
        onStatus: (status, reason) =>
          this.#logger.info({ agent: name, status, reason }, 'agent status changed'),
      });
      this.#runners.set(name, runner);
      await this.supervisor.add(runner, {
        id,
        restart: restartModeOf(def.restart.policy),
        autoRestart: def.restart.auto_restart,
        ...(def.restart.backoff_seconds === undefined
          ? {}
          : { backoffSeconds: def.restart.backoff_seconds }),
        capabilities: this.#capabilities(def, id),
      });
    }
    await this.supervisor.start();
    this.monitor.start();
    const every = this.#system.config.supervisor.monitor_interval_ms;
    this.#timer = setInterval(() => this.#checkFaults(), every);
    this.#timer.unref();
  }

  /** Graceful stop: no more fault checks, every agent stopped in reverse start order. */
  async stop(reason = 'shutdown'): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.monitor.stop();
    await this.supervisor.stop(reason);
    await this.#pending;
  }

  /** Every configured agent with its supervision state. */
  list(): SupervisedAgentView[] {
    const known = new Map(this.supervisor.list().map((c) => [c.name, c]));
    return [...this.#defs.values()].map((def) => {
      const info: ChildInfo = known.get(def.name) ?? {
        id: this.#ids.get(def.name) ?? '',
        name: def.name,
        state: this.#refused.has(def.name) ? 'failed' : 'pending',
        capabilities: this.#capabilities(def, this.#ids.get(def.name) ?? ''),
        restartMode: restartModeOf(def.restart.policy),
        autoRestart: def.restart.auto_restart,
        restartCount: 0,
        crashRestartCount: 0,
        startIndex: -1,
        lastActivityAt: null,
        activeSince: null,
      };
      const until = this.#throttled.get(info.id);
      const daemon = this.#system.agents.spawned(def.name)?.daemon;
      return {
        ...info,
        risk: def.risk,
        isolation: def.isolation,
        throttledUntil: until !== undefined && until > Date.now() ? until : null,
        daemon:
          daemon === undefined ? null : { status: daemon.status, reason: daemon.reason ?? null },
      };
    });
  }

  /** One agent, or NOT_FOUND naming the configured agents. */
  info(name: string): SupervisedAgentView {
    const found = this.list().find((a) => a.name === name);
    if (found === undefined) {
      throw new AgentvisorError(
        'NOT_FOUND',
        `no agent "${name}"; configured: ${[...this.#defs.keys()].join(', ') || '(none)'}`,
      );
    }
    return found;
  }

  /** Dependencies and dependents of an agent, direct and transitive, by kind. */
  deps(name: string) {
    this.info(name);
    return {
      agent: name,
      dependsOn: this.graph.dependenciesOf(name).map((d) => ({
        agent: d,
        kind: this.graph.kindOf(name, d),
      })),
      dependsOnTransitive: this.graph.dependenciesOf(name, { transitive: true }),
      dependents: this.graph.dependentsOf(name).map((d) => ({
        agent: d,
        kind: this.graph.kindOf(d, name),
      })),
      exitCascade: this.graph.cascadeOnExit(name),
      notifiedOnExit: this.graph.notifiedOnExit(name),
    };
  }

  /** The compliance report over the whole ledger and the agents' policies in force. */
  async compliance(): Promise<ComplianceReport> {
    const PAGE = 10_000;
    const entries = [];
    for (let from = 1; ; from += PAGE) {
      const page = await listEntries(this.#system.store, { fromSeq: from, limit: PAGE });
      entries.push(...page);
      if (page.length < PAGE) break;
    }
    return computeCompliance(
      entries,
      this.list().map((a) => ({
        agentId: a.id,
        name: a.name,
        risk: a.risk,
        capabilities: a.capabilities,
      })),
    );
  }

  /** Per-operation profile of an agent (the last 100 samples of each operation). */
  profile(name: string): { agent: string; operations: OperationProfile[] } {
    const { id } = this.info(name);
    return { agent: name, operations: this.profiler.allStats(id) };
  }

  // Operators start, stop and restart agents through the kernel, so the ledger names who did it
  // and why; the supervisor's own state transitions are recorded beside them.
  #registerLifecycleOperations(): void {
    const args = z
      .object({
        agent: z.string().min(1).max(128),
        reason: z.string().min(1).max(500),
      })
      .strict();
    const facts = (a: z.infer<typeof args>) => ({ agent: a.agent, reason: a.reason });
    this.#system.kernel.register({
      name: 'agent.start',
      description: 'Starts a stopped or failed agent (its auto-restart allowance is renewed).',
      effect: 'write',
      capability: 'agent.govern',
      args,
      handler: async (_ctx, a) => {
        const info = this.#running(a.agent);
        if (info.state !== 'exited' && info.state !== 'failed') {
          throw new AgentvisorError(
            'CONFLICT',
            `agent "${a.agent}" is ${info.state}; only an exited or failed agent can be started (use restart)`,
          );
        }
        await this.supervisor.restart(a.agent, a.reason);
        return this.info(a.agent);
      },
      ledgerFacts: facts,
    });
    this.#system.kernel.register({
      name: 'agent.stop',
      description: 'Stops an agent for good (until started again); it keeps its goals and memory.',
      effect: 'write',
      capability: 'agent.govern',
      args,
      handler: async (_ctx, a) => {
        this.#running(a.agent);
        await this.supervisor.stopChild(a.agent, a.reason);
        return this.info(a.agent);
      },
      ledgerFacts: facts,
    });
    this.#system.kernel.register({
      name: 'agent.restart',
      description: 'Restarts an agent now, without backoff.',
      effect: 'write',
      capability: 'agent.govern',
      args,
      handler: async (_ctx, a) => {
        this.#running(a.agent);
        await this.supervisor.restart(a.agent, a.reason);
        return this.info(a.agent);
      },
      ledgerFacts: facts,
    });
  }

  // Pausing keeps the agent's process, goals, memory and pending work; it only stops beating.
  // Its watchdog is off while paused, or a paused agent would be "hung" and restarted.
  #registerPauseOperations(): void {
    const one = z
      .object({ agent: z.string().min(1).max(128), reason: z.string().trim().min(1).max(500) })
      .strict();
    const many = z
      .object({
        agents: z.array(z.string().min(1).max(128)).min(1).max(1000).optional(),
        reason: z.string().trim().min(1).max(500),
      })
      .strict();
    this.#system.kernel.register({
      name: 'agent.pause',
      description: 'Pauses an agent: no more beats; goals, memory and pending work are kept.',
      effect: 'write',
      capability: 'agent.govern',
      args: one,
      handler: async (_ctx, a) => this.pause(a.agent, a.reason),
      ledgerFacts: (a) => ({ agent: a.agent, reason: a.reason }),
    });
    this.#system.kernel.register({
      name: 'agent.resume',
      description: 'Resumes a paused agent where it was.',
      effect: 'write',
      capability: 'agent.govern',
      args: one,
      handler: async (_ctx, a) => this.resume(a.agent, a.reason),
      ledgerFacts: (a) => ({ agent: a.agent, reason: a.reason }),
    });
    for (const verb of ['pause', 'resume'] as const) {
      this.#system.kernel.register({
        name: `team.${verb}`,
        description:
          verb === 'pause'
            ? 'Pauses every agent of the team (or the named ones); runs wait until they resume.'
            : 'Resumes every paused agent of the team (or the named ones).',
        effect: 'write',
        capability: 'agent.govern',
        args: many,
        handler: async (_ctx, a) => {
          const names = a.agents ?? [...this.#defs.keys()];
          const agents = [];
          for (const name of names) {
            const daemon = this.#system.agents.spawned(name)?.daemon;
            const target = verb === 'pause' ? 'running' : 'suspended';
            if (daemon === undefined || daemon.status !== target) continue;
            agents.push(
              verb === 'pause'
                ? await this.pause(name, a.reason)
                : await this.resume(name, a.reason),
            );
          }
          return { agents };
        },
        ledgerFacts: (a, result) => ({
          reason: a.reason,
          agents: result?.agents.map((x) => x.name) ?? a.agents ?? null,
        }),
      });
    }
  }

  /** Pauses a running agent; CONFLICT when it is not running. */
  async pause(name: string, reason: string): Promise<SupervisedAgentView> {
    const { id } = this.info(name);
    const daemon = this.#system.agents.spawned(name)?.daemon;
    if (daemon === undefined || daemon.status !== 'running') {
      throw new AgentvisorError(
        'CONFLICT',
        `agent "${name}" is ${daemon?.status ?? 'not started'}; only a running agent can be paused`,
      );
    }
    await daemon.suspend(`paused: ${reason}`);
    this.detector.untrack(id);
    return this.info(name);
  }

  /** Resumes a paused agent; CONFLICT when it is not paused. */
  async resume(name: string, _reason: string): Promise<SupervisedAgentView> {
    const { id } = this.info(name);
    const daemon = this.#system.agents.spawned(name)?.daemon;
    if (daemon === undefined || daemon.status !== 'suspended') {
      throw new AgentvisorError(
        'CONFLICT',
        `agent "${name}" is ${daemon?.status ?? 'not started'}; only a paused agent can be resumed`,
      );
    }
    const def = this.#defs.get(name);
    this.detector.track(id, def === undefined ? {} : overridesOf(def));
    await daemon.resume();
    return this.info(name);
  }

  #running(name: string): SupervisedAgentView {
    const info = this.info(name);
    if (this.supervisor.get(name) === undefined) {
      throw new AgentvisorError(
        'CONFLICT',
        `agent "${name}" is not under supervision (${this.#refused.has(name) ? 'refused: its risk level is unacceptable' : 'the node has not started it yet'})`,
      );
    }
    return info;
  }

  /** The capabilities in force for an agent: its policy's grants, else its configured list. */
  #capabilities(def: AgentConfig, id: string): string[] {
    const policy = this.#system.policy.policies.get(id);
    return policy === undefined ? [...def.capabilities] : capabilitiesOf(policy);
  }

  #observe(e: CallEvent): void {
    if (!e.actor.startsWith('agent:')) return;
    const id = e.actor.slice(6);
    if (this.monitor.has(id)) this.monitor.recordOp(id);
    this.profiler.record(id, e.op, e.durationUs, e.outcome === 'ok');
  }

  #throttle(): LimitStage {
    return {
      name: 'supervisor-throttle',
      check: (principal: Principal) => {
        if (principal.kind !== 'agent') return { kind: 'allow' };
        const until = this.#throttled.get(principal.id);
        if (until === undefined) return { kind: 'allow' };
        const left = until - Date.now();
        if (left <= 0) {
          this.#throttled.delete(principal.id);
          return { kind: 'allow' };
        }
        return {
          kind: 'reject',
          code: 'RATE_LIMITED',
          reason: `agent is throttled by the supervisor for another ${Math.ceil(left / 1000)} s after a fault`,
          retryAfterMs: left,
        };
      },
    };
  }

  #onEvent(e: SupervisorEvent): void {
    if (e.type !== 'state') {
      this.#logger.error({ supervisor: e.supervisor, reason: e.reason }, 'supervisor gave up');
      return;
    }
    const def = this.#defs.get(e.child);
    if (e.to === 'active') {
      this.#system.hooks.notify('SessionStart', {
        agent: e.child,
        agentId: e.id,
        reason: e.reason,
      });
    } else if (e.to === 'exited' || e.to === 'failed') {
      this.#system.hooks.notify('SessionEnd', {
        agent: e.child,
        agentId: e.id,
        reason: e.reason.slice(0, 1024),
      });
    }
    this.#record('supervisor.state', e.child, {
      agent_id: e.id,
      agent: e.child,
      from: e.from,
      to: e.to,
      reason: e.reason,
      restart_count: e.restartCount,
      ...(e.to === 'spawned' && def !== undefined ? { risk: def.risk } : {}),
      ...(e.exit?.code == null ? {} : { exit_code: e.exit.code }),
      ...(e.exit?.signal == null ? {} : { signal: e.exit.signal }),
    });
    this.#system.telemetry.agentEvent(e.id, e.child, e.to, e.reason);
    this.#track(e, def);
    if (e.to === 'fault' && e.exit !== undefined && e.exit.kind !== 'killed') {
      this.#recordFault(
        this.detector.report(e.id, { fault: 'crash', detail: e.exit.reason }),
        e.child,
      );
    }
    // Requested stops (shutdown, a cascade) carry no exit; only an agent's own end cascades.
    if (e.to === 'failed' || (e.to === 'exited' && e.exit !== undefined)) this.#cascade(e.child);
  }

  #track(e: ChildStateEvent, def: AgentConfig | undefined): void {
    if (e.to === 'active') {
      if (!this.monitor.has(e.id))
        this.monitor.add(e.id, e.pid === undefined ? {} : { pid: e.pid });
      else this.monitor.setPid(e.id, e.pid);
      this.detector.track(e.id, def === undefined ? {} : overridesOf(def));
    } else if (e.to === 'exited' || e.to === 'failed') {
      this.monitor.remove(e.id);
      this.detector.untrack(e.id);
    }
  }

  #cascade(name: string): void {
    const order = this.graph.cascadeOnExit(name);
    for (const dependent of order) {
      this.#pending = this.#pending
        .then(() => this.supervisor.stopChild(dependent, `cascade: ${name} exited`))
        .catch((error) =>
          this.#logger.warn(
            { agent: dependent, err: { message: (error as Error).message } },
            'cascade stop failed',
          ),
        );
    }
    for (const notified of this.graph.notifiedOnExit(name)) {
      this.#logger.info({ agent: notified, dependency: name }, 'optional dependency exited');
    }
  }

  #checkFaults(): void {
    for (const fault of this.detector.checkAll()) {
      const name = this.#names.get(fault.agentId);
      if (name === undefined) continue;
      this.#recordFault(fault, name);
      this.#act(fault, name);
    }
  }

  #act(fault: Fault, name: string): void {
    const runner = this.#runners.get(name);
    switch (fault.action) {
      case 'log':
        return;
      case 'throttle':
        this.#throttled.set(fault.agentId, Date.now() + THROTTLE_MS);
        return;
      case 'suspend':
        void this.#system.agents.spawned(name)?.daemon.suspend(`${fault.fault}: ${fault.detail}`);
        return;
      case 'kill':
        runner?.kill(`${fault.fault}: ${fault.detail}`);
        return;
      case 'restart':
        // A hung process cannot stop itself: kill it and let the restart policy bring it back.
        runner?.kill(`${fault.fault}: ${fault.detail}`);
        return;
    }
  }

  #recordFault(fault: Fault, name: string): void {
    this.#record('supervisor.fault', name, {
      agent_id: fault.agentId,
      agent: name,
      fault: fault.fault,
      detail: fault.detail,
      action: fault.action,
    });
    this.#system.telemetry.fault(
      fault.agentId,
      name,
      fault.fault as FaultKind,
      fault.action,
      fault.detail,
    );
    this.#logger.warn(
      { agent: name, fault: fault.fault, action: fault.action },
      `agent fault: ${fault.detail}`,
    );
  }

  #record(type: string, subject: string, payload: Record<string, unknown>): void {
    const pending = this.#system.ledger
      .append({ type, actor: ACTOR, subject, payload })
      .catch((error) =>
        this.#logger.error(
          { err: { message: (error as Error).message }, type },
          'ledger append failed',
        ),
      );
    this.#pending = Promise.all([this.#pending, pending]);
  }
}

function overridesOf(def: AgentConfig): FaultOverrides {
  const l = def.limits;
  return {
    limits: {
      ...(l.cpu_percent === null ? {} : { cpuPercent: l.cpu_percent }),
      ...(l.memory_mb === null ? {} : { memoryBytes: l.memory_mb * 1024 * 1024 }),
      ...(l.ops_per_second === null ? {} : { opsPerSecond: l.ops_per_second }),
      ...(l.watchdog_seconds === null ? {} : { watchdogSeconds: l.watchdog_seconds }),
    },
    actions: def.faults,
  };
}

/** Distinct capability names of a policy's grants, sorted. */
function capabilitiesOf(policy: AgentPolicy): string[] {
  return [...new Set(policy.grants.map((g) => g.capability))].sort();
}

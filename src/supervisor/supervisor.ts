/**
 * @module The supervisor: starts its children in order, watches their exits, and restarts them
 * by an Erlang/OTP strategy with per-child restart modes and `auto_restart` limits (seed 001),
 * a backoff schedule (seed 002) and a restart intensity beyond which it gives up and escalates
 * to its parent. A supervisor is itself a {@link SupervisedChild}, so supervisors nest into
 * trees. Deterministic: time and timers are injected, and every start, stop and restart runs
 * one at a time on an internal queue, so a crash that arrives while siblings are being
 * restarted is folded into that restart instead of restarting anything twice.
 */
import { AgentvisorError, type Clock, systemClock } from '../core/index.js';
import { type DelayTimer, systemDelayTimer } from './delay-timer.js';
import { type RestartIntensity, RestartIntensityWindow } from './restart-intensity.js';
import {
  backoffDelayMs,
  checkBackoffSchedule,
  DEFAULT_BACKOFF_SECONDS,
  RESTART_MODES,
  RESTART_STRATEGIES,
  type RestartMode,
  type RestartStrategy,
  restartGroup,
  shouldRestart,
} from './restart-policy.js';
import type { ChildExit, ChildRuntimeInfo, SupervisedChild } from './supervised-child.js';
import type {
  ChildInfo,
  ChildSpec,
  ChildState,
  ChildStatus,
  SupervisorEvent,
} from './supervisor-event.js';

/** Options for {@link Supervisor}. */
export interface SupervisorOptions {
  /** The supervisor's own name, as a child of its parent. */
  readonly name: string;
  /** Default `one_for_one`. */
  readonly strategy?: RestartStrategy;
  /** Default 10 restarts within 60 s (the config defaults). */
  readonly intensity?: RestartIntensity;
  /** Default {@link DEFAULT_BACKOFF_SECONDS} (10, 30, 60). */
  readonly backoffSeconds?: readonly number[];
  /** A child up this long starts its backoff schedule over; default 60. */
  readonly resetAfterSeconds?: number;
  readonly clock?: Clock;
  readonly timer?: DelayTimer;
}

/**
 * `idle` before the first start; `escalating`/`escalated` after the intensity was exceeded (a
 * parent may start it again).
 */
export type SupervisorStatus =
  | 'idle'
  | 'starting'
  | 'running'
  | 'stopping'
  | 'stopped'
  | 'escalating'
  | 'escalated';

/** Children that crashed together and restart together after one backoff. */
interface RecoveryPlan {
  readonly members: Set<ChildRecord>;
  timer: unknown;
}

interface ChildRecord {
  readonly child: SupervisedChild;
  readonly id: string;
  readonly name: string;
  readonly mode: RestartMode;
  readonly backoffSeconds: readonly number[];
  autoRestart: number | null;
  capabilities: readonly string[];
  state: ChildStatus;
  runtime: ChildRuntimeInfo;
  restartCount: number;
  crashRestartCount: number;
  /** Index into the backoff schedule for the next restart. */
  backoffAttempt: number;
  activeSince: number | null;
  lastActivityAt: number | null;
  /** Started and not yet seen to exit or stop. */
  running: boolean;
  /** The supervisor asked it to stop: its exit is not a fault. */
  stopping: boolean;
  /** Bumped at every start, so exits of an earlier run are ignored. */
  generation: number;
  unsubscribe: (() => void) | undefined;
  /** Set between a fault and the queued recovery that handles it. */
  pendingFault: number | undefined;
  plan: RecoveryPlan | undefined;
  everStarted: boolean;
}

const UP: ReadonlySet<ChildStatus> = new Set(['spawned', 'restarted', 'active']);

/**
 * Supervises children by a restart strategy.
 *
 * @example
 * const supervisor = new Supervisor({ name: 'root', strategy: 'rest_for_one' });
 * await supervisor.add(dbRunner, { restart: 'permanent', autoRestart: 5 });
 * await supervisor.add(apiRunner, { restart: 'transient' });
 * supervisor.onEvent((e) => ledger.append(e));
 * await supervisor.start();
 */
export class Supervisor implements SupervisedChild {
  readonly name: string;
  readonly strategy: RestartStrategy;
  readonly #intensity: RestartIntensityWindow;
  readonly #backoffSeconds: readonly number[];
  readonly #resetAfterMs: number;
  readonly #clock: Clock;
  readonly #timer: DelayTimer;
  readonly #children = new Map<string, ChildRecord>();
  readonly #order: ChildRecord[] = [];
  readonly #plans = new Set<RecoveryPlan>();
  readonly #eventListeners = new Set<(event: SupervisorEvent) => void>();
  readonly #exitListeners = new Set<(exit: ChildExit) => void>();
  #status: SupervisorStatus = 'idle';
  #queue: Promise<void> = Promise.resolve();
  #faultSeq = 0;

  constructor(options: SupervisorOptions) {
    if (options.name.length === 0) {
      throw new AgentvisorError('INPUT_INVALID', 'supervisor name: expected a non-empty string');
    }
    const strategy = options.strategy ?? 'one_for_one';
    if (!RESTART_STRATEGIES.includes(strategy)) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `supervisor "${options.name}" strategy: "${strategy}" is not one of ${RESTART_STRATEGIES.join(', ')}`,
      );
    }
    const resetAfterSeconds = options.resetAfterSeconds ?? 60;
    if (!Number.isFinite(resetAfterSeconds) || resetAfterSeconds < 0) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `supervisor "${options.name}" resetAfterSeconds: expected a number >= 0, got ${resetAfterSeconds}`,
      );
    }
    this.name = options.name;
    this.strategy = strategy;
    this.#intensity = new RestartIntensityWindow(
      options.intensity ?? { maxRestarts: 10, withinSeconds: 60 },
    );
    this.#backoffSeconds = options.backoffSeconds ?? DEFAULT_BACKOFF_SECONDS;
    checkBackoffSchedule(this.#backoffSeconds, `supervisor "${options.name}" backoffSeconds`);
    this.#resetAfterMs = resetAfterSeconds * 1000;
    this.#clock = options.clock ?? systemClock;
    this.#timer = options.timer ?? systemDelayTimer;
  }

  /** Where the supervisor is in its own lifecycle. */
  get status(): SupervisorStatus {
    return this.#status;
  }

  /**
   * Adds a child at the end of the start order. A running supervisor starts it at once; an
   * idle one starts it with the others.
   */
  async add(child: SupervisedChild, spec: ChildSpec = {}): Promise<ChildInfo> {
    const record = this.#newRecord(child, spec);
    this.#children.set(record.name, record);
    this.#order.push(record);
    if (this.#status === 'running') {
      await this.#serial(async () => {
        if (this.#status === 'running' && this.#isCurrent(record) && record.state === 'pending') {
          await this.#launch(record, 'spawned', 'started');
        }
      });
    }
    return this.#info(record);
  }

  /**
   * Starts every child in start order and resolves when each has started (or faulted). Starting
   * again after a stop or an escalation begins afresh: restart counters and intensity reset.
   */
  async start(): Promise<ChildRuntimeInfo> {
    if (this.#status === 'running' || this.#status === 'starting') return {};
    if (this.#status === 'stopping' || this.#status === 'escalating') {
      throw new AgentvisorError(
        'CONFLICT',
        `supervisor "${this.name}" is ${this.#status}; start it again once it has stopped`,
      );
    }
    this.#status = 'starting';
    this.#intensity.reset();
    await this.#serial(async () => {
      // By index: children added while starting join the end of the order and start too.
      for (let i = 0; i < this.#order.length && this.#status === 'starting'; i++) {
        const record = this.#order[i]!;
        record.crashRestartCount = 0;
        record.backoffAttempt = 0;
        await this.#launch(record, record.everStarted ? 'restarted' : 'spawned', 'started');
      }
      if (this.#status === 'starting') this.#status = 'running';
    });
    return {};
  }

  /**
   * Stops every child in reverse start order (each ends `exited` with reason `stopped`),
   * cancelling pending restarts, then reports a normal exit to its own listeners.
   */
  async stop(reason: string): Promise<void> {
    if (this.#status === 'idle' || this.#status === 'stopped' || this.#status === 'escalated') {
      return;
    }
    if (this.#status === 'stopping' || this.#status === 'escalating') {
      await this.settled();
      return;
    }
    this.#status = 'stopping';
    this.#cancelPlans();
    await this.#serial(async () => {
      await this.#stopAll('stopped', reason);
      this.#status = 'stopped';
    });
    this.#notifyExit({ kind: 'normal', code: null, signal: null, reason: `stopped: ${reason}` });
  }

  /**
   * Restarts one child now, without backoff (an operator's request); a `failed` child gets its
   * `auto_restart` allowance back.
   */
  async restart(name: string, reason = 'requested'): Promise<void> {
    const record = this.#require(name);
    this.#requireRunning(`restart "${name}"`);
    await this.#serial(async () => {
      if (this.#status !== 'running' || !this.#isCurrent(record)) return;
      this.#leavePlan(record);
      record.pendingFault = undefined;
      if (record.state === 'failed') {
        record.crashRestartCount = 0;
        record.backoffAttempt = 0;
      }
      if (record.state !== 'recovery') {
        this.#transition(record, 'recovery', 'restart requested', { detail: reason });
      }
      await this.#halt(record, reason);
      await this.#launch(record, 'restarted', 'restart requested');
    });
  }

  /** Stops one child for good (it ends `exited`; {@link Supervisor.restart} brings it back). */
  async stopChild(name: string, reason: string): Promise<void> {
    const record = this.#require(name);
    await this.#serial(async () => {
      if (this.#isCurrent(record)) await this.#retire(record, reason);
    });
  }

  /** Stops a child (if it runs) and forgets it. */
  async remove(name: string, reason = 'removed'): Promise<void> {
    const record = this.#require(name);
    await this.#serial(async () => {
      if (!this.#isCurrent(record)) return;
      await this.#retire(record, reason);
      record.unsubscribe?.();
      this.#children.delete(name);
      this.#order.splice(this.#order.indexOf(record), 1);
    });
  }

  /** A child's metadata, or `undefined` when there is no such child. */
  get(name: string): ChildInfo | undefined {
    const record = this.#children.get(name);
    return record === undefined ? undefined : this.#info(record);
  }

  /** Every child's metadata, in start order. */
  list(): ChildInfo[] {
    return this.#order.map((r) => this.#info(r));
  }

  /** Records activity of a child now (a heartbeat, an operation). */
  touch(name: string): void {
    this.#require(name).lastActivityAt = this.#clock.now();
  }

  /** Replaces a child's capability list (a policy patch). */
  setCapabilities(name: string, capabilities: readonly string[]): void {
    this.#require(name).capabilities = [...capabilities];
  }

  /** Changes a child's `auto_restart` limit (`null`: unlimited); applies from its next exit. */
  setAutoRestart(name: string, limit: number | null): void {
    const record = this.#require(name);
    checkAutoRestart(limit, `child "${name}" autoRestart`);
    record.autoRestart = limit;
  }

  /** Subscribes to state transitions and escalations; returns the unsubscribe function. */
  onEvent(listener: (event: SupervisorEvent) => void): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  /** Subscribes to this supervisor's own exits (a stop, or a crash when it escalates). */
  onExit(listener: (exit: ChildExit) => void): () => void {
    this.#exitListeners.add(listener);
    return () => this.#exitListeners.delete(listener);
  }

  /**
   * Resolves once no start, stop or restart is queued or running (pending backoff timers do
   * not count): for tests and for callers that must observe a settled state.
   */
  async settled(): Promise<void> {
    let tail: Promise<void>;
    do {
      tail = this.#queue;
      await tail;
    } while (tail !== this.#queue);
  }

  #newRecord(child: SupervisedChild, spec: ChildSpec): ChildRecord {
    const where = `supervisor "${this.name}" child "${child.name}"`;
    if (child.name.length === 0) {
      throw new AgentvisorError('INPUT_INVALID', `supervisor "${this.name}": child name is empty`);
    }
    if (this.#children.has(child.name)) {
      throw new AgentvisorError(
        'CONFLICT',
        `${where}: the name is already used by a sibling; names must be unique per supervisor`,
      );
    }
    const mode = spec.restart ?? 'permanent';
    if (!RESTART_MODES.includes(mode)) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `${where} restart: "${mode}" is not one of ${RESTART_MODES.join(', ')}`,
      );
    }
    const autoRestart = spec.autoRestart ?? null;
    checkAutoRestart(autoRestart, `${where} autoRestart`);
    const backoffSeconds = spec.backoffSeconds ?? this.#backoffSeconds;
    checkBackoffSchedule(backoffSeconds, `${where} backoffSeconds`);
    return {
      child,
      id: spec.id ?? child.name,
      name: child.name,
      mode,
      backoffSeconds: [...backoffSeconds],
      autoRestart,
      capabilities: [...(spec.capabilities ?? [])],
      state: 'pending',
      runtime: {},
      restartCount: 0,
      crashRestartCount: 0,
      backoffAttempt: 0,
      activeSince: null,
      lastActivityAt: null,
      running: false,
      stopping: false,
      generation: 0,
      unsubscribe: undefined,
      pendingFault: undefined,
      plan: undefined,
      everStarted: false,
    };
  }

  /** Starts one child; a start that throws is a crash of that child. */
  async #launch(record: ChildRecord, via: 'spawned' | 'restarted', reason: string): Promise<void> {
    const generation = ++record.generation;
    if (via === 'restarted') record.restartCount++;
    record.everStarted = true;
    record.runtime = {};
    this.#transition(record, via, reason);
    record.unsubscribe?.();
    record.unsubscribe = record.child.onExit((exit) => this.#onChildExit(record, generation, exit));
    record.running = true;
    let runtime: ChildRuntimeInfo;
    try {
      runtime = await record.child.start();
    } catch (error) {
      // An exit reported during the start has already been handled as the fault.
      if (record.generation !== generation || !UP.has(record.state)) return;
      this.#detach(record);
      this.#fault(record, {
        kind: 'crash',
        code: null,
        signal: null,
        reason: `start failed: ${error instanceof Error ? error.message : String(error)}`,
      });
      return;
    }
    if (record.generation !== generation || !UP.has(record.state)) return;
    record.runtime = { ...runtime };
    const now = this.#clock.now();
    record.activeSince = now;
    record.lastActivityAt = now;
    this.#transition(record, 'active', 'started');
  }

  #onChildExit(record: ChildRecord, generation: number, exit: ChildExit): void {
    if (record.generation !== generation) return;
    const requested = record.stopping;
    this.#detach(record);
    // Exits the supervisor caused, and exits of children already down or awaiting a restart,
    // are not faults: counting them would restart a child twice.
    if (requested || !UP.has(record.state)) return;
    this.#fault(record, exit);
  }

  /** Decides what an unrequested exit leads to: nothing, `failed`, escalation, or a restart. */
  #fault(record: ChildRecord, exit: ChildExit): void {
    const now = this.#clock.now();
    if (record.activeSince !== null && now - record.activeSince >= this.#resetAfterMs) {
      record.backoffAttempt = 0;
    }
    const abnormal = exit.kind !== 'normal';
    if (abnormal) this.#transition(record, 'fault', `${exit.kind}: ${exit.reason}`, { exit });
    if (this.#status !== 'running' && this.#status !== 'starting') {
      // Stopping or giving up already: the stop leaves the child `exited`.
      if (!abnormal) this.#transition(record, 'exited', exit.reason, { exit });
      return;
    }
    if (!shouldRestart(record.mode, exit)) {
      if (abnormal)
        this.#transition(record, 'failed', `not restarted: restart mode ${record.mode}`);
      else this.#transition(record, 'exited', exit.reason, { exit });
      return;
    }
    if (!abnormal) this.#transition(record, 'exited', exit.reason, { exit });
    if (record.autoRestart !== null && record.crashRestartCount >= record.autoRestart) {
      this.#transition(
        record,
        'failed',
        `auto_restart limit reached: ${record.crashRestartCount} of ${record.autoRestart} restarts used`,
      );
      return;
    }
    if (!this.#intensity.admit(now)) {
      this.#escalate(record);
      return;
    }
    record.crashRestartCount++;
    const fault = ++this.#faultSeq;
    record.pendingFault = fault;
    void this.#serial(() => this.#recover(record, fault));
  }

  /**
   * Applies the strategy to one fault: every child of the restart group joins one plan (taking
   * over children that were already waiting in another plan, or that crashed too), the running
   * ones are stopped in reverse start order, and the plan restarts them after the crashed
   * child's backoff.
   */
  async #recover(crashed: ChildRecord, fault: number): Promise<void> {
    if (crashed.pendingFault !== fault || this.#status !== 'running') return;
    const group = restartGroup(
      this.strategy,
      this.#order.map((r) => r.name),
      crashed.name,
    ).map((name) => this.#children.get(name)!);
    const delay = backoffDelayMs(crashed.backoffSeconds, crashed.backoffAttempt);
    crashed.backoffAttempt++;
    const plan: RecoveryPlan = { members: new Set(), timer: undefined };
    this.#plans.add(plan);
    const siblingReason = `${this.strategy}: restarting with ${crashed.name}`;
    const toStop: ChildRecord[] = [];
    for (const member of group) {
      if (member === crashed) {
        member.pendingFault = undefined;
        this.#join(member, plan);
        const limit = member.autoRestart === null ? '' : ` of ${member.autoRestart}`;
        this.#transition(
          member,
          'recovery',
          `restart ${member.crashRestartCount}${limit} in ${delay / 1000}s`,
        );
      } else if (member.pendingFault !== undefined) {
        // It crashed too and its own recovery is queued: this plan restarts it instead.
        member.pendingFault = undefined;
        this.#join(member, plan);
        this.#transition(member, 'recovery', siblingReason);
      } else if (member.state === 'recovery' && member.plan !== undefined) {
        this.#join(member, plan);
      } else if (UP.has(member.state)) {
        this.#join(member, plan);
        this.#transition(member, 'recovery', siblingReason);
        toStop.push(member);
      }
      // Pending, exited and failed siblings stay down.
    }
    for (const member of toStop.reverse()) {
      await this.#halt(member, `${this.strategy}: ${crashed.name} exited`);
    }
    if (this.#status !== 'running' || !this.#plans.has(plan)) return;
    plan.timer = this.#timer.setTimeout(() => {
      plan.timer = undefined;
      void this.#serial(() => this.#restartPlan(plan));
    }, delay);
  }

  async #restartPlan(plan: RecoveryPlan): Promise<void> {
    if (!this.#plans.delete(plan) || this.#status !== 'running') return;
    const members = this.#order.filter((r) => r.plan === plan);
    for (const member of members) member.plan = undefined;
    for (const member of members) {
      if (this.#status !== 'running') return;
      if (member.state === 'recovery') {
        await this.#launch(member, 'restarted', `restarted (${this.strategy})`);
      }
    }
  }

  /** Gives up: stops every child, then exits as a crash so a parent applies its strategy. */
  #escalate(trigger: ChildRecord): void {
    const { maxRestarts, withinSeconds } = this.#intensity.intensity;
    const reason = `restart intensity exceeded: more than ${maxRestarts} restarts within ${withinSeconds}s (last: ${trigger.name})`;
    this.#status = 'escalating';
    this.#cancelPlans();
    this.#transition(trigger, 'failed', reason);
    void this.#serial(async () => {
      await this.#stopAll('escalated', reason);
      this.#status = 'escalated';
      this.#emit({
        type: 'escalated',
        supervisor: this.name,
        child: trigger.name,
        reason,
        maxRestarts,
        withinSeconds,
        at: this.#clock.now(),
      });
      this.#notifyExit({ kind: 'crash', code: null, signal: null, reason });
    });
  }

  async #stopAll(reason: string, detail: string): Promise<void> {
    for (const record of [...this.#order].reverse()) {
      record.pendingFault = undefined;
      record.plan = undefined;
      await this.#halt(record, detail);
      if (record.state !== 'pending' && record.state !== 'exited' && record.state !== 'failed') {
        this.#transition(record, 'exited', reason, { detail });
      }
    }
  }

  /** Stops one child for good: no pending restart, and `exited` unless it already ended. */
  async #retire(record: ChildRecord, detail: string): Promise<void> {
    this.#leavePlan(record);
    record.pendingFault = undefined;
    await this.#halt(record, detail);
    if (record.state !== 'pending' && record.state !== 'exited' && record.state !== 'failed') {
      this.#transition(record, 'exited', 'stopped', { detail });
    }
  }

  /** Stops a running child; its exit, reported or not, is the supervisor's doing. */
  async #halt(record: ChildRecord, reason: string): Promise<void> {
    if (!record.running) return;
    record.stopping = true;
    try {
      await record.child.stop(reason);
    } catch {
      // A failed stop leaves nothing to retry from here: the child is no longer counted on, and
      // a later exit of this run is ignored (the listener is removed just below).
    } finally {
      record.stopping = false;
    }
    this.#detach(record);
  }

  #detach(record: ChildRecord): void {
    record.running = false;
    record.unsubscribe?.();
    record.unsubscribe = undefined;
  }

  #join(record: ChildRecord, plan: RecoveryPlan): void {
    this.#leavePlan(record);
    record.plan = plan;
    plan.members.add(record);
  }

  #leavePlan(record: ChildRecord): void {
    const old = record.plan;
    if (old === undefined) return;
    record.plan = undefined;
    old.members.delete(record);
    if (old.members.size === 0) {
      if (old.timer !== undefined) this.#timer.clearTimeout(old.timer);
      this.#plans.delete(old);
    }
  }

  #cancelPlans(): void {
    for (const plan of this.#plans) {
      if (plan.timer !== undefined) this.#timer.clearTimeout(plan.timer);
      for (const member of plan.members) member.plan = undefined;
    }
    this.#plans.clear();
  }

  #transition(
    record: ChildRecord,
    to: ChildState,
    reason: string,
    extra: { exit?: ChildExit; detail?: string } = {},
  ): void {
    const from = record.state;
    record.state = to;
    // Only an active run has an "up since"; the backoff reset reads it before the fault lands.
    if (to !== 'active') record.activeSince = null;
    const { pid, threadId } = record.runtime;
    this.#emit({
      type: 'state',
      supervisor: this.name,
      child: record.name,
      id: record.id,
      from,
      to,
      reason,
      restartCount: record.restartCount,
      at: this.#clock.now(),
      ...(extra.exit === undefined ? {} : { exit: extra.exit }),
      ...(extra.detail === undefined ? {} : { detail: extra.detail }),
      ...(pid === undefined ? {} : { pid }),
      ...(threadId === undefined ? {} : { threadId }),
    });
  }

  #emit(event: SupervisorEvent): void {
    for (const listener of this.#eventListeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure (a ledger write, a log) must not derail supervision itself.
      }
    }
  }

  #notifyExit(exit: ChildExit): void {
    for (const listener of [...this.#exitListeners]) {
      try {
        listener(exit);
      } catch {
        // As in #emit: the parent's bookkeeping is not this supervisor's to fail.
      }
    }
  }

  /** Runs `task` after every task queued before it; the queue survives a failed task. */
  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  #isCurrent(record: ChildRecord): boolean {
    return this.#children.get(record.name) === record;
  }

  #require(name: string): ChildRecord {
    const record = this.#children.get(name);
    if (record === undefined) {
      const names = this.#order.map((r) => r.name).join(', ') || '(none)';
      throw new AgentvisorError(
        'NOT_FOUND',
        `supervisor "${this.name}" has no child "${name}"; children: ${names}`,
      );
    }
    return record;
  }

  #requireRunning(action: string): void {
    if (this.#status !== 'running') {
      throw new AgentvisorError(
        'CONFLICT',
        `cannot ${action}: supervisor "${this.name}" is ${this.#status}, not running`,
      );
    }
  }

  #info(record: ChildRecord): ChildInfo {
    const { pid, threadId } = record.running ? record.runtime : {};
    return {
      id: record.id,
      name: record.name,
      state: record.state,
      ...(pid === undefined ? {} : { pid }),
      ...(threadId === undefined ? {} : { threadId }),
      capabilities: [...record.capabilities],
      restartMode: record.mode,
      autoRestart: record.autoRestart,
      restartCount: record.restartCount,
      crashRestartCount: record.crashRestartCount,
      startIndex: this.#order.indexOf(record),
      lastActivityAt: record.lastActivityAt,
      activeSince: record.activeSince,
    };
  }
}

function checkAutoRestart(limit: number | null, where: string): void {
  if (limit !== null && (!Number.isInteger(limit) || limit < 0)) {
    throw new AgentvisorError(
      'INPUT_INVALID',
      `${where}: expected an integer >= 0 (or unset for no limit), got ${limit}`,
    );
  }
}

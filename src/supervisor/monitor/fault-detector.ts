/**
 * @module The fault detector (seed 001 fault detection): turns the resource monitor's numbers,
 * heartbeats and externally observed events into {@link Fault} records, each carrying the
 * action the recovery policy assigns and a detail a person can act on ("cpu 97% over 5 s,
 * quota 50%"). It is pure bookkeeping: it never throttles, kills or restarts anything; the
 * supervisor executes the action and writes the `supervisor.fault` ledger entry.
 *
 * Detected faults are debounced per agent and kind: a condition is reported when it starts,
 * then at most once per cooldown while it lasts; once it clears, the next occurrence is
 * reported at once. Reported faults (violations, crashes) are discrete events and always
 * come back.
 */
import {
  AgentvisorError,
  type Clock,
  FAULT_KINDS,
  type FaultKind,
  systemClock,
} from '../../core/index.js';
import {
  DEFAULT_FAULT_LIMITS,
  type FaultAction,
  type FaultLimits,
  type FaultOverrides,
  type RecoveryPolicy,
  type RecoveryPreset,
  recoveryPreset,
  validateFaultOverrides,
} from './fault-policy.js';
import type { AgentUsage, ResourceRates } from './resource-monitor.js';

/** A fault, as plain data; maps one to one onto the `supervisor.fault` ledger payload. */
export interface Fault {
  readonly agentId: string;
  readonly fault: FaultKind;
  readonly action: FaultAction;
  /** What happened, with the measured value and the limit. */
  readonly detail: string;
  /** Clock time of detection. */
  readonly at: number;
  /** For detected faults: the measured value (%, bytes, ops/s, s) and its limit. */
  readonly measured?: number;
  readonly limit?: number;
}

/** An externally detected fault handed to {@link FaultDetector.report}. */
export interface ReportedFault {
  readonly fault: FaultKind;
  readonly detail: string;
}

/** What the detector reads; {@link ResourceMonitor} satisfies it. */
export interface ResourceReadings {
  has(agentId: string): boolean;
  rates(agentId: string, lastSeconds: number): ResourceRates;
  usage(agentId: string): AgentUsage;
}

/** Options for {@link FaultDetector}. */
export interface FaultDetectorOptions {
  readonly monitor: ResourceReadings;
  readonly clock?: Clock;
  /** Actions for every agent unless overridden; default `permissive`. */
  readonly preset?: RecoveryPreset;
  /** Limits for every agent unless overridden; default all off. */
  readonly limits?: Partial<FaultLimits>;
  /** Minimum time between two reports of one sustained condition; default 30 s. */
  readonly cooldownMs?: number;
}

const KIND_INDEX: Readonly<Record<FaultKind, number>> = Object.fromEntries(
  FAULT_KINDS.map((k, i) => [k, i]),
) as Record<FaultKind, number>;

interface AgentState {
  overrides: FaultOverrides;
  limits: FaultLimits;
  policy: RecoveryPolicy;
  lastBeat: number;
  /** Per fault kind: when the ongoing condition was last reported; NaN while it is not active. */
  readonly lastReported: Float64Array;
}

/**
 * Detects and classifies agent faults.
 *
 * @example
 * const faults = new FaultDetector({ monitor, preset: 'strict', limits: { watchdogSeconds: 30 } });
 * faults.track('a1', { limits: { cpuPercent: 50 } });
 * faults.heartbeat('a1');
 * for (const f of faults.checkAll()) supervisor.apply(f); // f.action: 'kill', f.detail: 'cpu 97% ...'
 */
export class FaultDetector {
  readonly #monitor: ResourceReadings;
  readonly #clock: Clock;
  readonly #policy: RecoveryPolicy;
  readonly #limits: FaultLimits;
  readonly #cooldownMs: number;
  readonly #agents = new Map<string, AgentState>();

  constructor(options: FaultDetectorOptions) {
    validateFaultOverrides('fault detector defaults', { limits: options.limits ?? {} });
    const cooldown = options.cooldownMs ?? 30_000;
    if (!(cooldown >= 0 && cooldown < Infinity)) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `fault detector cooldownMs: expected a finite number >= 0, got ${cooldown}`,
      );
    }
    this.#monitor = options.monitor;
    this.#clock = options.clock ?? systemClock;
    this.#policy = recoveryPreset(options.preset ?? 'permissive');
    this.#limits = { ...DEFAULT_FAULT_LIMITS, ...options.limits };
    this.#cooldownMs = cooldown;
  }

  /**
   * Starts watching an agent (its watchdog starts now), or, for a tracked agent, starts over:
   * call it again after a restart. Overrides, when given, replace the agent's previous ones.
   * @throws AgentvisorError INPUT_INVALID for an unknown limit, fault or action.
   */
  track(agentId: string, overrides?: FaultOverrides): void {
    const previous = this.#agents.get(agentId);
    const chosen = overrides ?? previous?.overrides ?? {};
    validateFaultOverrides(`fault overrides of agent ${agentId}`, chosen);
    this.#agents.set(agentId, {
      overrides: chosen,
      limits: { ...this.#limits, ...chosen.limits },
      policy: { ...this.#policy, ...chosen.actions },
      lastBeat: this.#clock.now(),
      lastReported: new Float64Array(FAULT_KINDS.length).fill(Number.NaN),
    });
  }

  /**
   * Replaces an agent's overrides without touching its watchdog or debounce state (a hot patch).
   * @throws AgentvisorError NOT_FOUND for an untracked agent; INPUT_INVALID for bad overrides.
   */
  configure(agentId: string, overrides: FaultOverrides): void {
    const state = this.#state(agentId);
    validateFaultOverrides(`fault overrides of agent ${agentId}`, overrides);
    state.overrides = overrides;
    state.limits = { ...this.#limits, ...overrides.limits };
    state.policy = { ...this.#policy, ...overrides.actions };
  }

  /** Stops watching an agent. Returns whether it was tracked. */
  untrack(agentId: string): boolean {
    return this.#agents.delete(agentId);
  }

  /** Ids of the tracked agents. */
  agents(): string[] {
    return [...this.#agents.keys()];
  }

  /** Records a sign of life; clears an ongoing watchdog condition. Unknown agents are ignored. */
  heartbeat(agentId: string): void {
    const state = this.#agents.get(agentId);
    if (state !== undefined) state.lastBeat = this.#clock.now();
  }

  /** The limits in force for an agent (defaults for untracked ones). */
  limitsFor(agentId: string): FaultLimits {
    return this.#agents.get(agentId)?.limits ?? this.#limits;
  }

  /** The recovery action for a fault kind of an agent (the preset for untracked ones). */
  actionFor(agentId: string, fault: FaultKind): FaultAction {
    return (this.#agents.get(agentId)?.policy ?? this.#policy)[fault];
  }

  /**
   * Classifies an externally detected fault (capability or policy violation, crash). Never
   * debounced: each is its own event. Works for untracked agents with the default policy.
   * @throws AgentvisorError INPUT_INVALID for an unknown fault kind.
   */
  report(agentId: string, reported: ReportedFault): Fault {
    if (KIND_INDEX[reported.fault] === undefined) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `fault report for agent ${agentId}: unknown fault "${String(reported.fault)}"; allowed: ${FAULT_KINDS.join(', ')}`,
      );
    }
    return {
      agentId,
      fault: reported.fault,
      action: this.actionFor(agentId, reported.fault),
      detail: reported.detail,
      at: this.#clock.now(),
    };
  }

  /**
   * Checks one agent's CPU quota, memory limit, op rate and watchdog against its limits.
   * Returns the faults due now (debounced).
   * @throws AgentvisorError NOT_FOUND for an untracked agent.
   */
  evaluate(agentId: string, now = this.#clock.now()): Fault[] {
    const state = this.#state(agentId);
    const out: Fault[] = [];
    this.#evaluateResources(agentId, state, now, out);
    this.#evaluateWatchdog(agentId, state, now, out);
    return out;
  }

  /** The watchdog alone, for every tracked agent. */
  check(now = this.#clock.now()): Fault[] {
    const out: Fault[] = [];
    for (const [agentId, state] of this.#agents) this.#evaluateWatchdog(agentId, state, now, out);
    return out;
  }

  /** {@link evaluate} for every tracked agent. */
  checkAll(now = this.#clock.now()): Fault[] {
    const out: Fault[] = [];
    for (const [agentId, state] of this.#agents) {
      this.#evaluateResources(agentId, state, now, out);
      this.#evaluateWatchdog(agentId, state, now, out);
    }
    return out;
  }

  #state(agentId: string): AgentState {
    const state = this.#agents.get(agentId);
    if (state === undefined) {
      throw new AgentvisorError('NOT_FOUND', `fault detector: agent ${agentId} is not tracked`, {
        details: { agentId },
      });
    }
    return state;
  }

  #evaluateResources(agentId: string, state: AgentState, now: number, out: Fault[]): void {
    const limits = state.limits;
    if (!this.#monitor.has(agentId)) return;
    let cpuActive = false;
    if (limits.cpuPercent !== null) {
      const r = this.#monitor.rates(agentId, limits.cpuWindowSeconds);
      // Only a full window counts, so a start-up burst in the first second is not a fault.
      cpuActive = r.complete && r.cpuPercent > limits.cpuPercent;
      if (cpuActive) {
        const detail = `cpu ${Math.round(r.cpuPercent)}% over ${seconds(r.seconds)} s, quota ${limits.cpuPercent}%`;
        this.#emit(agentId, state, 'cpu_quota', now, detail, r.cpuPercent, limits.cpuPercent, out);
      }
    }
    if (!cpuActive) this.#clear(state, 'cpu_quota');

    let memoryActive = false;
    if (limits.memoryBytes !== null) {
      const u = this.#monitor.usage(agentId);
      memoryActive = u.memoryBytes > limits.memoryBytes;
      if (memoryActive) {
        const detail = `memory ${mib(u.memoryBytes)} MiB, limit ${mib(limits.memoryBytes)} MiB (peak ${mib(u.memoryPeakBytes)} MiB)`;
        this.#emit(
          agentId,
          state,
          'memory_limit',
          now,
          detail,
          u.memoryBytes,
          limits.memoryBytes,
          out,
        );
      }
    }
    if (!memoryActive) this.#clear(state, 'memory_limit');

    let floodActive = false;
    if (limits.opsPerSecond !== null) {
      const r = this.#monitor.rates(agentId, limits.opsWindowSeconds);
      floodActive = r.complete && r.opsPerSecond > limits.opsPerSecond;
      if (floodActive) {
        const detail = `ops ${Math.round(r.opsPerSecond)}/s over ${seconds(r.seconds)} s, limit ${limits.opsPerSecond}/s`;
        this.#emit(
          agentId,
          state,
          'op_flood',
          now,
          detail,
          r.opsPerSecond,
          limits.opsPerSecond,
          out,
        );
      }
    }
    if (!floodActive) this.#clear(state, 'op_flood');
  }

  #evaluateWatchdog(agentId: string, state: AgentState, now: number, out: Fault[]): void {
    const timeout = state.limits.watchdogSeconds;
    const silentMs = now - state.lastBeat;
    if (timeout === null || silentMs <= timeout * 1000) {
      this.#clear(state, 'watchdog_timeout');
      return;
    }
    const detail = `no heartbeat for ${seconds(silentMs / 1000)} s, timeout ${timeout} s`;
    this.#emit(agentId, state, 'watchdog_timeout', now, detail, silentMs / 1000, timeout, out);
  }

  #emit(
    agentId: string,
    state: AgentState,
    fault: FaultKind,
    now: number,
    detail: string,
    measured: number,
    limit: number,
    out: Fault[],
  ): void {
    const i = KIND_INDEX[fault];
    const last = state.lastReported[i]!;
    if (!Number.isNaN(last) && now - last < this.#cooldownMs) return;
    state.lastReported[i] = now;
    out.push({ agentId, fault, action: state.policy[fault], detail, at: now, measured, limit });
  }

  #clear(state: AgentState, fault: FaultKind): void {
    state.lastReported[KIND_INDEX[fault]] = Number.NaN;
  }
}

/** Seconds for a person: whole when >= 10, one decimal below. */
function seconds(s: number): string {
  return s >= 10 ? String(Math.round(s)) : String(Math.round(s * 10) / 10);
}

function mib(bytes: number): string {
  const m = bytes / 1_048_576;
  return m >= 10 ? String(Math.round(m)) : String(Math.round(m * 10) / 10);
}

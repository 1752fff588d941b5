/**
 * @module What the fault detector watches and what each fault should lead to: the fault limits,
 * the recovery actions, and the two presets of seed 001 (`RecoveryPolicy::permissive()` and
 * `::strict()`), as plain frozen tables.
 *
 * | fault                | permissive | strict  |
 * |----------------------|------------|---------|
 * | cpu_quota            | throttle   | kill    |
 * | memory_limit         | log        | kill    |
 * | op_flood             | throttle   | kill    |
 * | watchdog_timeout     | log        | restart |
 * | capability_violation | log        | kill    |
 * | policy_violation     | log        | kill    |
 * | crash                | restart    | restart |
 *
 * Permissive logs and throttles (nothing running is stopped); strict stops any agent that
 * misbehaves and restarts a hung one. A crash maps to `restart` in both: the process is already
 * gone, and whether it really comes back is the restart policy's call (`restart.policy`,
 * `auto_restart`, intensity), not the fault table's.
 */
import { AgentvisorError, FAULT_KINDS, type FaultKind } from '../../core/index.js';

/** What the supervisor does about a fault (seed 001 `FaultAction`). */
export const FAULT_ACTIONS = ['log', 'throttle', 'suspend', 'kill', 'restart'] as const;
/** One of {@link FAULT_ACTIONS}. */
export type FaultAction = (typeof FAULT_ACTIONS)[number];

/** The action for every fault kind. */
export type RecoveryPolicy = Readonly<Record<FaultKind, FaultAction>>;

/** Log and throttle; never stop a running agent. */
export const PERMISSIVE_POLICY: RecoveryPolicy = Object.freeze({
  cpu_quota: 'throttle',
  memory_limit: 'log',
  op_flood: 'throttle',
  watchdog_timeout: 'log',
  capability_violation: 'log',
  policy_violation: 'log',
  crash: 'restart',
});

/** Kill on any fault; restart hung and crashed agents. */
export const STRICT_POLICY: RecoveryPolicy = Object.freeze({
  cpu_quota: 'kill',
  memory_limit: 'kill',
  op_flood: 'kill',
  watchdog_timeout: 'restart',
  capability_violation: 'kill',
  policy_violation: 'kill',
  crash: 'restart',
});

/** The preset names, as in `supervisor.faults` of `agentvisor.yaml`. */
export type RecoveryPreset = 'permissive' | 'strict';

/** The table of a preset. */
export function recoveryPreset(preset: RecoveryPreset): RecoveryPolicy {
  return preset === 'strict' ? STRICT_POLICY : PERMISSIVE_POLICY;
}

/** Thresholds of the detected (rather than reported) faults; `null` turns a check off. */
export interface FaultLimits {
  /** CPU quota in percent of one core, averaged over `cpuWindowSeconds`. */
  readonly cpuPercent: number | null;
  readonly cpuWindowSeconds: number;
  /** Resident (or, for worker agents, heap) memory limit in bytes. */
  readonly memoryBytes: number | null;
  /** Operations per second, averaged over `opsWindowSeconds`, above which the agent floods. */
  readonly opsPerSecond: number | null;
  readonly opsWindowSeconds: number;
  /** Seconds without a heartbeat before the watchdog fires. */
  readonly watchdogSeconds: number | null;
}

/** Every check off; 5-second windows, long enough that a start-up spike is not a fault. */
export const DEFAULT_FAULT_LIMITS: FaultLimits = Object.freeze({
  cpuPercent: null,
  cpuWindowSeconds: 5,
  memoryBytes: null,
  opsPerSecond: null,
  opsWindowSeconds: 5,
  watchdogSeconds: null,
});

/** Per-agent changes over the detector's defaults (seed 001: per-agent limits and actions). */
export interface FaultOverrides {
  readonly limits?: Partial<FaultLimits>;
  readonly actions?: Partial<RecoveryPolicy>;
}

/**
 * Checks limits and actions, naming the bad field and what is allowed.
 * @throws AgentvisorError INPUT_INVALID
 */
export function validateFaultOverrides(where: string, overrides: FaultOverrides): void {
  const limits = overrides.limits ?? {};
  for (const [key, value] of Object.entries(limits)) {
    if (!(key in DEFAULT_FAULT_LIMITS)) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `${where}: unknown fault limit "${key}"; allowed: ${Object.keys(DEFAULT_FAULT_LIMITS).join(', ')}`,
      );
    }
    const nullable = !key.endsWith('WindowSeconds');
    const ok =
      (value === null && nullable) || (typeof value === 'number' && value > 0 && value < Infinity);
    if (!ok) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `${where}: fault limit ${key} must be a positive number${nullable ? ' or null' : ''}, got ${String(value)}`,
      );
    }
  }
  for (const [kind, action] of Object.entries(overrides.actions ?? {})) {
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `${where}: unknown fault "${kind}"; allowed: ${FAULT_KINDS.join(', ')}`,
      );
    }
    if (!(FAULT_ACTIONS as readonly string[]).includes(action as string)) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `${where}: action for ${kind} must be one of ${FAULT_ACTIONS.join(', ')}, got ${String(action)}`,
      );
    }
  }
}

/**
 * @module Restart decisions in the style of Erlang/OTP supervisors, as pure functions: which
 * siblings restart with a crashed child (the strategy), whether an exit warrants a restart at
 * all (the child's restart mode) and how long to wait first (the backoff schedule of seed 002).
 */
import { AgentvisorError } from '../core/index.js';
import type { ChildExit } from './supervised-child.js';

/** The OTP restart strategies. */
export const RESTART_STRATEGIES = ['one_for_one', 'one_for_all', 'rest_for_one'] as const;
/**
 * `one_for_one`: only the crashed child restarts. `one_for_all`: every sibling is stopped (in
 * reverse start order) and all restart (in start order). `rest_for_one`: the crashed child and
 * every child started after it restart.
 */
export type RestartStrategy = (typeof RESTART_STRATEGIES)[number];

/** The OTP restart modes of one child. */
export const RESTART_MODES = ['permanent', 'transient', 'temporary'] as const;
/**
 * `permanent`: restarted after any exit; `transient`: only after an abnormal one (crash or
 * kill); `temporary`: never.
 */
export type RestartMode = (typeof RESTART_MODES)[number];

/** Seed 002's recovery schedule: 10 s, 30 s, then 60 s for every further restart. */
export const DEFAULT_BACKOFF_SECONDS: readonly number[] = [10, 30, 60];

/**
 * The children that restart when `crashed` does, in start order (the crashed child included).
 * Stop them in the reverse of this order.
 *
 * @example
 * restartGroup('rest_for_one', ['db', 'api', 'web'], 'api'); // ['api', 'web']
 */
export function restartGroup(
  strategy: RestartStrategy,
  startOrder: readonly string[],
  crashed: string,
): string[] {
  const at = startOrder.indexOf(crashed);
  if (at < 0) {
    throw new AgentvisorError(
      'NOT_FOUND',
      `child "${crashed}" is not in the start order; children: ${startOrder.join(', ') || '(none)'}`,
    );
  }
  switch (strategy) {
    case 'one_for_one':
      return [crashed];
    case 'one_for_all':
      return [...startOrder];
    case 'rest_for_one':
      return startOrder.slice(at);
  }
}

/**
 * Whether a child with restart mode `mode` is restarted after `exit` (OTP: a transient child
 * restarts only after an abnormal exit).
 *
 * @example
 * shouldRestart('transient', { kind: 'normal', reason: 'done' }); // false
 */
export function shouldRestart(mode: RestartMode, exit: ChildExit): boolean {
  switch (mode) {
    case 'permanent':
      return true;
    case 'transient':
      return exit.kind !== 'normal';
    case 'temporary':
      return false;
  }
}

/**
 * Milliseconds to wait before restart number `attempt` (0-based) under `scheduleSeconds`; past
 * the end of the schedule its last value repeats (seed 002).
 *
 * @example
 * backoffDelayMs([10, 30, 60], 5); // 60000
 */
export function backoffDelayMs(scheduleSeconds: readonly number[], attempt: number): number {
  const last = scheduleSeconds.length - 1;
  if (last < 0) {
    throw new AgentvisorError('INPUT_INVALID', 'backoff schedule: expected at least one delay');
  }
  return Math.round(scheduleSeconds[Math.min(Math.max(0, attempt), last)]! * 1000);
}

/**
 * The restart mode for a config `restart.policy` (`always`, `on-failure`, `never`).
 *
 * @example
 * restartModeOf('on-failure'); // 'transient'
 */
export function restartModeOf(policy: 'always' | 'on-failure' | 'never'): RestartMode {
  return policy === 'always' ? 'permanent' : policy === 'on-failure' ? 'transient' : 'temporary';
}

/** Throws `INPUT_INVALID` unless `schedule` is a non-empty list of finite delays >= 0. */
export function checkBackoffSchedule(schedule: readonly number[], where: string): void {
  if (schedule.length === 0 || schedule.some((s) => !Number.isFinite(s) || s < 0)) {
    throw new AgentvisorError(
      'INPUT_INVALID',
      `${where}: expected a non-empty list of delays in seconds, each >= 0; got [${schedule.join(', ')}]`,
    );
  }
}

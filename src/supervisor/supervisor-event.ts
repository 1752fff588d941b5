/**
 * @module What a {@link Supervisor} knows and says about its children: the lifecycle states of
 * seed 001, the metadata it keeps per child, how a child is declared, and the typed events it
 * emits for every state transition and for escalations. Plain readonly data, ready to become
 * `supervisor.state` ledger entries.
 */
import type { RestartMode } from './restart-policy.js';
import type { ChildExit } from './supervised-child.js';

/** Seed 001 lifecycle states, as written to the ledger. */
export const CHILD_STATES = [
  'spawned',
  'active',
  'fault',
  'recovery',
  'restarted',
  'exited',
  'failed',
] as const;
/**
 * `spawned`: being started for the first time; `active`: running; `fault`: exited abnormally;
 * `recovery`: waiting to be restarted (backoff, or stopped with a crashed sibling);
 * `restarted`: being started again; `exited`: stopped and not coming back on its own;
 * `failed`: given up on (restart limit reached, or never restarted by its mode).
 */
export type ChildState = (typeof CHILD_STATES)[number];

/** A child's state, or `pending` when it was added but not started yet (no ledger state). */
export type ChildStatus = ChildState | 'pending';

/** How a child is supervised, given to {@link Supervisor.add}. */
export interface ChildSpec {
  /** Stable identity (an agent's UUID); defaults to the child's name. */
  readonly id?: string;
  /** Default `permanent` (OTP's default). */
  readonly restart?: RestartMode;
  /**
   * Restarts after its own exits before the child ends `failed` (seed 001 `auto_restart`);
   * unset, only the supervisor's intensity bounds them.
   */
  readonly autoRestart?: number;
  /** Backoff schedule in seconds; unset, the supervisor's. */
  readonly backoffSeconds?: readonly number[];
  /** Opaque capability strings, for display and policy; see {@link Supervisor.setCapabilities}. */
  readonly capabilities?: readonly string[];
}

/** A snapshot of one child's metadata. */
export interface ChildInfo {
  readonly id: string;
  readonly name: string;
  readonly state: ChildStatus;
  readonly pid?: number;
  readonly threadId?: number;
  readonly capabilities: readonly string[];
  readonly restartMode: RestartMode;
  /** `null` when unlimited. */
  readonly autoRestart: number | null;
  /** Every restart, including those with a crashed sibling and on request. */
  readonly restartCount: number;
  /** Restarts after the child's own exits, the ones {@link ChildSpec.autoRestart} limits. */
  readonly crashRestartCount: number;
  /** Position in the start order, 0 first. */
  readonly startIndex: number;
  /** Last {@link Supervisor.touch} or start, ms since the epoch; `null` before the first start. */
  readonly lastActivityAt: number | null;
  /** When the current run became active; `null` while not active. */
  readonly activeSince: number | null;
}

/** A child changed state. */
export interface ChildStateEvent {
  readonly type: 'state';
  /** The emitting supervisor's name. */
  readonly supervisor: string;
  readonly child: string;
  readonly id: string;
  readonly from: ChildStatus;
  readonly to: ChildState;
  /** `stopped` for a requested stop; `crash: ...`/`killed: ...` for a fault. */
  readonly reason: string;
  readonly restartCount: number;
  /** ms since the epoch, from the supervisor's clock. */
  readonly at: number;
  /** The exit that caused a `fault` (or an unrequested `exited`). */
  readonly exit?: ChildExit;
  /** The caller's reason for a requested stop or restart. */
  readonly detail?: string;
  readonly pid?: number;
  readonly threadId?: number;
}

/**
 * The supervisor exceeded its restart intensity and gave up: it stopped its children and exits
 * as a crash, which its parent (if any) handles with its own strategy.
 */
export interface EscalationEvent {
  readonly type: 'escalated';
  readonly supervisor: string;
  /** The child whose exit went over the limit. */
  readonly child: string;
  readonly reason: string;
  readonly maxRestarts: number;
  readonly withinSeconds: number;
  readonly at: number;
}

/** Everything {@link Supervisor.onEvent} delivers. */
export type SupervisorEvent = ChildStateEvent | EscalationEvent;

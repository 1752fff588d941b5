/**
 * @module The seam between the supervisor and what it supervises. An agent runner (inline, worker
 * thread, child process) implements {@link SupervisedChild}; so does a {@link Supervisor} itself,
 * which is what makes supervision trees: a parent supervises a child supervisor exactly like an
 * agent, and a child supervisor that gives up reports a crash to its parent.
 */

/** How a child ended: on its own and cleanly, by a fault, or by a kill it did not ask for. */
export type ChildExitKind = 'normal' | 'crash' | 'killed';

/** One exit of a child, as reported through {@link SupervisedChild.onExit}. */
export interface ChildExit {
  readonly kind: ChildExitKind;
  /** Process exit code, when there is one. */
  readonly code?: number | null;
  /** Signal name (`SIGKILL`), when a signal ended it. */
  readonly signal?: string | null;
  /** Human-readable cause, e.g. `exit code 1` or `memory limit 256 MB exceeded`. */
  readonly reason: string;
}

/** Where a started child runs, as far as the runner knows (inline agents have neither). */
export interface ChildRuntimeInfo {
  readonly pid?: number;
  readonly threadId?: number;
}

/**
 * Something a {@link Supervisor} can start, stop and watch.
 *
 * Contract: `start()` resolves once the child runs (or rejects when it could not start, which
 * the supervisor treats as a crash); `stop()` resolves once it has stopped and must resolve
 * for a child that already exited; every `onExit` listener hears each exit once. A child may
 * or may not report an exit for a stop it was asked for: the supervisor ignores exits it caused.
 *
 * @example
 * const child: SupervisedChild = {
 *   name: 'planner',
 *   start: async () => ({ pid: proc.pid }),
 *   stop: async (reason) => { proc.kill('SIGTERM'); },
 *   onExit: (listener) => { ... return () => { ... }; },
 * };
 */
export interface SupervisedChild {
  /** Unique among the siblings of one supervisor. */
  readonly name: string;
  start(): Promise<ChildRuntimeInfo>;
  stop(reason: string): Promise<void>;
  /** Subscribes to exits; returns the unsubscribe function. */
  onExit(listener: (exit: ChildExit) => void): () => void;
}

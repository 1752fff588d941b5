/**
 * @module When an agent's state is snapshotted: every `everyMs` while it runs, and once more at
 * shutdown (seed 003: "periodic and at shutdown"). Saves never overlap, so the final snapshot is
 * always the newest version, taken after any periodic save still in flight.
 */
import { AgentvisorError } from '../../core/index.js';
import type { SnapshotInfo, SnapshotStore } from './snapshot-store.js';

/** Options for {@link SnapshotSchedule}. */
export interface SnapshotScheduleOptions {
  /** Where snapshots go: a {@link SnapshotStore}. */
  snapshots: Pick<SnapshotStore, 'save'>;
  agentName: string;
  /** Interval between periodic snapshots, in ms (at least 10). */
  everyMs: number;
  /** Returns (or resolves to) the state to save; called at each snapshot. */
  capture: () => unknown;
  /** A periodic save failed; the schedule keeps running. */
  onError?: (error: unknown) => void;
}

/**
 * Periodic and shutdown snapshots of one agent.
 *
 * @example
 * const schedule = new SnapshotSchedule({ snapshots, agentName: 'researcher', everyMs: 60_000, capture: () => daemon.state() });
 * schedule.start();
 * // ... at shutdown:
 * await schedule.stop(); // the final snapshot
 */
export class SnapshotSchedule {
  readonly #options: SnapshotScheduleOptions;
  #timer: ReturnType<typeof setInterval> | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  #stopped = false;

  constructor(options: SnapshotScheduleOptions) {
    if (!Number.isInteger(options.everyMs) || options.everyMs < 10) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `everyMs: expected a whole number of milliseconds, at least 10, got ${options.everyMs}`,
      );
    }
    this.#options = options;
  }

  /** Starts periodic snapshots. */
  start(): void {
    if (this.#stopped) {
      throw new AgentvisorError('CONFLICT', 'this snapshot schedule was stopped; create another');
    }
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      this.saveNow().catch((error: unknown) => this.#options.onError?.(error));
    }, this.#options.everyMs);
    // A pending snapshot must not keep the process alive: shutdown takes the final one.
    this.#timer.unref?.();
  }

  /** Takes a snapshot now, after any save in flight. */
  saveNow(): Promise<SnapshotInfo> {
    const next = this.#chain.then(async () =>
      this.#options.snapshots.save(this.#options.agentName, await this.#options.capture()),
    );
    this.#chain = next.catch(() => undefined);
    return next;
  }

  /** Stops periodic snapshots and takes the shutdown snapshot. */
  async stop(): Promise<SnapshotInfo> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    return this.saveNow();
  }
}

/**
 * @module The telemetry aggregator: the kernel's measure stage. Counts every call per operation
 * and outcome, keeps a ring buffer of the last 1024 call events, and hands out snapshots. It
 * records facts about calls (name, actor, outcome, duration), never their arguments, so no
 * secret an agent passes can surface here.
 */
import type { CallEvent, TelemetryStage } from '../core/index.js';

/** Per-operation counters. */
export interface OperationStats {
  calls: number;
  ok: number;
  denied: number;
  rejected: number;
  errors: number;
  /** Sum of durations, for the average. */
  totalUs: number;
  maxUs: number;
}

/** A point-in-time copy of the aggregator's state. */
export interface TelemetrySnapshot {
  readonly totalCalls: number;
  readonly operations: Readonly<Record<string, OperationStats>>;
  readonly recent: readonly CallEvent[];
  readonly startedAt: number;
}

/** Events kept in the ring buffer (seed 001 §: "last 1024 events"). */
export const EVENT_BUFFER_SIZE = 1024;

/**
 * Aggregates call events. `record` is O(1) and allocation-free apart from the event itself.
 *
 * @example
 * const telemetry = new TelemetryAggregator();
 * const kernel = new Kernel({ identity, ledger, telemetry });
 * telemetry.snapshot().totalCalls;
 */
export class TelemetryAggregator implements TelemetryStage {
  readonly #ops = new Map<string, OperationStats>();
  readonly #ring: Array<CallEvent | undefined> = new Array(EVENT_BUFFER_SIZE);
  #next = 0;
  #total = 0;
  readonly #startedAt = Date.now();

  record(event: CallEvent): void {
    this.#total++;
    let stats = this.#ops.get(event.op);
    if (stats === undefined) {
      stats = { calls: 0, ok: 0, denied: 0, rejected: 0, errors: 0, totalUs: 0, maxUs: 0 };
      this.#ops.set(event.op, stats);
    }
    stats.calls++;
    if (event.outcome === 'ok') stats.ok++;
    else if (event.outcome === 'denied') stats.denied++;
    else if (event.outcome === 'rejected') stats.rejected++;
    else stats.errors++;
    stats.totalUs += event.durationUs;
    if (event.durationUs > stats.maxUs) stats.maxUs = event.durationUs;
    this.#ring[this.#next] = event;
    this.#next = (this.#next + 1) % EVENT_BUFFER_SIZE;
  }

  /** A copy of the counters and the recent events, oldest first. */
  snapshot(options: { recent?: number } = {}): TelemetrySnapshot {
    const recent: CallEvent[] = [];
    for (let i = 0; i < EVENT_BUFFER_SIZE; i++) {
      const e = this.#ring[(this.#next + i) % EVENT_BUFFER_SIZE];
      if (e !== undefined) recent.push(e);
    }
    const limit = options.recent ?? EVENT_BUFFER_SIZE;
    const operations: Record<string, OperationStats> = {};
    for (const [name, s] of this.#ops) operations[name] = { ...s };
    return {
      totalCalls: this.#total,
      operations,
      recent: recent.slice(-limit),
      startedAt: this.#startedAt,
    };
  }
}

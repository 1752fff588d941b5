/**
 * @module The profiler (seed 001 §17): per agent and operation, a ring of the last 100 durations
 * with their outcome, summarised as min, max, avg, median, p95, p99 and success rate; and the
 * same statistics per operation across all agents (pooled samples, so system percentiles are
 * exact rather than averages of percentiles). Recording is O(1) and allocation-free once an
 * (agent, operation) pair has been seen; summaries sort at read time.
 */
import { AgentvisorError } from '../../core/index.js';
import { DurationRing } from './duration-ring.js';
import { type DurationSummary, summariseDurations } from './duration-stats.js';

/** Samples kept per agent and operation (seed 001 §17). */
export const PROFILE_SAMPLES = 100;
/** Where operations past an agent's `maxOperationsPerAgent` are counted. */
export const OTHER_OPERATION = '(other)';

/** Options for {@link Profiler}. */
export interface ProfilerOptions {
  /** Ring size per agent and operation; default {@link PROFILE_SAMPLES}. */
  samples?: number;
  /**
   * Distinct operations tracked per agent before the rest are pooled under
   * {@link OTHER_OPERATION}; bounds memory when operation names are not a fixed set. Default 256.
   */
  maxOperationsPerAgent?: number;
}

/** Statistics of one operation (of one agent, or pooled across agents). */
export interface OperationProfile extends DurationSummary {
  readonly operation: string;
  /** Share of the held samples that succeeded, 0..1 (1 when there are none). */
  readonly successRate: number;
  /** Samples ever recorded (the ring holds only the last `samples`). */
  readonly totalCount: number;
  /** Failures ever recorded. */
  readonly failureCount: number;
}

/** An operation's statistics pooled across agents. */
export interface AggregateProfile extends OperationProfile {
  /** Agents that have recorded this operation. */
  readonly agents: number;
}

/**
 * Per-agent, per-operation latency profiles.
 *
 * @example
 * const profiler = new Profiler();
 * profiler.record('a1', 'fs.read', 420, true);
 * profiler.stats('a1', 'fs.read')?.p95Us;
 * profiler.aggregate('fs.read')?.successRate;
 */
export class Profiler {
  readonly #capacity: number;
  readonly #maxOps: number;
  readonly #agents = new Map<string, Map<string, DurationRing>>();

  constructor(options: ProfilerOptions = {}) {
    this.#capacity = options.samples ?? PROFILE_SAMPLES;
    this.#maxOps = options.maxOperationsPerAgent ?? 256;
    if (!Number.isInteger(this.#capacity) || this.#capacity < 1) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `profiler samples: expected an integer >= 1, got ${this.#capacity}`,
      );
    }
    if (!Number.isInteger(this.#maxOps) || this.#maxOps < 1) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `profiler maxOperationsPerAgent: expected an integer >= 1, got ${this.#maxOps}`,
      );
    }
  }

  /**
   * Records one operation's duration and outcome. O(1).
   * @throws AgentvisorError INPUT_INVALID when `durationUs` is negative or not finite.
   */
  record(agentId: string, op: string, durationUs: number, ok: boolean): void {
    if (!(durationUs >= 0 && durationUs !== Number.POSITIVE_INFINITY)) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `profiler: duration of ${op} for agent ${agentId} must be a finite number >= 0 µs, got ${durationUs}`,
      );
    }
    let ops = this.#agents.get(agentId);
    if (ops === undefined) {
      ops = new Map();
      this.#agents.set(agentId, ops);
    }
    let ring = ops.get(op);
    if (ring === undefined) {
      const key = ops.size >= this.#maxOps ? OTHER_OPERATION : op;
      ring = ops.get(key);
      if (ring === undefined) {
        ring = new DurationRing(this.#capacity);
        ops.set(key, ring);
      }
    }
    ring.push(durationUs, ok);
  }

  /** One agent's statistics for one operation; undefined when never recorded. */
  stats(agentId: string, op: string): OperationProfile | undefined {
    const ring = this.#agents.get(agentId)?.get(op);
    return ring === undefined ? undefined : profileOf(op, [ring]);
  }

  /** All of one agent's operation statistics, by operation name. */
  allStats(agentId: string): OperationProfile[] {
    const ops = this.#agents.get(agentId);
    if (ops === undefined) return [];
    return [...ops.entries()]
      .map(([op, ring]) => profileOf(op, [ring]))
      .sort((a, b) => a.operation.localeCompare(b.operation));
  }

  /** The operations an agent has recorded. */
  operations(agentId: string): string[] {
    return [...(this.#agents.get(agentId)?.keys() ?? [])].sort();
  }

  /** One operation pooled across all agents; undefined when no agent recorded it. */
  aggregate(op: string): AggregateProfile | undefined {
    const rings: DurationRing[] = [];
    for (const ops of this.#agents.values()) {
      const ring = ops.get(op);
      if (ring !== undefined) rings.push(ring);
    }
    return rings.length === 0 ? undefined : { ...profileOf(op, rings), agents: rings.length };
  }

  /** Every operation pooled across agents, by operation name. */
  aggregateAll(): AggregateProfile[] {
    const names = new Set<string>();
    for (const ops of this.#agents.values()) for (const op of ops.keys()) names.add(op);
    return [...names]
      .sort()
      .map((op) => this.aggregate(op))
      .filter((p): p is AggregateProfile => p !== undefined);
  }

  /** Agents with at least one sample. */
  agents(): string[] {
    return [...this.#agents.keys()];
  }

  /** Forgets an agent and frees its rings. Returns whether it had any. */
  removeAgent(agentId: string): boolean {
    return this.#agents.delete(agentId);
  }
}

function profileOf(operation: string, rings: readonly DurationRing[]): OperationProfile {
  let size = 0;
  let total = 0;
  let failures = 0;
  for (const r of rings) {
    size += r.size;
    total += r.total;
    failures += r.failures;
  }
  const samples = new Float64Array(size);
  let offset = 0;
  let successes = 0;
  for (const r of rings) {
    successes += r.copyInto(samples, offset);
    offset += r.size;
  }
  return {
    operation,
    ...summariseDurations(samples),
    successRate: size === 0 ? 1 : successes / size,
    totalCount: total,
    failureCount: failures,
  };
}

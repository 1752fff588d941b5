/**
 * @module Fixed-bucket histogram counts, kept by the aggregator on the hot path and turned into
 * Prometheus histograms only at scrape time. Observing is a short linear scan and three
 * additions on preallocated storage: no allocation per sample.
 */

/**
 * Counts of samples per bucket (not cumulative; the last slot is the +Inf overflow), their sum
 * and count, in the unit the caller records in (µs for op durations, so the hot path needs no
 * division).
 *
 * @example
 * const b = new BucketCounts([0.00001, 0.0001], 1e6); // bounds in seconds, samples in µs
 * b.observe(42);
 * b.counts; // Float64Array [0, 1, 0]
 */
export class BucketCounts {
  /** Upper bounds in seconds, ascending (the `le` labels). */
  readonly boundsSeconds: readonly number[];
  /** Recorded units per second: 1e6 for µs, 1 for seconds. */
  readonly unitsPerSecond: number;
  /** Upper bounds in the recorded unit. */
  readonly #bounds: readonly number[];
  readonly counts: Float64Array;
  /** Sum of samples in the recorded unit. */
  sum = 0;
  count = 0;

  constructor(boundsSeconds: readonly number[], unitsPerSecond: number) {
    this.boundsSeconds = boundsSeconds;
    this.unitsPerSecond = unitsPerSecond;
    // Rounded for integer units so 0.00001 s is exactly 10 µs, not 10.000000000000002.
    this.#bounds =
      unitsPerSecond === 1
        ? boundsSeconds
        : boundsSeconds.map((b) => Math.round(b * unitsPerSecond));
    this.counts = new Float64Array(boundsSeconds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.#bounds;
    let i = 0;
    // Prometheus buckets are `le` (less or equal), so a sample equal to a bound belongs to it.
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count++;
  }
}

/** Op duration buckets: 10 µs to 30 s, a cached read up to a slow tool call. */
export const OP_DURATION_BOUNDS_S: readonly number[] = [
  0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30,
];

/** Task duration buckets: seed 002's `agent_task_duration_seconds` buckets. */
export const TASK_DURATION_BOUNDS_S: readonly number[] = [1, 5, 10, 30, 60, 120, 300, 600];

/** Model call duration buckets: a cached completion up to a long generation. */
export const MODEL_DURATION_BOUNDS_S: readonly number[] = [
  0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
];

/** HTTP request duration buckets (prom-client's defaults). */
export const API_DURATION_BOUNDS_S: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

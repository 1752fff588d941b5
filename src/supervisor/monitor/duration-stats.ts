/**
 * @module Summary statistics of a set of durations: min, max, mean and nearest-rank percentiles.
 * Nearest rank (the value at rank ⌈p·n/100⌉ of the sorted samples) always reports a duration that
 * was really observed, which is what a person reading "p99 = 41 ms" expects; the median is the
 * nearest-rank p50 for the same reason (the lower middle value when n is even).
 */

/** Statistics of one set of duration samples, in microseconds. */
export interface DurationSummary {
  readonly sampleCount: number;
  readonly minUs: number;
  readonly maxUs: number;
  readonly avgUs: number;
  readonly medianUs: number;
  readonly p95Us: number;
  readonly p99Us: number;
}

/** The nearest-rank `p`-th percentile (0 < p <= 100) of ascending `sorted` (non-empty). */
export function nearestRank(sorted: ArrayLike<number>, p: number): number {
  const rank = Math.ceil((p * sorted.length) / 100);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/**
 * Sorts `samples` in place and summarises them; all zero when empty.
 *
 * @example
 * summariseDurations(new Float64Array([30, 10, 20])).medianUs; // 20
 */
export function summariseDurations(samples: Float64Array): DurationSummary {
  const n = samples.length;
  if (n === 0) {
    return { sampleCount: 0, minUs: 0, maxUs: 0, avgUs: 0, medianUs: 0, p95Us: 0, p99Us: 0 };
  }
  samples.sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += samples[i]!;
  return {
    sampleCount: n,
    minUs: samples[0]!,
    maxUs: samples[n - 1]!,
    avgUs: sum / n,
    medianUs: nearestRank(samples, 50),
    p95Us: nearestRank(samples, 95),
    p99Us: nearestRank(samples, 99),
  };
}

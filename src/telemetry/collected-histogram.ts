/**
 * @module A Prometheus histogram whose buckets live in the telemetry aggregator and are read
 * only when `/metrics` is scraped. prom-client's own `Histogram` can only be fed samples, which
 * would put its hashing on the per-call hot path; this collector instead renders the counts the
 * aggregator already keeps, through the same `get()` contract the registry reads every metric by.
 */
import type { Metric, Registry } from 'prom-client';
import type { BucketCounts } from './bucket-counts.js';

/** One labelled series of a {@link CollectedHistogram}. */
export interface HistogramSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly buckets: BucketCounts;
}

interface SampleValue {
  value: number;
  labels: Record<string, string | number>;
  metricName: string;
}

/**
 * Registers a histogram on `registry` that reads `series()` at scrape time.
 *
 * @example
 * registerCollectedHistogram(registry, {
 *   name: 'agentvisor_op_duration_seconds',
 *   help: 'Operation call duration.',
 *   series: () => [{ labels: { operation: 'agent.info' }, buckets }],
 * });
 */
export function registerCollectedHistogram(
  registry: Registry,
  options: { name: string; help: string; series: () => Iterable<HistogramSeries> },
): void {
  const { name, help, series } = options;
  const collector = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    async get() {
      const values: SampleValue[] = [];
      for (const { labels, buckets } of series()) {
        let cumulative = 0;
        const bounds = buckets.boundsSeconds;
        for (let i = 0; i < bounds.length; i++) {
          cumulative += buckets.counts[i] as number;
          values.push({
            metricName: `${name}_bucket`,
            labels: { ...labels, le: bounds[i] as number },
            value: cumulative,
          });
        }
        values.push({
          metricName: `${name}_bucket`,
          labels: { ...labels, le: '+Inf' },
          value: buckets.count,
        });
        values.push({
          metricName: `${name}_sum`,
          labels: { ...labels },
          value: buckets.sum / buckets.unitsPerSecond,
        });
        values.push({ metricName: `${name}_count`, labels: { ...labels }, value: buckets.count });
      }
      return { name, help, type: 'histogram', aggregator: 'sum', values };
    },
    reset() {
      // The counts belong to the aggregator; a registry reset must not clear them.
    },
  };
  // prom-client types `registerMetric` as its four classes, but the registry only calls
  // `get()` (and reads `name`); this object provides exactly that contract.
  registry.registerMetric(collector as unknown as Metric);
}

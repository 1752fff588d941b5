/**
 * @module The log writer's Prometheus metrics, read from its counters at scrape time: lines
 * written, lines dropped by level (a full buffer), lines lost to failed writes, lines buffered.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { LOG_LEVELS } from '../core/index.js';
import type { TaskLogWriter } from './task-log-writer.js';

/**
 * Adds the writer's metrics to a registry (the `/metrics` endpoint's).
 *
 * @example
 * registerLogMetrics(metrics.registry, system.logs.writer);
 */
export function registerLogMetrics(registry: Registry, writer: TaskLogWriter): void {
  new Counter({
    name: 'agentvisor_log_lines_written_total',
    help: 'Agent and task log lines written to the store.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(writer.stats().written);
    },
  });
  new Counter({
    name: 'agentvisor_log_lines_dropped_total',
    help: 'Log lines dropped because the log buffer was full, by level.',
    labelNames: ['level'],
    registers: [registry],
    collect() {
      this.reset();
      const { dropped } = writer.stats();
      for (const level of LOG_LEVELS) this.inc({ level }, dropped[level]);
    },
  });
  new Counter({
    name: 'agentvisor_log_lines_failed_total',
    help: 'Log lines lost because their batch could not be written.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(writer.stats().failed);
    },
  });
  new Gauge({
    name: 'agentvisor_log_lines_buffered',
    help: 'Log lines waiting to be written.',
    registers: [registry],
    collect() {
      this.set(writer.stats().buffered);
    },
  });
}

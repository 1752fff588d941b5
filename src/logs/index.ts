/**
 * @module Structured agent and task logs (seed 002 `task_logs`, issue 9): a batched writer that
 * never blocks and never drops info and above silently, capture of process log lines that name
 * an agent or a task, queries by agent, task, level and cursor, retention by age and size, the
 * `logs.read` operation and the writer's metrics.
 */

// Writing (batched, bounded, redacted) and capture from pino
export {
  type LogCaptureOptions,
  LogCaptureStream,
  type TeeLoggerOptions,
  teeLogger,
} from './log-capture.js';
// Lines and levels
export type { LogEntry, LogEntryInput } from './log-entry.js';
export { isLogLevel, levelAtLeast, levelsFrom, parseLogLevel } from './log-levels.js';
export { registerLogMetrics } from './log-metrics.js';
// Reading, retention and the kernel operation
export { logsReadArgs, registerLogOperations } from './log-operations.js';
export {
  DEFAULT_QUERY_LIMIT,
  type LogPage,
  type LogQuery,
  MAX_QUERY_LIMIT,
  queryLogs,
} from './log-query.js';
export {
  LogRetention,
  type LogRetentionOptions,
  type RetentionLimits,
  type RetentionResult,
  sweepLogs,
  totalBytes,
} from './log-retention.js';
export { redactedKeysOf, redactValue, scrubSecrets } from './secret-scrubber.js';
export {
  MAX_FIELDS_CHARS,
  MAX_MESSAGE_CHARS,
  TaskLogWriter,
  type TaskLogWriterOptions,
  type TaskLogWriterStats,
} from './task-log-writer.js';

/**
 * @module Agent and task logs in a running system: the batched writer over the store, the
 * capture logger (the process logger's output plus the store, for every line that names an
 * agent or a task), the lines agents leave as they work (each beat, each tool call, each failed
 * beat, bound to the agent and to the task it served), the `logs.read` operation and the
 * retention sweep (at start and every ten minutes, when timers run).
 */
import type { Clock, Kernel, LogsConfig } from '../core/index.js';
import type { BeatError, BeatReport, DaemonOperationServices } from '../daemon/index.js';
import {
  LogCaptureStream,
  type LogPage,
  type LogQuery,
  LogRetention,
  queryLogs,
  redactedKeysOf,
  redactValue,
  registerLogOperations,
  scrubSecrets,
  TaskLogWriter,
  teeLogger,
} from '../logs/index.js';
import type { Store } from '../store/index.js';
import { type Logger, REDACTED_PATHS } from './logger.js';

type ToolHooks = NonNullable<DaemonOperationServices['toolHooks']>;

/** An agent as the daemon names it. */
interface AgentRef {
  readonly id: string;
  readonly name: string;
}

/** Logs of a running system. */
export interface LogSystem {
  readonly writer: TaskLogWriter;
  /** A pino destination storing every line that names an agent or a task. */
  readonly stream: LogCaptureStream;
  /**
   * The process logger teed into {@link stream}: lines go to the process output as before and,
   * when they name an agent or a task, to the store. Give it to code that logs about agents.
   */
  readonly capture: Logger;
  readonly retention: LogRetention;
  /** Stored lines, newest last (see `queryLogs`). */
  query(query: LogQuery): Promise<LogPage>;
  /** {@link capture} bound to one agent (`agent`, `agent_id`). */
  agentLogger(agent: AgentRef): Logger;
  /** Logs one beat: working beats at info, idle beats at debug. */
  onBeat(agent: AgentRef, report: BeatReport): void;
  /** Logs a failed beat: warn when the agent retries or skips, error when it stops. */
  onBeatError(agent: AgentRef, error: BeatError, action: string): void;
  /** `inner` (the configured hooks, if any) plus a log line after every tool call. */
  toolHooks(inner: ToolHooks | undefined): ToolHooks;
  /** Stops the sweep and writes what is buffered. Idempotent. */
  close(): Promise<void>;
}

/** Options for {@link openLogSystem}. */
export interface OpenLogSystemOptions {
  readonly store: Store;
  readonly config: LogsConfig;
  /** The process logger: its output is shared, and the writer's own troubles go to it. */
  readonly logger: Logger;
  /** Registers `logs.read` on it. */
  readonly kernel?: Kernel;
  readonly clock?: Clock;
  /** Runs the retention sweep at open and every ten minutes (on for `start`). */
  readonly timers?: boolean;
  /** The id of an agent known by name, for captured lines that carry only `agent`. */
  readonly agentIdOf?: (name: string) => string | undefined;
}

const MAX_THOUGHT_CHARS = 2000;
const MAX_TOOL_OUTPUT_CHARS = 1000;
const MAX_TOOL_ARGS_CHARS = 2000;

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/**
 * Opens the logs of a system.
 *
 * @example
 * const logs = openLogSystem({ store, config: config.logs, logger, kernel, timers: true });
 * logs.agentLogger({ id, name }).info({ task: taskId }, 'started');
 * await logs.close();
 */
export function openLogSystem(options: OpenLogSystemOptions): LogSystem {
  const { store, config, logger } = options;
  const writer = new TaskLogWriter({
    store,
    redactPaths: REDACTED_PATHS,
    level: config.level,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    onError: (error) =>
      logger.warn(
        { err: { message: (error as Error).message } },
        'agent and task log lines could not be stored',
      ),
  });
  const stream = new LogCaptureStream({
    writer,
    ...(options.agentIdOf === undefined ? {} : { agentIdOf: options.agentIdOf }),
  });
  const capture = teeLogger({
    base: logger,
    capture: stream,
    captureLevel: config.level,
    redactPaths: REDACTED_PATHS,
  });
  const retention = new LogRetention({
    store,
    retentionDays: config.retention_days,
    maxBytes: Math.floor(config.max_mb * 1024 * 1024),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    onSwept: (r) =>
      logger.info(
        { deletedByAge: r.deletedByAge, deletedBySize: r.deletedBySize, bytes: r.remainingBytes },
        'old agent and task log lines deleted',
      ),
    onError: (error) =>
      logger.warn({ err: { message: (error as Error).message } }, 'log retention sweep failed'),
  });
  if (options.kernel !== undefined) registerLogOperations(options.kernel, { store });
  if (options.timers === true) retention.start();

  const keys = redactedKeysOf(REDACTED_PATHS);
  const loggers = new Map<string, Logger>();
  const agentLogger = (agent: AgentRef): Logger => {
    let log = loggers.get(agent.id);
    if (log === undefined) {
      log = capture.child({ agent: agent.name, agent_id: agent.id });
      loggers.set(agent.id, log);
    }
    return log;
  };
  // Scrubbed before pino sees them, so the process output is as clean as the store.
  const safe = (fields: Record<string, unknown>) =>
    redactValue(fields, keys) as Record<string, unknown>;

  const logTool: ToolHooks['after'] = (agent, call, outcome) => {
    const log = agentLogger(agent);
    const level = outcome.ok ? 'info' : 'warn';
    if (!log.isLevelEnabled(level)) return;
    const ms = Math.round(outcome.durationMs);
    const args = JSON.stringify(call.args) ?? '{}';
    log[level](
      safe({
        ...(call.taskId === null ? {} : { task: call.taskId }),
        tool: call.tool,
        ok: outcome.ok,
        durationMs: ms,
        args: args.length <= MAX_TOOL_ARGS_CHARS ? call.args : cut(args, MAX_TOOL_ARGS_CHARS),
        output: cut(outcome.output, MAX_TOOL_OUTPUT_CHARS),
      }),
      scrubSecrets(
        outcome.ok
          ? `tool ${call.tool} ok (${ms} ms)`
          : `tool ${call.tool} failed (${ms} ms): ${cut(outcome.output, 200)}`,
      ),
    );
  };

  let closed: Promise<void> | undefined;
  return {
    writer,
    stream,
    capture,
    retention,
    query: (query) => queryLogs(store, query),
    agentLogger,
    onBeat(agent, report) {
      const log = agentLogger(agent);
      if (report.idle) {
        if (log.isLevelEnabled('debug')) {
          log.debug(
            { beat: report.beat, observations: report.observations },
            `beat ${report.beat}: idle`,
          );
        }
        return;
      }
      if (!log.isLevelEnabled('info')) return;
      const actions = (report.decision?.actions ?? []).map((a) =>
        a.kind === 'tool' ? a.tool : 'finish',
      );
      const failed = report.results.filter((r) => !r.ok).length;
      const phases = report.phases;
      const micros =
        phases.perceive +
        phases.remember +
        phases.reflect +
        phases.deliberate +
        phases.act +
        phases.learn;
      log.info(
        safe({
          ...(report.taskId === null ? {} : { task: report.taskId }),
          beat: report.beat,
          actions,
          ...(failed === 0 ? {} : { failedCalls: failed }),
          thought: cut(report.decision?.thought ?? '', MAX_THOUGHT_CHARS),
          tokens: report.tokens,
          observations: report.observations,
          durationMs: Math.round(micros / 1000),
          ...(report.resumed ? { resumed: true } : {}),
          ...(report.finishedGoal === undefined ? {} : { finishedGoal: report.finishedGoal }),
        }),
        `beat ${report.beat}${report.resumed ? ' (resumed)' : ''}: ${
          actions.length === 0 ? 'no action' : actions.join(', ')
        }${report.finishedGoal === undefined ? '' : '; goal finished'}`,
      );
    },
    onBeatError(agent, error, action) {
      const log = agentLogger(agent);
      const stops = action === 'suspend' || action === 'terminate';
      log[stops ? 'error' : 'warn'](
        { beat: error.beat, kind: error.kind, action },
        scrubSecrets(`beat ${error.beat} failed (${error.kind}; ${action}): ${error.message}`),
      );
    },
    toolHooks(inner) {
      return {
        before: (agent, call) =>
          inner === undefined ? Promise.resolve(call.args) : inner.before(agent, call),
        after(agent, call, outcome) {
          try {
            logTool(agent, call, outcome);
          } finally {
            inner?.after(agent, call, outcome);
          }
        },
      };
    },
    close() {
      closed ??= (async () => {
        await retention.stop();
        await writer.close();
      })();
      return closed;
    },
  };
}

/**
 * @module Capture of process log lines into the store. {@link LogCaptureStream} is a pino
 * destination: every JSON line it receives that names an agent or a task (as a binding or a
 * field: `agent`, `agent_id`, `task`, `task_id`) goes to the {@link TaskLogWriter}; other lines
 * are ignored. {@link teeLogger} builds a logger that writes each line both to an existing
 * logger's output and to the capture stream, so code logs once and an agent's lines reach the
 * console and the store alike.
 */
import pino, { type DestinationStream, type Logger, type StreamEntry } from 'pino';
import type { LogLevel } from '../core/index.js';
import { isLogLevel, levelAtLeast, levelOfPinoValue } from './log-levels.js';
import type { TaskLogWriter } from './task-log-writer.js';

/** Keys of a pino line that are not the line's own fields. */
const ENVELOPE = new Set([
  'level',
  'time',
  'pid',
  'hostname',
  'msg',
  'agent',
  'agent_id',
  'agentId',
  'task',
  'task_id',
  'taskId',
]);

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Options for {@link LogCaptureStream}. */
export interface LogCaptureOptions {
  readonly writer: TaskLogWriter;
  /** The id of an agent known by name, for lines that carry only `agent`. */
  readonly agentIdOf?: (name: string) => string | undefined;
}

/** See the module comment. */
export class LogCaptureStream implements DestinationStream {
  readonly #writer: TaskLogWriter;
  readonly #agentIdOf: (name: string) => string | undefined;

  constructor(options: LogCaptureOptions) {
    this.#writer = options.writer;
    this.#agentIdOf = options.agentIdOf ?? (() => undefined);
  }

  write(line: string): void {
    // Most process lines name no agent or task: skip them without parsing.
    if (!line.includes('"agent') && !line.includes('"task')) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return;
    const o = parsed as Record<string, unknown>;
    const agent = text(o['agent']);
    const taskId = text(o['task']) ?? text(o['task_id']) ?? text(o['taskId']);
    let agentId = text(o['agent_id']) ?? text(o['agentId']);
    if (agent === undefined && agentId === undefined && taskId === undefined) return;
    if (agentId === undefined && agent !== undefined) agentId = this.#agentIdOf(agent);
    const level =
      typeof o['level'] === 'number'
        ? levelOfPinoValue(o['level'])
        : isLogLevel(o['level'])
          ? o['level']
          : 'info';
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) if (!ENVELOPE.has(k)) fields[k] = v;
    this.#writer.write({
      level,
      message: typeof o['msg'] === 'string' ? o['msg'] : '',
      agent: agent ?? null,
      agentId: agentId ?? null,
      taskId: taskId ?? null,
      fields,
    });
  }
}

/** Options for {@link teeLogger}. */
export interface TeeLoggerOptions {
  /** The logger whose output (and bindings) the new logger shares. */
  readonly base: Logger;
  readonly capture: DestinationStream;
  /** The least severe level sent to `capture`. */
  readonly captureLevel: LogLevel;
  /** pino redaction paths, applied like the base logger's. */
  readonly redactPaths: readonly string[];
}

/**
 * A logger writing every line at or above the base logger's level to the base logger's
 * destination, and every line at or above `captureLevel` to `capture`. A silent base logger
 * keeps its silence; the store still gets its lines.
 *
 * @example
 * const log = teeLogger({ base: logger, capture, captureLevel: 'info', redactPaths: REDACTED_PATHS });
 * log.child({ agent: 'writer', task: taskId }).info('tool fs.read ok');
 */
export function teeLogger(options: TeeLoggerOptions): Logger {
  const { base } = options;
  const streams: StreamEntry<string>[] = [{ level: options.captureLevel, stream: options.capture }];
  // pino exposes its destination through a documented symbol, for integrations like this one.
  const baseStream = (base as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as
    | DestinationStream
    | undefined;
  const baseLevel = base.level;
  if (baseStream !== undefined && isLogLevel(baseLevel)) {
    streams.push({ level: baseLevel, stream: baseStream });
  }
  const least = streams
    .map((s) => s.level as LogLevel)
    .reduce((a, b) => (levelAtLeast(a, b) ? b : a));
  const tee = pino(
    { level: least, redact: { paths: [...options.redactPaths], censor: '[redacted]' } },
    pino.multistream(streams),
  );
  const bindings = base.bindings();
  return Object.keys(bindings).length === 0 ? tee : tee.child(bindings);
}

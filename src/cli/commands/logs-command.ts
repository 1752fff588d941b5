/**
 * @module `agentvisor logs [--agent A] [--task T] [--level L] [-n N] [-f] [--json]`: stored agent
 * and task log lines, newest last. Asks the running node's API as the local operator; with no
 * node running, reads the store directly. `-f` keeps polling for newer lines (every 500 ms, with
 * the last line's id as the cursor) until Ctrl-C. On a TTY each line shows its time, coloured
 * level, agent, task, message and fields; `--json` prints one JSON object per line.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import pc from 'picocolors';
import { AgentvisorError, isAgentvisorError, type LogLevel } from '../../core/index.js';
import {
  DEFAULT_QUERY_LIMIT,
  type LogEntry,
  type LogPage,
  MAX_QUERY_LIMIT,
  parseLogLevel,
} from '../../logs/index.js';
import { type GlobalOptions, loadCliConfig, withSystem } from '../context.js';
import { connectNode } from '../node-client.js';
import { type CliIo, printJson } from '../output.js';

interface LogsOptions {
  agent?: string;
  task?: string;
  level?: string;
  limit?: string;
  follow?: boolean;
}

/** What one read asks for (the arguments of `logs.read`). */
export interface LogsReadQuery {
  readonly agent?: string;
  readonly task?: string;
  readonly level?: LogLevel;
  readonly after?: string;
  readonly limit: number;
}

/** One read of stored lines, from the node's API or from the store. */
export type LogReader = (query: LogsReadQuery) => Promise<LogPage>;

/** Registers `logs`. */
export function registerLogsCommand(program: Command, io: CliIo): void {
  program
    .command('logs')
    .description('agent and task log lines, newest last; -f keeps following')
    .option('--agent <name>', "only this agent's lines (name or id)")
    .option('--task <id>', "only this task's lines")
    .option('--level <level>', 'this level or more severe: trace, debug, info, warn, error, fatal')
    .option(
      '-n, --limit <n>',
      `lines to show first (1-${MAX_QUERY_LIMIT})`,
      String(DEFAULT_QUERY_LIMIT),
    )
    .option('-f, --follow', 'keep printing new lines (Ctrl-C to stop)')
    .action(async (opts: LogsOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const query = queryOf(opts);
      const print = (entry: LogEntry) =>
        g.json === true ? printJson(io, entry) : io.out(formatLogLine(entry, io.isTTY));
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      if (opts.follow === true) {
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
      }
      try {
        const run = (read: LogReader) =>
          followLogs({
            read,
            query,
            print,
            follow: opts.follow === true,
            signal: stop.signal,
          });
        const fromNode = nodeReader(g);
        if (fromNode !== undefined) {
          try {
            await run(fromNode);
            return;
          } catch (error) {
            // A node that wrote its endpoint file and died: read the store instead.
            if (!isAgentvisorError(error, 'UNAVAILABLE') || stop.signal.aborted) throw error;
          }
        }
        await withSystem(g, (system, operator) =>
          run(async (q) => (await system.kernel.call<LogPage>(operator, 'logs.read', q)).result),
        );
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

/** The read query of the verb's options, or INPUT_INVALID naming the bad option. */
function queryOf(opts: LogsOptions): LogsReadQuery {
  const limit = Number(opts.limit ?? DEFAULT_QUERY_LIMIT);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
    throw new AgentvisorError(
      'INPUT_INVALID',
      `--limit: expected an integer from 1 to ${MAX_QUERY_LIMIT}, got "${opts.limit}"`,
    );
  }
  return {
    limit,
    ...(opts.agent === undefined ? {} : { agent: opts.agent }),
    ...(opts.task === undefined ? {} : { task: opts.task }),
    ...(opts.level === undefined ? {} : { level: parseLogLevel(opts.level, '--level') }),
  };
}

/** A reader over the running node's API, or undefined when no node has written its endpoint. */
function nodeReader(g: GlobalOptions): LogReader | undefined {
  const { dataDir } = loadCliConfig(g);
  let node: ReturnType<typeof connectNode>;
  try {
    node = connectNode(dataDir);
  } catch (error) {
    if (isAgentvisorError(error, 'UNAVAILABLE')) return undefined;
    throw error;
  }
  return (q) => {
    const params = new URLSearchParams({ limit: String(q.limit) });
    for (const key of ['agent', 'task', 'level', 'after'] as const) {
      const value = q[key];
      if (value !== undefined) params.set(key, value);
    }
    return node.get<LogPage>(`/api/v1/logs?${params.toString()}`);
  };
}

/** Options for {@link followLogs}. */
export interface FollowLogsOptions {
  readonly read: LogReader;
  readonly query: LogsReadQuery;
  readonly print: (entry: LogEntry) => void;
  /** Keep polling after the first page. */
  readonly follow: boolean;
  /** Ends following. */
  readonly signal?: AbortSignal;
  /** Between polls (default 500 ms). */
  readonly intervalMs?: number;
}

/**
 * Prints the newest lines, then (when following) every newer line, polling with the last id as
 * the cursor until `signal` aborts.
 *
 * @example
 * await followLogs({ read, query: { task, limit: 100 }, print, follow: true, signal });
 */
export async function followLogs(options: FollowLogsOptions): Promise<void> {
  const { read, query, print } = options;
  let page = await read(query);
  for (const entry of page.entries) print(entry);
  if (!options.follow) return;
  let cursor = page.cursor;
  while (options.signal?.aborted !== true) {
    try {
      await sleep(options.intervalMs ?? 500, undefined, { signal: options.signal });
    } catch {
      return; // Aborted.
    }
    page = await read({
      ...query,
      limit: MAX_QUERY_LIMIT,
      ...(cursor === null ? {} : { after: cursor }),
    });
    for (const entry of page.entries) print(entry);
    cursor = page.cursor ?? cursor;
  }
}

const LEVEL_COLOURS: Record<LogLevel, (s: string) => string> = {
  trace: pc.dim,
  debug: pc.dim,
  info: pc.green,
  warn: pc.yellow,
  error: pc.red,
  fatal: (s) => pc.bold(pc.red(s)),
};

/** Longest field value shown on a line. */
const MAX_FIELD_CHARS = 120;

/**
 * One line for people: time, level, agent, task, message, then the fields as `key=value`.
 *
 * @example
 * formatLogLine(entry, false); // '2026-01-01 12:00:00.000 INFO  writer task=0193… tool fs.read ok (3 ms) tool=fs.read'
 */
export function formatLogLine(entry: LogEntry, colour: boolean): string {
  const paint = (f: (s: string) => string, s: string) => (colour ? f(s) : s);
  const time = paint(pc.dim, entry.at.slice(0, 23).replace('T', ' '));
  const level = paint(LEVEL_COLOURS[entry.level], entry.level.toUpperCase().padEnd(5));
  const who = paint(pc.bold, entry.agent ?? '-');
  const task = entry.taskId === null ? '' : ` ${paint(pc.cyan, `task=${entry.taskId}`)}`;
  const fields = Object.entries(entry.fields)
    .map(([k, v]) => {
      const text = typeof v === 'string' ? v : JSON.stringify(v);
      const shown = text.length > MAX_FIELD_CHARS ? `${text.slice(0, MAX_FIELD_CHARS)}…` : text;
      return `${k}=${shown.replace(/\s+/g, ' ')}`;
    })
    .join(' ');
  return `${time} ${level} ${who}${task} ${entry.message}${fields === '' ? '' : ` ${paint(pc.dim, fields)}`}`;
}

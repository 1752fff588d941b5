/**
 * @module CLI output: tables and colour on a TTY, JSON with `--json`, and one way to report an
 * error (message, no stack trace, the exit code from the central error map).
 */
import Table from 'cli-table3';
import pc from 'picocolors';
import { type AgentvisorError, toAgentvisorError } from '../core/index.js';

/** Where the CLI writes; injectable so tests can capture output. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readonly isTTY: boolean;
}

/** The real terminal. */
export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  isTTY: process.stdout.isTTY === true,
};

/** Prints `value` as one line of JSON. */
export function printJson(io: CliIo, value: unknown): void {
  io.out(JSON.stringify(value));
}

/** Prints rows as a table on a TTY, or as tab-separated lines when piped. */
export function printTable(io: CliIo, head: string[], rows: Array<Array<string | number>>): void {
  if (!io.isTTY) {
    io.out([head.join('\t'), ...rows.map((r) => r.join('\t'))].join('\n'));
    return;
  }
  const table = new Table({ head: head.map((h) => pc.bold(h)), style: { head: [], border: [] } });
  for (const r of rows) table.push(r.map(String));
  io.out(table.toString());
}

/** Prints key/value facts. */
export function printFacts(io: CliIo, facts: Array<[string, string | number]>): void {
  const width = Math.max(...facts.map(([k]) => k.length));
  io.out(
    facts
      .map(([k, v]) => `${io.isTTY ? pc.dim(k.padEnd(width)) : k.padEnd(width)}  ${v}`)
      .join('\n'),
  );
}

/** Reports an error and returns the exit code to use. */
export function reportError(io: CliIo, error: unknown, json: boolean): number {
  const e: AgentvisorError = toAgentvisorError(error);
  if (json) {
    io.out(JSON.stringify({ error: e.toJSON() }));
  } else {
    io.err(`${io.isTTY ? pc.red('error') : 'error'}: ${e.message}`);
    if (e.code === 'INTERNAL' && e.cause instanceof Error)
      io.err(String(e.cause.stack ?? e.cause.message));
  }
  return e.exitCode;
}

/** Colour helpers that turn themselves off when not on a TTY. */
export function colours(io: CliIo) {
  const on = io.isTTY;
  return {
    ok: (s: string) => (on ? pc.green(s) : s),
    bad: (s: string) => (on ? pc.red(s) : s),
    warn: (s: string) => (on ? pc.yellow(s) : s),
    dim: (s: string) => (on ? pc.dim(s) : s),
    bold: (s: string) => (on ? pc.bold(s) : s),
  };
}

/**
 * @module Shared helpers for the benchmarks: machine facts, number formatting, plain-text
 * tables (Markdown-compatible, so they paste into RESULTS.md), target verdicts, progress lines
 * and a cleanup stack that also runs on Ctrl-C so no temp dir or PostgreSQL schema is left.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** What the dispatcher hands each benchmark. */
export interface BenchContext {
  /** `--quick`: smaller sizes, for a smoke run. */
  readonly quick: boolean;
  /** Arguments after the benchmark name, minus `--quick`. */
  readonly args: readonly string[];
  readonly machine: MachineInfo;
}

/** A benchmark module: `run` prints its own report; a rejected promise is a failed run. */
export interface BenchModule {
  run(ctx: BenchContext): Promise<void>;
}

/** Facts about the machine a result was measured on. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly ramGiB: number;
  readonly node: string;
  readonly platform: string;
  readonly date: string;
  /** 1, 5 and 15 minute load averages when the run started: anything near `cores` means noise. */
  readonly loadavg: readonly number[];
  /** Git commit of the code measured, with `+dirty` when the work tree has changes. */
  readonly revision: string;
}

/** CPU model (from /proc/cpuinfo when os.cpus() is vague), cores, RAM, Node, OS and date. */
export function machineInfo(): MachineInfo {
  let cpu = os.cpus()[0]?.model?.trim() ?? 'unknown';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    const model = line?.split(':')[1]?.trim();
    if (model !== undefined && model.length > cpu.length) cpu = model;
  } catch {
    // not Linux: os.cpus() is all we have
  }
  return {
    cpu,
    cores: os.availableParallelism(),
    ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
    loadavg: loadAverage(),
    revision: gitRevision(),
  };
}

function gitRevision(): string {
  const git = (...args: string[]) =>
    execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const head = git('rev-parse', '--short', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no') === '' ? head : `${head}+dirty`;
  } catch {
    return 'unknown';
  }
}

/** The 1, 5 and 15 minute load averages, rounded to 2 decimals. */
export function loadAverage(): number[] {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}

/** Integer with thousands separators: 12345.6 -> "12,346". */
export function fmtInt(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : String(n);
}

/** A number with `digits` decimals and thousands separators. */
export function fmtNum(n: number, digits = 1): string {
  return Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : String(n);
}

/** Prints a Markdown table with padded columns (numbers right-aligned). */
export function printTable(headers: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) =>
    rows.every((r) => /^[-+]?[\d,.]+[x%]?$|^[—-]$|^n\/a$/.test(r[i] ?? '')),
  );
  const cell = (text: string, i: number) =>
    numeric[i] ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
  console.log(`| ${headers.map(cell).join(' | ')} |`);
  console.log(
    `|${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`,
  );
  for (const r of rows)
    console.log(`| ${headers.map((_, i) => cell(r[i] ?? '', i)).join(' | ')} |`);
}

/** A target to compare a measured figure with. */
export interface Target {
  readonly name: string;
  readonly measured: number | undefined;
  readonly unit: string;
  readonly op: '>=' | '<=';
  readonly goal: number;
}

/** A {@link Target} with its verdict. */
export interface Verdict extends Target {
  readonly verdict: 'PASS' | 'MISS' | 'SKIP';
}

/** PASS when the measured figure meets the goal, MISS when not, SKIP when not measured. */
export function judge(target: Target): Verdict {
  const m = target.measured;
  const verdict =
    m === undefined || !Number.isFinite(m)
      ? 'SKIP'
      : (target.op === '>=' ? m >= target.goal : m <= target.goal)
        ? 'PASS'
        : 'MISS';
  return { ...target, verdict };
}

/** One verdict line: `PASS  name: 23,456 entries/s (target >= 20,000)`. */
export function verdictLine(v: Verdict): string {
  const num = (n: number) => (v.unit === 'x' ? fmtNum(n) : fmtInt(n));
  const measured =
    v.measured === undefined || !Number.isFinite(v.measured)
      ? 'not measured'
      : `${num(v.measured)}${v.unit === 'x' ? 'x' : ` ${v.unit}`}`;
  return `${v.verdict.padEnd(4)}  ${v.name}: ${measured} (target ${v.op} ${num(v.goal)}${v.unit === 'x' ? 'x' : ` ${v.unit}`})`;
}

/** A progress line on stderr, overwritten in place on a terminal. */
export function progress(text: string, done = false): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}${done ? '\n' : ''}`);
  else process.stderr.write(`${text}\n`);
}

type Cleanup = () => Promise<void> | void;
const cleanups: Cleanup[] = [];
let signalHooked = false;

/** Registers an undo action (remove a temp dir, drop a schema); returns a function that runs it once. */
export function onCleanup(fn: Cleanup): () => Promise<void> {
  let done = false;
  const run = async () => {
    if (done) return;
    done = true;
    const i = cleanups.indexOf(run);
    if (i >= 0) cleanups.splice(i, 1);
    await fn();
  };
  cleanups.push(run);
  if (!signalHooked) {
    signalHooked = true;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        process.stderr.write(`\n${signal}: cleaning up temp files and schemas...\n`);
        void runAllCleanups().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
      });
    }
  }
  return run;
}

/** Runs every registered cleanup, newest first, ignoring failures. */
export async function runAllCleanups(): Promise<void> {
  for (const fn of [...cleanups].reverse()) {
    try {
      await fn();
    } catch {
      // best effort
    }
  }
}

/** Wall-clock seconds since `start` (from performance.now()). */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}

/** The p-th percentile (0..100) of `values` (sorted in place). */
export function percentile(values: Float64Array, p: number): number {
  if (values.length === 0) return Number.NaN;
  values.sort();
  const i = Math.min(values.length - 1, Math.max(0, Math.ceil((p / 100) * values.length) - 1));
  return values[i]!;
}

/**
 * @module Hooks written as programs. The program is spawned without a shell from an argument
 * list, gets the payload as JSON on stdin and answers with JSON on stdout (nothing printed is
 * an answer of "no opinion"). It runs detached, so it leads its own process group, and at its
 * time limit the whole group is SIGKILLed: whatever the hook started ends with it. The same
 * approach as the `shell.exec` tool, kept separate because the team module must not reach into
 * the daemon's internals.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { AgentvisorError } from '../../core/index.js';
import type { HookEvent } from './hook-events.js';

/** Most bytes a hook may print as its answer (1 MiB); more is an error, not a truncation. */
export const MAX_HOOK_ANSWER_BYTES = 1024 * 1024;

/** One run of a command hook. */
export interface CommandHookCall {
  /** Program and arguments; a program path with a slash is resolved against `cwd`. */
  readonly argv: readonly string[];
  /** Working directory: the config file's directory. */
  readonly cwd: string;
  readonly payloadJson: string;
  readonly event: HookEvent;
  readonly hookIndex: number;
  readonly timeoutMs: number;
}

/**
 * The child's whole environment. The daemon's own environment holds the database URL and the
 * key passphrase, so a hook gets only what finding and running programs needs, plus the event.
 */
function hookEnv(event: HookEvent): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: process.env['LANG'] ?? 'C.UTF-8',
    AGENTVISOR_HOOK_EVENT: event,
  };
  if (process.env['HOME'] !== undefined) env['HOME'] = process.env['HOME'];
  return env;
}

/** SIGKILLs the process group led by `pid`; nothing when it never started or is gone. */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** The program to spawn: a path with a slash is relative to `cwd`, a bare name is found on PATH. */
function programPath(program: string, cwd: string): string {
  return program.includes('/') ? path.resolve(cwd, program) : program;
}

/**
 * Checks that a command hook's program exists and is executable, so a typo fails at start
 * rather than on every call.
 *
 * @throws {AgentvisorError} `CONFIG_INVALID` naming `<label>.command[0]`
 * @example
 * await checkCommandProgram({ argv: ['node', 'hook.mjs'], cwd: '/srv', label: 'hooks[0]' });
 */
export async function checkCommandProgram(options: {
  argv: readonly string[];
  cwd: string;
  label: string;
}): Promise<void> {
  const program = options.argv[0]!;
  const candidates = program.includes('/')
    ? [programPath(program, options.cwd)]
    : (process.env['PATH'] ?? '')
        .split(path.delimiter)
        .filter((dir) => dir !== '')
        .map((dir) => path.join(dir, program));
  for (const candidate of candidates) {
    if (
      await access(candidate, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return;
  }
  throw new AgentvisorError(
    'CONFIG_INVALID',
    program.includes('/')
      ? `${options.label}.command[0]: ${candidates[0]} is not an executable file`
      : `${options.label}.command[0]: ${JSON.stringify(program)} is not an executable on PATH`,
    { details: { path: `${options.label}.command[0]`, program } },
  );
}

/**
 * Runs a command hook and returns its parsed answer (`undefined` when it printed nothing).
 *
 * @throws {AgentvisorError} `TIMEOUT` when it ran past its limit (its process group is killed);
 *   `TOOL_FAILED` when it could not start, exited non-zero, died of a signal, printed too much
 *   or printed something that is not JSON
 * @example
 * const answer = await runCommandHook({
 *   argv: ['node', 'hooks/guard.mjs'], cwd: '/srv/agentvisor', payloadJson: '{"tool":"fs.read"}',
 *   event: 'PreToolUse', hookIndex: 0, timeoutMs: 5000,
 * });
 */
export async function runCommandHook(call: CommandHookCall): Promise<unknown> {
  const fail = (message: string, details: Record<string, unknown> = {}) =>
    new AgentvisorError('TOOL_FAILED', message, {
      details: { hookIndex: call.hookIndex, ...details },
    });
  const chunks: Buffer[] = [];
  let bytes = 0;
  let timedOut = false;
  // detached: the child leads its own process group, so a kill reaches what it spawned too.
  const child = spawn(programPath(call.argv[0]!, call.cwd), call.argv.slice(1), {
    cwd: call.cwd,
    env: hookEnv(call.event),
    detached: true,
    shell: false,
    // stderr is discarded: it is the hook's to use, and it could echo the payload's secrets.
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  child.stdout.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    // Keep draining past the cap so the hook never blocks on a full pipe; keep nothing more.
    if (bytes <= MAX_HOOK_ANSWER_BYTES) chunks.push(chunk);
  });
  // A hook that exits without reading stdin closes the pipe under us: not the hook's failure.
  child.stdin.on('error', () => undefined);
  child.stdin.end(call.payloadJson);
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid);
  }, call.timeoutMs);
  const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null } | Error>(
    (resolve) => {
      child.once('error', resolve);
      // A background process left holding stdout would keep 'close' from ever firing.
      child.once('exit', () => killGroup(child.pid));
      child.once('close', (code, signal) => resolve({ code, signal }));
    },
  ).finally(() => clearTimeout(timer));

  if (timedOut)
    throw new AgentvisorError('TIMEOUT', `did not answer within ${call.timeoutMs} ms; killed`, {
      details: { hookIndex: call.hookIndex, timeoutMs: call.timeoutMs },
    });
  if (ended instanceof Error) {
    const code = (ended as NodeJS.ErrnoException).code;
    throw fail(`could not start ${JSON.stringify(call.argv[0])}${code ? ` (${code})` : ''}`, {
      code,
    });
  }
  if (ended.signal !== null) throw fail(`was killed by ${ended.signal}`, { signal: ended.signal });
  if (ended.code !== 0) throw fail(`exited with code ${ended.code}`, { exitCode: ended.code });
  if (bytes > MAX_HOOK_ANSWER_BYTES)
    throw fail(`printed ${bytes} bytes; an answer is at most ${MAX_HOOK_ANSWER_BYTES}`);
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // The text itself stays out of the message: a hook may have echoed the payload.
    throw fail(`printed ${bytes} bytes that are not JSON; an answer is one JSON value`);
  }
}

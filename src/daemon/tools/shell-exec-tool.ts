/**
 * @module The `shell.exec` built-in. Despite the name there is no shell: the command is spawned
 * directly with an argument array, so arguments cannot inject commands. The executable must be
 * on the allowlist, the working directory inside the shell scope, the environment carries only
 * PATH, HOME and LANG, output is capped, and a timeout kills the whole process group.
 */
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { z } from 'zod';
import { AgentvisorError } from '../../core/index.js';
import { killGroup } from '../sandbox/index.js';
import { abortError } from './abort-reason.js';
import { builtinTool } from './builtin-tool.js';
import { CappedBuffer } from './capped-buffer.js';
import { allowedExecutable } from './command-allowlist.js';
import { resolveInScope } from './path-scope.js';
import { requireScope } from './require-scope.js';
import type { ToolDefinition } from './tool-types.js';

const execArgs = z.strictObject({
  command: z.string().min(1).describe('Executable name or absolute path; must be on the allowlist'),
  args: z.array(z.string()).default([]).describe('Arguments, passed as-is (no shell expansion)'),
  cwd: z.string().min(1).default('.').describe('Working directory inside the allowed directory'),
  stdin: z.string().optional(),
});

type ExecArgs = z.output<typeof execArgs>;

/** What `shell.exec` reports in `data`. */
export interface ShellExecData {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/**
 * The child's whole environment. HOME is the scope's directory rather than the daemon's home,
 * so tools that read `~/.config` or `~/.netrc` do not find the operator's credentials.
 */
function minimalEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    LANG: process.env['LANG'] ?? 'C.UTF-8',
  };
}

/** `shell.exec`: runs one allowlisted command without a shell, capped in output and time. */
export const shellExec: ToolDefinition<ExecArgs> = builtinTool({
  name: 'shell.exec',
  description:
    'Run an allowed command with arguments (no shell: no pipes, globs or variables). Returns exit code, stdout and stderr.',
  args: execArgs,
  effect: 'write',
  async run(ctx, args) {
    const scope = requireScope(ctx, 'shell', 'shell.exec');
    const executable = allowedExecutable(args.command, scope.commands);
    const { real: cwd, missing } = await resolveInScope([scope.cwd], args.cwd);
    if (missing || !(await stat(cwd)).isDirectory())
      throw new AgentvisorError(
        'NOT_FOUND',
        `shell.exec: cwd ${JSON.stringify(args.cwd)} is not an existing directory`,
        {
          details: { path: 'cwd' },
        },
      );
    const stdout = new CappedBuffer(scope.maxOutputBytes);
    const stderr = new CappedBuffer(scope.maxOutputBytes);
    const deadline = AbortSignal.timeout(scope.timeoutMs);
    const signal = AbortSignal.any([ctx.signal, deadline]);
    // detached: the child leads its own process group, so a kill reaches what it spawned too.
    const child = spawn(executable, args.args, {
      cwd,
      env: minimalEnv(scope.cwd),
      detached: true,
      shell: false,
      stdio: [args.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    if (args.stdin !== undefined && child.stdin !== null) {
      child.stdin.on('error', () => undefined);
      child.stdin.end(args.stdin);
    }
    const onAbort = () => killGroup(child.pid);
    signal.addEventListener('abort', onAbort, { once: true });
    const outcome = await new Promise<
      { code: number | null; signal: NodeJS.Signals | null } | Error
    >((resolve) => {
      child.once('error', resolve);
      // A background process left holding the pipes would keep 'close' from ever firing.
      child.once('exit', () => killGroup(child.pid));
      child.once('close', (code, sig) => resolve({ code, signal: sig }));
    }).finally(() => signal.removeEventListener('abort', onAbort));
    if (signal.aborted) throw abortError('shell.exec', ctx.signal, deadline, scope.timeoutMs);
    if (outcome instanceof Error) {
      const code = (outcome as NodeJS.ErrnoException).code;
      throw new AgentvisorError(
        code === 'ENOENT' ? 'NOT_FOUND' : 'TOOL_FAILED',
        `shell.exec: could not start ${JSON.stringify(args.command)}${code ? ` (${code})` : ''}`,
        { details: { command: args.command, code } },
      );
    }
    const data: ShellExecData = {
      exitCode: outcome.code,
      signal: outcome.signal,
      stdout: stdout.text(),
      stderr: stderr.text(),
    };
    const status =
      outcome.signal === null ? `exit code ${outcome.code}` : `killed by ${outcome.signal}`;
    return {
      content: `${status}\n--- stdout ---\n${data.stdout}\n--- stderr ---\n${data.stderr}`,
      data,
      truncated: stdout.truncated || stderr.truncated,
    };
  },
});

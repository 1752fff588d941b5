/**
 * @module The built `agentvisor` binary for e2e suites: run one verb to completion, or start a
 * node on a free port and wait for its banner.
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The compiled CLI entry. */
export const bin = path.join(root, 'dist/src/cli/main.js');

/** Runs one CLI verb in `cwd` and returns its exit code and output. */
export function cli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, AGENTVISOR_DATA_DIR: '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * {@link cli} without blocking this process's event loop, for verbs that talk to a server the
 * test itself runs (a stub model provider).
 */
export function cliAsync(
  args: string[],
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd,
    env: { ...process.env, AGENTVISOR_DATA_DIR: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** A node started with `agentvisor start --port 0`. */
export interface StartedNode {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  /** Everything the node wrote to stderr so far. */
  stderr(): string;
}

/** Starts a node in `cwd` and resolves once its "listening on" banner names the URL. */
export async function startNode(cwd: string): Promise<StartedNode> {
  const child = spawn(process.execPath, [bin, 'start', '--port', '0'], {
    cwd,
    env: { ...process.env, AGENTVISOR_DATA_DIR: '' },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      // stderr is a pipe, not a TTY, so the banner carries no colour codes.
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (m) {
        clearInterval(timer);
        resolve(m[1]!);
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`exited early with ${code}: ${stderr}`));
    });
  });
  return { child, url, stderr: () => stderr };
}

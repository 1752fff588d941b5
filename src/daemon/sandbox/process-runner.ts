/**
 * @module The `process` runner: each call gets a fresh `node` child process with its heap capped
 * by `--max-old-space-size`, a minimal environment, and its own process group. A crash, exit,
 * out-of-memory abort or timeout ends only that process (the group is killed on overrun).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROCESS_BOOTSTRAP } from './bootstrap-source.js';
import { sandboxEnv } from './sandbox-env.js';
import {
  crashed,
  exitedEarly,
  type SandboxReply,
  settleReply,
  stopped,
} from './sandbox-protocol.js';
import type { SandboxRequest, SandboxRunner } from './sandbox-types.js';

const STDERR_TAIL = 4096;
const OUT_OF_MEMORY = /heap out of memory|Allocation failed/i;

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Runs tool modules in a child `node` process per call. */
export const processRunner: SandboxRunner = {
  isolation: 'process',
  run(request: SandboxRequest): Promise<unknown> {
    const exportName = request.exportName ?? 'default';
    const { modulePath, timeoutMs, memoryMb, signal } = request;
    return new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [`--max-old-space-size=${memoryMb}`, '--input-type=module', '-e', PROCESS_BOOTSTRAP],
        {
          env: sandboxEnv(),
          detached: true,
          stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
          serialization: 'json',
        },
      );
      // Only the tail is kept: it is where V8 reports an out-of-memory abort.
      let stderrTail = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL);
      });
      let settled = false;
      const finish = (outcome: () => unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        killGroup(child.pid);
        try {
          resolve(outcome());
        } catch (error) {
          reject(error);
        }
      };
      const fail = (error: Error) =>
        finish(() => {
          throw error;
        });
      const onAbort = () => fail(stopped(modulePath, exportName, timeoutMs, signal));
      const timer = setTimeout(onAbort, timeoutMs);
      if (signal?.aborted) onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      child.once('message', (reply: SandboxReply) =>
        finish(() => settleReply(reply, modulePath, exportName)),
      );
      child.once('error', (error) =>
        fail(
          crashed(modulePath, exportName, `could not be started (${error.message})`, {
            reason: 'spawn',
          }),
        ),
      );
      // 'close' rather than 'exit': by then stderr is complete, so an OOM report is not missed.
      child.once('close', (code, sig) => {
        if (OUT_OF_MEMORY.test(stderrTail))
          fail(
            crashed(modulePath, exportName, `ran out of memory (limit ${memoryMb} MB)`, {
              reason: 'out_of_memory',
              memoryMb,
            }),
          );
        else fail(exitedEarly(modulePath, exportName, code, sig));
      });
      child.send({
        url: pathToFileURL(path.resolve(modulePath)).href,
        exportName,
        args: request.args ?? null,
      });
    });
  },
};

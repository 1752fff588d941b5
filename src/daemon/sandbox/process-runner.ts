/**
 * @module The `process` runner: each call gets a fresh `node` child process with its heap capped
 * by `--max-old-space-size`, a minimal environment, and its own process group. A crash, exit,
 * out-of-memory abort or timeout ends only that process (the group is killed on overrun).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROCESS_BOOTSTRAP } from './bootstrap-source.js';
import { killGroup } from './kill-group.js';
import { sandboxEnv } from './sandbox-env.js';
import {
  crashed,
  exitedEarly,
  outOfMemory,
  type SandboxReply,
  settleReply,
  stopped,
} from './sandbox-protocol.js';
import type { SandboxRequest, SandboxRunner } from './sandbox-types.js';
import { settleOnce } from './settle-once.js';

const STDERR_TAIL = 4096;
const OUT_OF_MEMORY = /heap out of memory|Allocation failed/i;

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
      const { finish, fail } = settleOnce({
        resolve,
        reject,
        timeoutMs,
        signal,
        stopped: () => stopped(modulePath, exportName, timeoutMs, signal),
        release: () => killGroup(child.pid),
      });
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
        if (OUT_OF_MEMORY.test(stderrTail)) fail(outOfMemory(modulePath, exportName, memoryMb));
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

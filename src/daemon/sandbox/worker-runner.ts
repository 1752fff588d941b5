/**
 * @module The `worker` runner: each call gets a fresh worker thread with its own V8 heap capped
 * at `memoryMb`. An out-of-memory, `process.exit` (which ends only the worker) or timeout
 * terminates that worker; the daemon's thread and heap go on.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { WORKER_BOOTSTRAP } from './bootstrap-source.js';
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

/** Runs tool modules in a worker thread per call. */
export const workerRunner: SandboxRunner = {
  isolation: 'worker',
  run(request: SandboxRequest): Promise<unknown> {
    const exportName = request.exportName ?? 'default';
    const { modulePath, timeoutMs, memoryMb, signal } = request;
    return new Promise((resolve, reject) => {
      const worker = new Worker(WORKER_BOOTSTRAP, {
        eval: true,
        workerData: {
          url: pathToFileURL(path.resolve(modulePath)).href,
          exportName,
          args: JSON.parse(JSON.stringify(request.args ?? null)) as unknown,
        },
        env: sandboxEnv(),
        resourceLimits: { maxOldGenerationSizeMb: memoryMb },
        // Captured and drained so a chatty tool does not write into the daemon's own output.
        stdout: true,
        stderr: true,
      });
      worker.stdout.resume();
      worker.stderr.resume();
      const { finish, fail } = settleOnce({
        resolve,
        reject,
        timeoutMs,
        signal,
        stopped: () => stopped(modulePath, exportName, timeoutMs, signal),
        release: () => void worker.terminate(),
      });
      worker.once('message', (reply: SandboxReply) =>
        finish(() => settleReply(reply, modulePath, exportName)),
      );
      worker.once('error', (error: Error & { code?: string }) =>
        fail(
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? outOfMemory(modulePath, exportName, memoryMb)
            : crashed(
                modulePath,
                exportName,
                `crashed (${error.name}: ${error.message.slice(0, 200)})`,
                {
                  reason: 'crashed',
                },
              ),
        ),
      );
      worker.once('exit', (code) => fail(exitedEarly(modulePath, exportName, code, null)));
    });
  },
};

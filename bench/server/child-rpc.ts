/**
 * @module Request/response over IPC between `npm run bench -- server` and its load-generating
 * child processes (`load-client.js`, `ws-clients.js`), so no client shares the server's event
 * loop. The parent forks a child and `call`s it with jobs; the child `serve`s them one at a time.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { onCleanup } from '../lib.js';

interface Request {
  readonly rpc: number;
  readonly job: unknown;
}

type Response =
  | { readonly rpc: number; readonly ok: true; readonly result: unknown }
  | { readonly rpc: number; readonly ok: false; readonly error: string };

/** A forked child that answers jobs. */
export interface RpcChild {
  readonly pid: number;
  call<T>(job: unknown): Promise<T>;
  /** Disconnects and waits for the exit (SIGKILL after 5 s). Also runs on Ctrl-C. */
  stop(): Promise<void>;
}

function waitExit(proc: ChildProcess, ms: number): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      resolve();
    }, ms);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** IPC carries JSON, where NaN becomes null: numbers that were NaN come back as NaN. */
function revive(value: unknown): unknown {
  if (value === null) return Number.NaN;
  if (Array.isArray(value)) return value.map(revive);
  if (typeof value === 'object' && value !== undefined) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]));
  }
  return value;
}

/** Forks `script` (an absolute path to a built `.js`) with an IPC channel. */
export function forkRpcChild(script: string, execArgv: string[] = []): RpcChild {
  const proc = fork(script, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 1;
  proc.on('message', (m: Response) => {
    const waiter = pending.get(m.rpc);
    if (waiter === undefined) return;
    pending.delete(m.rpc);
    if (m.ok) waiter.resolve(revive(m.result));
    else waiter.reject(new Error(m.error));
  });
  proc.once('exit', (code, signal) => {
    for (const waiter of pending.values()) {
      waiter.reject(new Error(`${script} exited (${code ?? signal}) during a job`));
    }
    pending.clear();
  });
  const stop = onCleanup(async () => {
    if (proc.connected) proc.disconnect();
    await waitExit(proc, 5_000);
  });
  return {
    pid: proc.pid!,
    call<T>(job: unknown): Promise<T> {
      const rpc = next++;
      return new Promise<T>((resolve, reject) => {
        pending.set(rpc, { resolve: resolve as (v: unknown) => void, reject });
        proc.send({ rpc, job } satisfies Request);
      });
    },
    stop,
  };
}

/** In the child: answers each job with `handle`'s result; exits when the parent disconnects. */
export function serveRpc(handle: (job: unknown) => Promise<unknown>): void {
  let queue: Promise<void> = Promise.resolve();
  process.on('message', (m: Request) => {
    queue = queue.then(async () => {
      let response: Response;
      try {
        response = { rpc: m.rpc, ok: true, result: await handle(m.job) };
      } catch (error) {
        response = {
          rpc: m.rpc,
          ok: false,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        };
      }
      process.send?.(response);
    });
  });
  process.on('disconnect', () => process.exit(0));
}

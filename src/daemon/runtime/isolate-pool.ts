/**
 * @module Starting isolates, and keeping one pre-forked spare per kind. A child process needs
 * ~300 ms here to start Node and load its modules; an agent spawned from a spare only has to
 * build its daemon (a few ms). The spare is unreferenced, so it never keeps the host alive, and
 * it exits by itself if the host goes away (the entry exits on IPC disconnect).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import type { AgentMessage, HostMessage, MessageChannelEnd } from './gate-protocol.js';

/** An isolate that has started (or is starting) and waits for its `init`. */
export interface Isolate {
  readonly end: MessageChannelEnd<HostMessage, AgentMessage>;
  readonly pid: number | undefined;
  /** Resolves once the isolate has loaded its modules. */
  readonly booted: Promise<void>;
  /** Why it ended, once it has. */
  readonly exitReason: string | undefined;
  /** Calls `listener` when the isolate ends (at once if it already has). */
  onExit(listener: (reason: string) => void): void;
  /** Lets the isolate keep the host process alive (it now runs an agent). */
  adopt(): void;
  kill(): void;
}

/** Starts an isolate running `entry`, not yet referenced by the host's event loop. */
export function startIsolate(
  entry: string,
  isolation: 'worker' | 'process',
  memoryMb: number,
): Isolate {
  const listeners: ((reason: string) => void)[] = [];
  let exitReason: string | undefined;
  const exit = (reason: string) => {
    if (exitReason !== undefined) return;
    exitReason = reason;
    for (const l of listeners.splice(0)) l(reason);
  };
  let end: MessageChannelEnd<HostMessage, AgentMessage>;
  let pid: number | undefined;
  let adopt: () => void;
  let kill: () => void;
  if (isolation === 'worker') {
    const worker = new Worker(entry, { resourceLimits: { maxOldGenerationSizeMb: memoryMb } });
    worker.on('error', (e) => exit(`crashed: ${e.message}`));
    worker.on('exit', (code) => exit(`exited with code ${code}`));
    worker.unref();
    end = { send: (m) => worker.postMessage(m), onMessage: (l) => worker.on('message', l) };
    adopt = () => worker.ref();
    kill = () => void worker.terminate();
  } else {
    const child: ChildProcess = fork(entry, [], {
      execArgv: [`--max-old-space-size=${memoryMb}`],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('error', (e) => {
      if (child.pid === undefined) return exit(`crashed: ${e.message}`);
      // A send to a child that is already exiting fails (EPIPE) just before its exit event:
      // wait a moment so the exit, with its real code, is the reason reported.
      setTimeout(() => exit(`crashed: ${e.message}`), 1000).unref();
    });
    child.on('exit', (code, signal) =>
      exit(signal === null ? `exited with code ${code}` : `killed by ${signal}`),
    );
    child.unref();
    child.channel?.unref();
    end = {
      send: (m) => {
        if (child.connected) child.send(m);
      },
      onMessage: (l) => child.on('message', (m) => l(m as AgentMessage)),
    };
    pid = child.pid;
    adopt = () => {
      child.ref();
      child.channel?.ref();
    };
    kill = () => child.kill('SIGKILL');
  }
  const booted = new Promise<void>((resolve, reject) => {
    end.onMessage((m) => {
      if (m.type === 'booted') resolve();
    });
    listeners.push((reason) => reject(new Error(reason)));
  });
  // A spare that dies before use is simply replaced; nobody awaits it yet.
  booted.catch(() => undefined);
  return {
    end,
    pid,
    booted,
    get exitReason() {
      return exitReason;
    },
    onExit(listener) {
      if (exitReason !== undefined) listener(exitReason);
      else listeners.push(listener);
    },
    adopt,
    kill,
  };
}

/** One pre-forked spare per isolation kind and heap size. */
export class SpareIsolates {
  readonly #spares = new Map<string, Isolate>();

  /** A running isolate for an agent: the spare when it is alive, else a new one; refills. */
  take(entry: string, isolation: 'worker' | 'process', memoryMb: number): Isolate {
    const key = `${isolation}:${memoryMb}`;
    const spare = this.#spares.get(key);
    this.#spares.delete(key);
    const isolate =
      spare !== undefined && spare.exitReason === undefined
        ? spare
        : startIsolate(entry, isolation, memoryMb);
    this.#spares.set(key, startIsolate(entry, isolation, memoryMb));
    return isolate;
  }

  /** Makes sure a booted spare of this kind exists; resolves when it is ready. */
  async prewarm(entry: string, isolation: 'worker' | 'process', memoryMb: number): Promise<void> {
    const key = `${isolation}:${memoryMb}`;
    let spare = this.#spares.get(key);
    if (spare === undefined || spare.exitReason !== undefined) {
      spare = startIsolate(entry, isolation, memoryMb);
      this.#spares.set(key, spare);
    }
    await spare.booted;
  }

  /** Ends every spare (at host shutdown). */
  close(): void {
    for (const spare of this.#spares.values()) spare.kill();
    this.#spares.clear();
  }
}

/** The process-wide spares. */
export const spareIsolates = new SpareIsolates();

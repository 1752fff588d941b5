/**
 * @module The host's handle on an agent running in a worker thread or a child process. The
 * isolate runs the heartbeat; every operation it asks for runs here, through the kernel, as that
 * agent. An isolate that crashes, exits or runs out of memory ends as `terminated` with the
 * reason; the host and every other agent carry on.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AgentvisorError, type Kernel } from '../../core/index.js';
import type { DaemonStatus } from './agent-daemon.js';
import type {
  AgentMessage,
  HostMessage,
  IsolatedAgentSpec,
  MessageChannelEnd,
} from './gate-protocol.js';
import type { BeatReport } from './heartbeat-engine.js';
import { serveGate } from './ipc-gate.js';
import { spareIsolates } from './isolate-pool.js';

/** How long an isolate may take to build its daemon before it is killed. */
const SPAWN_TIMEOUT_MS = 30_000;

/** What the host can ask of any daemon, inline or isolated. */
export interface DaemonHandle {
  readonly name: string;
  readonly status: DaemonStatus;
  readonly reason: string | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
  wake(): void;
  suspend(reason: string): Promise<void>;
  resume(): Promise<void>;
  runUntilIdle(maxBeats?: number): Promise<BeatReport[]>;
  settled(): Promise<void>;
}

/** Options for {@link IsolatedDaemon.spawn}. */
export interface IsolatedDaemonOptions {
  readonly isolation: 'worker' | 'process';
  readonly spec: IsolatedAgentSpec;
  readonly kernel: Kernel;
  /** Heap cap of the isolate (default 256 MiB). */
  readonly memoryMb?: number;
  readonly onBeat?: (report: BeatReport) => void;
  readonly onError?: (
    error: { kind: string; beat: number; message: string },
    action: string,
  ) => void;
  readonly onStatus?: (status: DaemonStatus, reason: string | undefined) => void;
}

/**
 * The compiled entry of the isolate. Isolates run compiled JavaScript even when the host runs
 * from TypeScript sources (tests), because neither `fork` nor `Worker` can load `.ts` files.
 */
export function isolateEntryPath(): string {
  const here = fileURLToPath(new URL('./agent-isolate-entry.js', import.meta.url));
  if (existsSync(here)) return here;
  const built = here.replace(/([\\/])src([\\/]daemon[\\/]runtime[\\/])/, '$1dist$1src$2');
  if (existsSync(built)) return built;
  throw new AgentvisorError(
    'UNAVAILABLE',
    'worker and process isolation need the compiled build (dist/); run `npm run build` first',
  );
}

/** See the module comment. */
export class IsolatedDaemon implements DaemonHandle {
  readonly name: string;
  /** The child's process id (process isolation), for supervision and resource monitoring. */
  readonly pid: number | undefined;
  readonly #options: IsolatedDaemonOptions;
  readonly #send: (message: HostMessage) => void;
  readonly #kill: () => void;
  #status: DaemonStatus = 'created';
  #reason: string | undefined;
  #waiters: (() => void)[] = [];
  #stopped: (() => void) | undefined;
  #idleRun: { resolve(r: BeatReport[]): void; reject(e: unknown): void } | undefined;
  #exited = false;

  private constructor(
    options: IsolatedDaemonOptions,
    end: MessageChannelEnd<HostMessage, AgentMessage>,
    kill: () => void,
    pid: number | undefined,
  ) {
    this.name = options.spec.name;
    this.pid = pid;
    this.#options = options;
    this.#send = (m) => {
      if (!this.#exited) end.send(m);
    };
    this.#kill = kill;
    end.onMessage((m) => this.#receive(m));
  }

  /**
   * Starts the agent in an isolate (a pre-forked spare when one is ready) and waits until it has
   * built its daemon.
   */
  /** Boots a spare isolate of this kind now, so the next spawn of one is fast. */
  static prewarm(isolation: 'worker' | 'process', memoryMb = 256): Promise<void> {
    return spareIsolates.prewarm(isolateEntryPath(), isolation, memoryMb);
  }

  /** Ends the spare isolates (the host calls this at shutdown). */
  static closeSpares(): void {
    spareIsolates.close();
  }

  static async spawn(options: IsolatedDaemonOptions): Promise<IsolatedDaemon> {
    const isolate = spareIsolates.take(
      isolateEntryPath(),
      options.isolation,
      options.memoryMb ?? 256,
    );
    isolate.adopt();
    const { end, pid } = isolate;
    const kill = () => isolate.kill();
    const daemon = new IsolatedDaemon(options, end, kill, pid);
    serveGate(options.kernel, { kind: 'agent', id: options.spec.id }, end);
    const ready = new Promise<void>((resolve, reject) => {
      end.onMessage((m) => {
        if (m.type === 'ready') resolve();
      });
      isolate.onExit((reason) => {
        daemon.#exit(reason);
        reject(new AgentvisorError('SANDBOX_CRASHED', `agent ${options.spec.name} ${reason}`));
      });
    });
    end.send({ type: 'init', spec: options.spec });
    // An isolate that never says ready (hung at boot) must not hang whoever spawns it.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        kill();
        reject(
          new AgentvisorError(
            'SANDBOX_CRASHED',
            `agent ${options.spec.name} did not start within ${SPAWN_TIMEOUT_MS / 1000} s; its isolate was killed`,
          ),
        );
      }, SPAWN_TIMEOUT_MS);
    });
    try {
      await Promise.race([ready, timeout]);
    } finally {
      clearTimeout(timer);
    }
    return daemon;
  }

  get status(): DaemonStatus {
    return this.#status;
  }

  get reason(): string | undefined {
    return this.#reason;
  }

  async start(): Promise<void> {
    this.#send({ type: 'control', command: 'start' });
  }

  wake(): void {
    this.#send({ type: 'control', command: 'wake' });
  }

  async suspend(reason: string): Promise<void> {
    this.#send({ type: 'control', command: 'suspend', reason });
  }

  async resume(): Promise<void> {
    this.#send({ type: 'control', command: 'resume' });
  }

  async runUntilIdle(maxBeats = 100): Promise<BeatReport[]> {
    return new Promise((resolve, reject) => {
      this.#idleRun = { resolve, reject };
      this.#send({ type: 'run-until-idle', maxBeats });
    });
  }

  /** Asks the isolate to stop (it finishes its beat), then ends it; kills it after 10 s. */
  async stop(): Promise<void> {
    if (this.#exited) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 10_000);
      this.#stopped = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#send({ type: 'control', command: 'stop' });
    });
    this.#status = 'stopped';
    this.#kill();
  }

  /**
   * Ends the isolate at once (SIGKILL for a process, terminate for a worker) without waiting
   * for its beat: the supervisor's answer to a hung or runaway agent. The exit is reported like
   * a crash (`terminated`, "killed by SIGKILL").
   */
  kill(): void {
    this.#kill();
  }

  settled(): Promise<void> {
    if (this.#status !== 'running' && this.#status !== 'created') return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #receive(m: AgentMessage): void {
    if (m.type === 'beat') this.#options.onBeat?.(m.report);
    else if (m.type === 'beat-error') this.#options.onError?.(m, m.action);
    else if (m.type === 'status') this.#setStatus(m.status as DaemonStatus, m.reason);
    else if (m.type === 'stopped') this.#stopped?.();
    else if (m.type === 'idle-run-done') {
      const run = this.#idleRun;
      this.#idleRun = undefined;
      if (m.error === undefined) run?.resolve([...m.reports]);
      else run?.reject(new AgentvisorError('INTERNAL', `agent ${this.name}: ${m.error}`));
    }
  }

  #exit(reason: string): void {
    if (this.#exited) return;
    this.#exited = true;
    this.#stopped?.();
    this.#idleRun?.reject(new AgentvisorError('SANDBOX_CRASHED', `agent ${this.name} ${reason}`));
    if (this.#status !== 'stopped') this.#setStatus('terminated', reason);
  }

  #setStatus(status: DaemonStatus, reason: string | undefined): void {
    this.#status = status;
    this.#reason = reason;
    this.#options.onStatus?.(status, reason);
    if (status !== 'running') for (const w of this.#waiters.splice(0)) w();
  }
}

/**
 * @module One configured agent as a supervised child: starting it spawns its daemon through the
 * host (inline, worker thread or child process), and the daemon's end is reported as the
 * supervisor expects: `crash` when it terminated by itself, `killed` when the supervisor ended
 * it for a fault, `normal` when it stopped on its own (max_beats). Stops the supervisor asks
 * for are not reported as exits at all.
 */
import type { AgentHost, BeatReport, DaemonStatus } from '../daemon/index.js';
import type { ChildExit, ChildRuntimeInfo, SupervisedChild } from '../supervisor/index.js';

/** Callbacks from a running agent to the supervision around it. */
export interface SupervisedAgentHooks {
  onBeat(report: BeatReport): void;
  onStatus(status: DaemonStatus, reason: string | undefined): void;
}

/** See the module comment. */
export class SupervisedAgent implements SupervisedChild {
  readonly name: string;
  readonly #host: AgentHost;
  readonly #hooks: SupervisedAgentHooks;
  readonly #listeners = new Set<(exit: ChildExit) => void>();
  /** Bumped on every start and stop, so a late status of an earlier run is ignored. */
  #generation = 0;
  #stopping = false;
  #killedFor: string | undefined;

  constructor(host: AgentHost, name: string, hooks: SupervisedAgentHooks) {
    this.#host = host;
    this.name = name;
    this.#hooks = hooks;
  }

  async start(): Promise<ChildRuntimeInfo> {
    // A crashed run leaves its entry in the host; clear it before spawning again.
    await this.#host.stop(this.name);
    const generation = ++this.#generation;
    this.#stopping = false;
    this.#killedFor = undefined;
    const { daemon } = await this.#host.spawn(this.name, {
      onBeat: (report) => {
        if (generation === this.#generation) this.#hooks.onBeat(report);
      },
      onStatus: (status, reason) => {
        if (generation !== this.#generation) return;
        this.#hooks.onStatus(status, reason);
        if (status === 'terminated' || status === 'stopped') this.#ended(status, reason);
      },
    });
    await daemon.start();
    const pid = (daemon as { pid?: number }).pid;
    return pid === undefined ? {} : { pid };
  }

  async stop(_reason: string): Promise<void> {
    this.#stopping = true;
    this.#generation++;
    await this.#host.stop(this.name);
  }

  /**
   * Ends the agent now for `fault`: a process or worker isolate is killed outright; an inline
   * daemon (which shares this process) is stopped after its current beat.
   */
  kill(fault: string): void {
    const spawned = this.#host.spawned(this.name);
    if (spawned === undefined) return;
    this.#killedFor = fault;
    const daemon = spawned.daemon as { kill?: () => void };
    if (daemon.kill !== undefined) {
      daemon.kill();
      return;
    }
    const generation = this.#generation;
    void spawned.daemon.stop().then(() => {
      if (generation === this.#generation) this.#emit({ kind: 'killed', reason: fault });
    });
  }

  onExit(listener: (exit: ChildExit) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #ended(status: 'terminated' | 'stopped', reason: string | undefined): void {
    if (this.#stopping) return;
    if (this.#killedFor !== undefined) {
      this.#emit({ kind: 'killed', reason: `${this.#killedFor} (${reason ?? 'killed'})` });
      return;
    }
    const signal = /killed by (\w+)/.exec(reason ?? '')?.[1];
    const code = /exited with code (\d+)/.exec(reason ?? '')?.[1];
    this.#emit({
      kind: status === 'stopped' ? 'normal' : 'crash',
      reason: reason ?? (status === 'stopped' ? 'finished on its own' : 'terminated'),
      ...(signal === undefined ? {} : { signal }),
      ...(code === undefined ? {} : { code: Number(code) }),
    });
  }

  #emit(exit: ChildExit): void {
    for (const l of [...this.#listeners]) l(exit);
  }
}

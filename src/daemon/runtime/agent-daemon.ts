/**
 * @module The daemon loop around the {@link HeartbeatEngine}: paces beats with the adaptive
 * interval, applies the recovery policy to failed beats, and answers lifecycle requests (stop, suspend, resume, wake). One timer per agent and no
 * work while idle, so a process can hold thousands of idle agents.
 */
import { AdaptiveInterval } from './adaptive-interval.js';
import { BeatError, type BeatReport, type HeartbeatEngine } from './heartbeat-engine.js';
import type { DaemonHandle } from './isolated-daemon.js';
import { DEFAULT_RECOVERY, type RecoveryPolicy, retryDelayMs } from './recovery.js';

const HOUR_MS = 3_600_000;

/** Where a daemon is in its life. */
export type DaemonStatus = 'created' | 'running' | 'suspended' | 'stopped' | 'terminated';

/** Options for {@link AgentDaemon}. */
export interface AgentDaemonOptions {
  readonly name: string;
  readonly engine: HeartbeatEngine;
  readonly heartbeat: { readonly baseMs: number; readonly maxMs: number };
  readonly recovery?: Partial<RecoveryPolicy>;
  /** A `retry` that failed this many times in a row escalates to `suspend` (default 5). */
  readonly maxConsecutiveFailures?: number;
  readonly onBeat?: (report: BeatReport) => void;
  readonly onError?: (error: BeatError, action: string) => void;
  readonly onStatus?: (status: DaemonStatus, reason: string | undefined) => void;
  /** Terminates after this many working (non-idle) beats in this run (`limits.max_beats`). */
  readonly maxBeats?: number | null;
  /**
   * Suspends while the model tokens of the last hour exceed this (`limits.max_tokens_per_hour`),
   * and resumes by itself once the hour's usage falls back under it.
   */
  readonly maxTokensPerHour?: number | null;
  /** Called on every {@link AgentDaemon.wake}, running or not (the inbox marks itself unread). */
  readonly onWake?: () => void;
}

/** A long-lived agent: beats until stopped, suspended or terminated. */
export class AgentDaemon implements DaemonHandle {
  readonly name: string;
  readonly #engine: HeartbeatEngine;
  readonly #interval: AdaptiveInterval;
  readonly #recovery: RecoveryPolicy;
  readonly #options: AgentDaemonOptions;
  #status: DaemonStatus = 'created';
  #reason: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #failures = 0;
  #workingBeats = 0;
  /** Tokens per working beat in the last hour: [time, tokens]. */
  readonly #tokens: [number, number][] = [];
  #stopWaiters: (() => void)[] = [];

  constructor(options: AgentDaemonOptions) {
    this.name = options.name;
    this.#engine = options.engine;
    this.#options = options;
    this.#interval = new AdaptiveInterval(options.heartbeat.baseMs, options.heartbeat.maxMs);
    this.#recovery = { ...DEFAULT_RECOVERY, ...options.recovery };
  }

  get status(): DaemonStatus {
    return this.#status;
  }

  /** Why the daemon is suspended or terminated. */
  get reason(): string | undefined {
    return this.#reason;
  }

  get intervalMs(): number {
    return this.#interval.currentMs;
  }

  /** Starts beating; a daemon persisted as suspended stays suspended until {@link resume}. */
  async start(): Promise<void> {
    if (this.#status === 'running') return;
    const state = await this.#engine.state();
    if (state.status === 'suspended') {
      this.#setStatus('suspended', 'suspended before the restart');
      return;
    }
    this.#setStatus('running', undefined);
    this.#schedule(0);
  }

  /** Makes the next beat come now (a message or task arrived). */
  wake(): void {
    this.#options.onWake?.();
    if (this.#status !== 'running') return;
    this.#interval.wake();
    if (this.#running === undefined) this.#schedule(0);
  }

  /** Stops beating, waiting for the beat in flight. */
  async stop(): Promise<void> {
    if (this.#status === 'stopped' || this.#status === 'terminated') return;
    this.#setStatus('stopped', undefined);
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** Pauses beating (persisted, so a restart stays paused). */
  async suspend(reason: string): Promise<void> {
    clearTimeout(this.#timer);
    await this.#running;
    this.#setStatus('suspended', reason);
    await this.#engine.saveState({ status: 'suspended' });
  }

  /** Resumes a suspended daemon. */
  async resume(): Promise<void> {
    if (this.#status !== 'suspended') return;
    await this.#engine.saveState({ status: 'running' });
    this.#failures = 0;
    this.#setStatus('running', undefined);
    this.#schedule(0);
  }

  /** Runs beats back to back until one is idle (or `maxBeats`); for `agent run --once` and tests. */
  async runUntilIdle(maxBeats = 100): Promise<BeatReport[]> {
    const reports: BeatReport[] = [];
    for (let i = 0; i < maxBeats; i++) {
      const report = await this.#engine.beat();
      reports.push(report);
      this.#options.onBeat?.(report);
      if (report.idle) break;
    }
    return reports;
  }

  /** Resolves when the daemon stops, is terminated or suspended. */
  settled(): Promise<void> {
    if (this.#status !== 'running') return Promise.resolve();
    return new Promise((resolve) => this.#stopWaiters.push(resolve));
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#running = this.#tick().finally(() => {
        this.#running = undefined;
      });
    }, delayMs);
    // Idle agents must not keep a process alive on their own.
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    if (this.#status !== 'running') return;
    let next: number;
    try {
      const report = await this.#engine.beat();
      this.#failures = 0;
      this.#options.onBeat?.(report);
      next = this.#interval.after(report);
      if (await this.#overLimits(report)) return;
    } catch (error) {
      const failure = error instanceof BeatError ? error : new BeatError(error, 0, 'perceive');
      this.#failures++;
      let action = this.#recovery[failure.kind];
      if (action === 'retry' && this.#failures >= (this.#options.maxConsecutiveFailures ?? 5)) {
        action = 'suspend';
      }
      this.#options.onError?.(failure, action);
      if (action === 'suspend') {
        await this.#engine.saveState({ status: 'suspended' });
        this.#setStatus('suspended', `${failure.kind} error: ${failure.message}`);
        return;
      }
      if (action === 'terminate') {
        await this.#engine.saveState({ status: 'terminated' }).catch(() => undefined);
        this.#setStatus('terminated', `${failure.kind} error: ${failure.message}`);
        return;
      }
      next =
        action === 'retry'
          ? retryDelayMs(this.#failures, this.#interval.baseMs)
          : this.#interval.currentMs;
    }
    if (this.#status === 'running') this.#schedule(next);
  }

  /** Applies `maxBeats` and `maxTokensPerHour` after a beat; true when the daemon paused. */
  async #overLimits(report: BeatReport): Promise<boolean> {
    if (report.idle) return false;
    this.#workingBeats++;
    const maxBeats = this.#options.maxBeats;
    if (maxBeats != null && this.#workingBeats >= maxBeats) {
      await this.#engine.saveState({ status: 'terminated' });
      this.#setStatus('terminated', `reached limits.max_beats (${maxBeats} working beats)`);
      return true;
    }
    const cap = this.#options.maxTokensPerHour;
    if (cap == null) return false;
    const now = Date.now();
    if (report.tokens > 0) this.#tokens.push([now, report.tokens]);
    while (this.#tokens.length > 0 && this.#tokens[0]![0] <= now - HOUR_MS) this.#tokens.shift();
    let used = 0;
    for (const [, t] of this.#tokens) used += t;
    if (used < cap) return false;
    // Resume when enough of the hour's usage has aged out to be under the cap again.
    let excess = used - cap;
    let resumeAt = now;
    for (const [at, t] of this.#tokens) {
      resumeAt = at + HOUR_MS;
      excess -= t;
      if (excess < 0) break;
    }
    // Not this.suspend(): that waits for the beat in flight, which is the caller.
    await this.#engine.saveState({ status: 'suspended' });
    this.#setStatus(
      'suspended',
      `limits.max_tokens_per_hour: ${used} tokens in the last hour (limit ${cap}); resuming at ${new Date(resumeAt).toISOString()}`,
    );
    setTimeout(() => void this.resume(), Math.max(0, resumeAt - now)).unref();
    return true;
  }

  #setStatus(status: DaemonStatus, reason: string | undefined): void {
    this.#status = status;
    this.#reason = reason;
    this.#options.onStatus?.(status, reason);
    if (status !== 'running') {
      for (const w of this.#stopWaiters.splice(0)) w();
    }
  }
}

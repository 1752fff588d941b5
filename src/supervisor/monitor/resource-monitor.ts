/**
 * @module The resource monitor (seed 001 §15, seed 000 Resource Management): per agent, windows
 * of one sampling interval (1 s by default) and a 60-window history of CPU time, memory (current
 * and peak), operations, IO bytes and tokens; rates over the last N seconds; system totals.
 *
 * Windows close on the monitor's tick, for all agents at once, so one shared ring of window
 * start times serves everyone and rates divide by the time that really passed (a late tick
 * makes a longer window, not a wrong rate). Hot paths (`recordOp`, `recordTokens`, `recordIo`)
 * are a map lookup and two stores into preallocated typed arrays: O(1), no allocation.
 * Process agents are sampled from the OS once per tick in one batched call; worker agents
 * report their own numbers with `reportUsage`.
 */
import { AgentvisorError, type Clock, systemClock } from '../../core/index.js';
import { AgentSeries, COUNTER_ROW, GAUGE_ROW } from './agent-series.js';
import { type IntervalTimer, systemIntervalTimer } from './interval-timer.js';
import { PidusageSampler, type ProcessSampler } from './process-sampler.js';

/** Windows kept per agent (seed 001 §15: 60-second history of 1-second windows). */
export const HISTORY_WINDOWS = 60;

/** Options for {@link ResourceMonitor}. */
export interface ResourceMonitorOptions {
  /** Time source for window boundaries; defaults to the system clock. */
  clock?: Clock;
  /** Window length and tick period in ms; default 1000 (seed 001 §15). */
  intervalMs?: number;
  /** Closed windows kept per agent; default {@link HISTORY_WINDOWS}. */
  historyWindows?: number;
  /** Reads OS processes; default {@link PidusageSampler}. */
  sampler?: ProcessSampler;
  /** Drives `start()`; default the event loop's (unref'd) `setInterval`. */
  timer?: IntervalTimer;
  /** Called when a tick's OS sample fails; the tick still closes its window. */
  onSampleError?: (error: unknown) => void;
}

/** What a worker-thread agent (or anything not sampled from the OS) reports about itself. */
export interface UsageReport {
  /** Cumulative CPU time in ms since the agent started; the first report is the baseline. */
  readonly cpuMs: number;
  /** Current resident (or heap) memory in bytes. */
  readonly rssBytes: number;
}

/** Rates over the last closed windows. */
export interface ResourceRates {
  /** Closed windows used (fewer than asked while the agent is young). */
  readonly windows: number;
  /** Whether as many windows as `lastSeconds` asks for were available. */
  readonly complete: boolean;
  /** Wall time those windows cover, in seconds. */
  readonly seconds: number;
  readonly opsPerSecond: number;
  readonly tokensPerSecond: number;
  /** CPU time over wall time, in percent of one core (200 = two cores busy), as `top` shows it. */
  readonly cpuPercent: number;
  readonly ioReadBytesPerSecond: number;
  readonly ioWrittenBytesPerSecond: number;
}

/** Current levels and lifetime totals of one agent. */
export interface AgentUsage {
  readonly pid: number | undefined;
  readonly memoryBytes: number;
  readonly memoryPeakBytes: number;
  readonly cpuMsTotal: number;
  readonly opsTotal: number;
  readonly tokensTotal: number;
  readonly ioReadBytesTotal: number;
  readonly ioWrittenBytesTotal: number;
  /** Clock time of the last OS sample or usage report; undefined before the first. */
  readonly lastSampleAt: number | undefined;
}

/** One closed window of an agent's history. */
export interface ResourceWindow {
  /** Clock time the window opened (or the agent was added, for its first window). */
  readonly start: number;
  readonly end: number;
  readonly cpuMs: number;
  /** Memory at the end of the window. */
  readonly memoryBytes: number;
  readonly memoryPeakBytes: number;
  readonly ops: number;
  readonly tokens: number;
  readonly ioReadBytes: number;
  readonly ioWrittenBytes: number;
}

/** One agent in a {@link MonitorSnapshot}. */
export interface AgentResourceView {
  readonly agentId: string;
  readonly usage: AgentUsage;
  readonly rates: ResourceRates;
}

/** Sums over all agents: current memory, rates over the snapshot's span, lifetime totals. */
export interface SystemResourceTotals {
  readonly agents: number;
  readonly memoryBytes: number;
  readonly cpuPercent: number;
  readonly opsPerSecond: number;
  readonly tokensPerSecond: number;
  readonly ioReadBytesPerSecond: number;
  readonly ioWrittenBytesPerSecond: number;
  readonly cpuMsTotal: number;
  readonly opsTotal: number;
  readonly tokensTotal: number;
}

/** Every agent and the system totals at one moment. */
export interface MonitorSnapshot {
  readonly at: number;
  readonly intervalMs: number;
  /** The span rates are computed over. */
  readonly lastSeconds: number;
  readonly agents: readonly AgentResourceView[];
  readonly totals: SystemResourceTotals;
  /** OS sample failures since the monitor was created. */
  readonly sampleErrors: number;
}

/**
 * Per-agent resource windows, rates and totals.
 *
 * @example
 * const monitor = new ResourceMonitor();
 * monitor.add('a1', { pid: child.pid });
 * monitor.start();
 * monitor.recordOp('a1');
 * monitor.rates('a1', 10).cpuPercent;
 */
export class ResourceMonitor {
  readonly intervalMs: number;
  readonly #clock: Clock;
  readonly #slots: number;
  readonly #sampler: ProcessSampler;
  readonly #timer: IntervalTimer;
  readonly #onSampleError: ((error: unknown) => void) | undefined;
  readonly #agents = new Map<string, AgentSeries>();
  /** Start time of the window in each slot; shared by all agents since all rotate together. */
  readonly #windowStarts: Float64Array;
  /** Slot of the open window. */
  #head = 0;
  /** Windows closed since the monitor was created. */
  #sequence = 0;
  #handle: unknown;
  #ticking = false;
  #sampleErrors = 0;
  // Reused across ticks so a tick allocates only what the sampler itself returns.
  readonly #tickPids: number[] = [];
  readonly #tickSeries: AgentSeries[] = [];

  constructor(options: ResourceMonitorOptions = {}) {
    const intervalMs = options.intervalMs ?? 1000;
    const history = options.historyWindows ?? HISTORY_WINDOWS;
    if (!Number.isFinite(intervalMs) || intervalMs < 1) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `resource monitor intervalMs: expected a number >= 1, got ${intervalMs}`,
      );
    }
    if (!Number.isInteger(history) || history < 1 || history > 3600) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `resource monitor historyWindows: expected an integer 1..3600, got ${history}`,
      );
    }
    this.intervalMs = intervalMs;
    this.#clock = options.clock ?? systemClock;
    this.#slots = history + 1;
    this.#sampler = options.sampler ?? new PidusageSampler();
    this.#timer = options.timer ?? systemIntervalTimer;
    this.#onSampleError = options.onSampleError;
    this.#windowStarts = new Float64Array(this.#slots);
    this.#windowStarts[0] = this.#clock.now();
  }

  /**
   * Starts tracking an agent. `pid` makes it a process agent, sampled from the OS on each tick.
   * @throws AgentvisorError CONFLICT when the agent is already tracked.
   */
  add(agentId: string, options: { pid?: number } = {}): void {
    if (this.#agents.has(agentId)) {
      throw new AgentvisorError(
        'CONFLICT',
        `resource monitor: agent ${agentId} is already tracked; remove it first or use setPid`,
      );
    }
    const series = new AgentSeries(this.#slots, this.#sequence, this.#clock.now(), options.pid);
    series.open(this.#head);
    this.#agents.set(agentId, series);
  }

  /** Stops tracking an agent and frees its buffers. Returns whether it was tracked. */
  remove(agentId: string): boolean {
    return this.#agents.delete(agentId);
  }

  /** Whether the agent is tracked. */
  has(agentId: string): boolean {
    return this.#agents.has(agentId);
  }

  /** Ids of all tracked agents. */
  agents(): string[] {
    return [...this.#agents.keys()];
  }

  /**
   * Sets (or clears) the OS process of an agent, e.g. after a restart; the next sample is a new
   * CPU baseline, so the new process is not charged the old one's CPU time.
   */
  setPid(agentId: string, pid: number | undefined): void {
    const series = this.#series(agentId);
    series.pid = pid;
    series.lastCpuTotalMs = Number.NaN;
  }

  /** Counts one operation. O(1), allocation-free; unknown agents are ignored. */
  recordOp(agentId: string): void {
    const series = this.#agents.get(agentId);
    if (series === undefined) return;
    series.add(COUNTER_ROW.ops, this.#head, 1);
    series.opsTotal += 1;
  }

  /** Counts model tokens. O(1), allocation-free; unknown agents are ignored. */
  recordTokens(agentId: string, n: number): void {
    const series = this.#agents.get(agentId);
    if (series === undefined || !(n > 0)) return;
    series.add(COUNTER_ROW.tokens, this.#head, n);
    series.tokensTotal += n;
  }

  /** Counts IO bytes read and written. O(1), allocation-free; unknown agents are ignored. */
  recordIo(agentId: string, read: number, written: number): void {
    const series = this.#agents.get(agentId);
    if (series === undefined) return;
    if (read > 0) {
      series.add(COUNTER_ROW.ioRead, this.#head, read);
      series.ioReadTotal += read;
    }
    if (written > 0) {
      series.add(COUNTER_ROW.ioWritten, this.#head, written);
      series.ioWrittenTotal += written;
    }
  }

  /**
   * Takes an agent's own CPU and memory numbers (worker-thread agents). `cpuMs` is cumulative;
   * the CPU charged to the open window is the increase since the previous report. O(1),
   * allocation-free; unknown agents are ignored.
   */
  reportUsage(agentId: string, usage: UsageReport): void {
    const series = this.#agents.get(agentId);
    if (series === undefined) return;
    this.#apply(series, usage.cpuMs, usage.rssBytes, this.#clock.now());
  }

  /** Samples process agents from the OS every `intervalMs` and closes windows. Idempotent. */
  start(): void {
    if (this.#handle !== undefined) return;
    this.#handle = this.#timer.setInterval(() => {
      void this.tick();
    }, this.intervalMs);
  }

  /**
   * Stops ticking (when started) and releases the sampler's resources; call it also after
   * manual `tick()`s. Safe to call more than once.
   */
  stop(): void {
    if (this.#handle !== undefined) {
      this.#timer.clearInterval(this.#handle);
      this.#handle = undefined;
    }
    this.#sampler.close();
  }

  /**
   * One tick: samples every process agent in one batched call, then closes the open window for
   * all agents. A tick that arrives while the previous sample is still out is skipped, so a
   * slow `/proc` never piles up samplers. Sample failures go to `onSampleError`; never rejects.
   */
  async tick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      const pids = this.#tickPids;
      const series = this.#tickSeries;
      pids.length = 0;
      series.length = 0;
      for (const s of this.#agents.values()) {
        if (s.pid !== undefined) {
          pids.push(s.pid);
          series.push(s);
        }
      }
      // No await without process agents: the window closes synchronously, which keeps
      // fake-clock tests and worker-only systems free of microtask ordering questions.
      if (pids.length > 0) await this.#sample(pids, series);
      this.#rotate(this.#clock.now());
    } finally {
      this.#ticking = false;
    }
  }

  /**
   * Rates over the last `lastSeconds` of closed windows (fewer while the agent is young: see
   * `windows` and `complete`). The open window is left out because it is partial.
   * @throws AgentvisorError NOT_FOUND for an unknown agent.
   */
  rates(agentId: string, lastSeconds: number): ResourceRates {
    return this.#rates(this.#series(agentId), lastSeconds);
  }

  /**
   * Current memory, lifetime peak and lifetime totals.
   * @throws AgentvisorError NOT_FOUND for an unknown agent.
   */
  usage(agentId: string): AgentUsage {
    const s = this.#series(agentId);
    return {
      pid: s.pid,
      memoryBytes: s.memoryBytes,
      memoryPeakBytes: s.memoryPeakBytes,
      cpuMsTotal: s.cpuMsTotal,
      opsTotal: s.opsTotal,
      tokensTotal: s.tokensTotal,
      ioReadBytesTotal: s.ioReadTotal,
      ioWrittenBytesTotal: s.ioWrittenTotal,
      lastSampleAt: Number.isNaN(s.lastSampleAt) ? undefined : s.lastSampleAt,
    };
  }

  /**
   * The agent's closed windows, oldest first (at most `historyWindows`).
   * @throws AgentvisorError NOT_FOUND for an unknown agent.
   */
  history(agentId: string): ResourceWindow[] {
    const s = this.#series(agentId);
    const closed = this.#closedWindows(s);
    const out: ResourceWindow[] = [];
    for (let k = closed; k >= 1; k--) {
      const slot = (this.#head - k + this.#slots) % this.#slots;
      const next = (slot + 1) % this.#slots;
      const start = this.#windowStarts[slot]!;
      out.push({
        start: k === this.#sequence - s.firstWindow ? Math.max(start, s.addedAt) : start,
        end: this.#windowStarts[next]!,
        cpuMs: s.counter(COUNTER_ROW.cpuMs, slot),
        memoryBytes: s.gauge(GAUGE_ROW.memory, slot),
        memoryPeakBytes: s.gauge(GAUGE_ROW.memoryPeak, slot),
        ops: s.counter(COUNTER_ROW.ops, slot),
        tokens: s.counter(COUNTER_ROW.tokens, slot),
        ioReadBytes: s.counter(COUNTER_ROW.ioRead, slot),
        ioWrittenBytes: s.counter(COUNTER_ROW.ioWritten, slot),
      });
    }
    return out;
  }

  /** Every agent's usage and rates over `lastSeconds` (default 10), with system totals. */
  snapshot(lastSeconds = 10): MonitorSnapshot {
    const agents: AgentResourceView[] = [];
    let memoryBytes = 0;
    let cpuPercent = 0;
    let opsPerSecond = 0;
    let tokensPerSecond = 0;
    let ioRead = 0;
    let ioWritten = 0;
    let cpuMsTotal = 0;
    let opsTotal = 0;
    let tokensTotal = 0;
    for (const agentId of this.#agents.keys()) {
      const usage = this.usage(agentId);
      const rates = this.rates(agentId, lastSeconds);
      agents.push({ agentId, usage, rates });
      memoryBytes += usage.memoryBytes;
      cpuPercent += rates.cpuPercent;
      opsPerSecond += rates.opsPerSecond;
      tokensPerSecond += rates.tokensPerSecond;
      ioRead += rates.ioReadBytesPerSecond;
      ioWritten += rates.ioWrittenBytesPerSecond;
      cpuMsTotal += usage.cpuMsTotal;
      opsTotal += usage.opsTotal;
      tokensTotal += usage.tokensTotal;
    }
    return {
      at: this.#clock.now(),
      intervalMs: this.intervalMs,
      lastSeconds,
      agents,
      totals: {
        agents: agents.length,
        memoryBytes,
        cpuPercent,
        opsPerSecond,
        tokensPerSecond,
        ioReadBytesPerSecond: ioRead,
        ioWrittenBytesPerSecond: ioWritten,
        cpuMsTotal,
        opsTotal,
        tokensTotal,
      },
      sampleErrors: this.#sampleErrors,
    };
  }

  #series(agentId: string): AgentSeries {
    const s = this.#agents.get(agentId);
    if (s === undefined) {
      throw new AgentvisorError('NOT_FOUND', `resource monitor: no agent ${agentId} is tracked`, {
        details: { agentId },
      });
    }
    return s;
  }

  #closedWindows(s: AgentSeries): number {
    return Math.min(this.#sequence - s.firstWindow, this.#slots - 1);
  }

  #rates(s: AgentSeries, lastSeconds: number): ResourceRates {
    const wanted = Math.max(1, Math.ceil((lastSeconds * 1000) / this.intervalMs));
    const n = Math.min(wanted, this.#closedWindows(s));
    let cpuMs = 0;
    let ops = 0;
    let tokens = 0;
    let ioRead = 0;
    let ioWritten = 0;
    for (let k = 1; k <= n; k++) {
      const slot = (this.#head - k + this.#slots) % this.#slots;
      cpuMs += s.counter(COUNTER_ROW.cpuMs, slot);
      ops += s.counter(COUNTER_ROW.ops, slot);
      tokens += s.counter(COUNTER_ROW.tokens, slot);
      ioRead += s.counter(COUNTER_ROW.ioRead, slot);
      ioWritten += s.counter(COUNTER_ROW.ioWritten, slot);
    }
    let start = this.#windowStarts[(this.#head - n + this.#slots) % this.#slots]!;
    if (n === this.#sequence - s.firstWindow) start = Math.max(start, s.addedAt);
    const ms = n === 0 ? 0 : this.#windowStarts[this.#head]! - start;
    const perSecond = ms > 0 ? 1000 / ms : 0;
    return {
      windows: n,
      complete: n >= wanted,
      seconds: ms / 1000,
      opsPerSecond: ops * perSecond,
      tokensPerSecond: tokens * perSecond,
      cpuPercent: ms > 0 ? (cpuMs / ms) * 100 : 0,
      ioReadBytesPerSecond: ioRead * perSecond,
      ioWrittenBytesPerSecond: ioWritten * perSecond,
    };
  }

  #apply(series: AgentSeries, cpuTotalMs: number, rssBytes: number, now: number): void {
    const last = series.lastCpuTotalMs;
    // A drop means a new process behind the same agent: the reading becomes the new baseline.
    if (cpuTotalMs >= last) {
      const delta = cpuTotalMs - last;
      series.add(COUNTER_ROW.cpuMs, this.#head, delta);
      series.cpuMsTotal += delta;
    }
    if (Number.isFinite(cpuTotalMs)) series.lastCpuTotalMs = cpuTotalMs;
    if (Number.isFinite(rssBytes) && rssBytes >= 0) series.setMemory(this.#head, rssBytes);
    series.lastSampleAt = now;
  }

  async #sample(pids: number[], series: AgentSeries[]): Promise<void> {
    // The arrays are reused across ticks; `#ticking` keeps the next tick from touching them
    // while this sample is out.
    const asked = pids;
    const owners = series;
    let readings: ReadonlyMap<number, { cpuMs: number; rssBytes: number }>;
    try {
      readings = await this.#sampler.sample(asked);
    } catch (err) {
      this.#sampleErrors++;
      this.#onSampleError?.(err);
      return;
    }
    const now = this.#clock.now();
    for (let i = 0; i < asked.length; i++) {
      const pid = asked[i]!;
      const owner = owners[i]!;
      const reading = readings.get(pid);
      // The agent may have been removed or restarted under another pid while we awaited.
      if (reading === undefined || owner.pid !== pid) continue;
      this.#apply(owner, reading.cpuMs, reading.rssBytes, now);
    }
  }

  #rotate(now: number): void {
    const next = (this.#head + 1) % this.#slots;
    this.#windowStarts[next] = now;
    for (const s of this.#agents.values()) s.open(next);
    this.#head = next;
    this.#sequence++;
  }
}

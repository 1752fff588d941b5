/**
 * @module The fixed-size memory of one agent in the {@link ResourceMonitor}: a ring of
 * sampling windows held in two typed arrays over one `ArrayBuffer`, plus lifetime totals. An
 * agent costs about 2 KB whatever it does, and the hot paths write into it without allocating.
 *
 * Counters (CPU ms, ops, tokens, IO bytes) are float32: exact for whole numbers up to 2^24 per
 * window and within 1e-7 relative beyond, which is plenty for a monitoring view; memory gauges
 * are float64 so byte counts stay exact. Lifetime totals are plain numbers (exact to 2^53).
 */

/** Row of each counter in {@link AgentSeries.counters}. */
export const COUNTER_ROW = { cpuMs: 0, ops: 1, tokens: 2, ioRead: 3, ioWritten: 4 } as const;
const COUNTER_ROWS = 5;
/** Row of each gauge in {@link AgentSeries.gauges}. */
export const GAUGE_ROW = { memory: 0, memoryPeak: 1 } as const;
const GAUGE_ROWS = 2;

/** One agent's windows and totals; owned and mutated only by the monitor. */
export class AgentSeries {
  /** Ring length: the history plus the window currently open. */
  readonly slots: number;
  /** `counters[row * slots + slot]`, rows from {@link COUNTER_ROW}; summed within a window. */
  readonly counters: Float32Array;
  /** `gauges[row * slots + slot]`, rows from {@link GAUGE_ROW}: memory at window end and its peak. */
  readonly gauges: Float64Array;
  /** Monitor window sequence number when the agent was added (its first, partial window). */
  readonly firstWindow: number;
  /** Clock time of `add`, so the first window's rate divides by the time the agent existed. */
  readonly addedAt: number;
  /** OS process sampled on each tick; undefined for inline and worker agents. */
  pid: number | undefined;
  /** Last cumulative CPU time seen (sampler or report); NaN until the first, which is a baseline. */
  lastCpuTotalMs = Number.NaN;
  lastSampleAt = Number.NaN;
  memoryBytes = 0;
  memoryPeakBytes = 0;
  cpuMsTotal = 0;
  opsTotal = 0;
  tokensTotal = 0;
  ioReadTotal = 0;
  ioWrittenTotal = 0;

  constructor(slots: number, firstWindow: number, addedAt: number, pid: number | undefined) {
    this.slots = slots;
    this.firstWindow = firstWindow;
    this.addedAt = addedAt;
    this.pid = pid;
    // One allocation per agent: gauges first (8-byte aligned), counters after them.
    const buffer = new ArrayBuffer(slots * (GAUGE_ROWS * 8 + COUNTER_ROWS * 4));
    this.gauges = new Float64Array(buffer, 0, slots * GAUGE_ROWS);
    this.counters = new Float32Array(buffer, slots * GAUGE_ROWS * 8, slots * COUNTER_ROWS);
  }

  /** Opens `slot` as a fresh window: counters zero, memory carried over as a level. */
  open(slot: number): void {
    const s = this.slots;
    for (let row = 0; row < COUNTER_ROWS; row++) this.counters[row * s + slot] = 0;
    this.gauges[GAUGE_ROW.memory * s + slot] = this.memoryBytes;
    this.gauges[GAUGE_ROW.memoryPeak * s + slot] = this.memoryBytes;
  }

  /** Adds to a counter of the window in `slot`. */
  add(row: number, slot: number, amount: number): void {
    const i = row * this.slots + slot;
    this.counters[i] = this.counters[i]! + amount;
  }

  /** Reads a counter of the window in `slot`. */
  counter(row: number, slot: number): number {
    return this.counters[row * this.slots + slot]!;
  }

  /** Reads a gauge of the window in `slot`. */
  gauge(row: number, slot: number): number {
    return this.gauges[row * this.slots + slot]!;
  }

  /** Records a memory reading into the window in `slot` and the lifetime peak. */
  setMemory(slot: number, bytes: number): void {
    const s = this.slots;
    this.memoryBytes = bytes;
    this.gauges[GAUGE_ROW.memory * s + slot] = bytes;
    if (bytes > this.gauges[GAUGE_ROW.memoryPeak * s + slot]!) {
      this.gauges[GAUGE_ROW.memoryPeak * s + slot] = bytes;
    }
    if (bytes > this.memoryPeakBytes) this.memoryPeakBytes = bytes;
  }
}

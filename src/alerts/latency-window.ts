/**
 * @module A sliding-window latency quantile for the API p95 rule. Samples land in time slots
 * (a thirtieth of the window each) of log-scale buckets, eight per doubling (9 % apart), from
 * 1 ms to about 2 min: recording is a logarithm and an increment, memory is fixed, and a
 * quantile over the window interpolates inside its bucket as Prometheus' `histogram_quantile`
 * does. Hand-written rather than a library because it sits on every HTTP answer's path.
 */

const PER_DOUBLING = 8;
/** 2^17 ms ≈ 131 s: slower answers count in the overflow bucket. */
const DOUBLINGS = 17;
const BUCKETS = PER_DOUBLING * DOUBLINGS;

/** Upper bound (ms) of bucket `i`; the last slot is the overflow. */
function upper(i: number): number {
  return 2 ** (i / PER_DOUBLING);
}

interface Slot {
  start: number;
  total: number;
  readonly counts: Uint32Array;
}

/**
 * See the module comment.
 *
 * @example
 * const window = new LatencyWindow({ windowMs: 300_000 });
 * window.record(42, Date.now());
 * window.quantile(0.95, 300_000, Date.now()); // seconds, or undefined with no samples
 */
export class LatencyWindow {
  readonly #slotMs: number;
  readonly #slots: Slot[];

  constructor(options: { windowMs: number }) {
    this.#slotMs = Math.max(1000, Math.ceil(options.windowMs / 30));
    const count = Math.ceil(options.windowMs / this.#slotMs) + 1;
    this.#slots = Array.from({ length: count }, () => ({
      start: -1,
      total: 0,
      counts: new Uint32Array(BUCKETS + 1),
    }));
  }

  /** Records one answer time in milliseconds at `now`. */
  record(ms: number, now: number): void {
    if (!(ms >= 0)) return;
    const start = Math.floor(now / this.#slotMs) * this.#slotMs;
    const slot = this.#slots[Math.floor(now / this.#slotMs) % this.#slots.length] as Slot;
    if (slot.start !== start) {
      slot.start = start;
      slot.total = 0;
      slot.counts.fill(0);
    }
    const i = ms <= 1 ? 0 : Math.min(BUCKETS, Math.ceil(Math.log2(ms) * PER_DOUBLING));
    slot.counts[i] = (slot.counts[i] as number) + 1;
    slot.total++;
  }

  /** The `q` quantile in seconds of answers in the last `windowMs`; undefined with none. */
  quantile(q: number, windowMs: number, now: number): number | undefined {
    const from = now - windowMs;
    const sums = new Float64Array(BUCKETS + 1);
    let total = 0;
    for (const slot of this.#slots) {
      // A slot counts when it overlaps the window: answers are placed to a slot's precision.
      if (slot.start < 0 || slot.start + this.#slotMs <= from || slot.start > now) continue;
      total += slot.total;
      for (let i = 0; i <= BUCKETS; i++) sums[i] = (sums[i] as number) + (slot.counts[i] as number);
    }
    if (total === 0) return undefined;
    const rank = q * total;
    let seen = 0;
    for (let i = 0; i <= BUCKETS; i++) {
      const n = sums[i] as number;
      if (n > 0 && seen + n >= rank) {
        if (i === BUCKETS) return upper(BUCKETS - 1) / 1000;
        const low = i === 0 ? 0 : upper(i - 1);
        return (low + (upper(i) - low) * ((rank - seen) / n)) / 1000;
      }
      seen += n;
    }
    return upper(BUCKETS - 1) / 1000;
  }
}

/**
 * @module The last N durations of one operation of one agent, with their success flags: a ring
 * over preallocated typed arrays, so recording a sample is two stores and no allocation.
 * Durations are float32 microseconds: exact to 1 µs up to 16.7 s, within 1e-7 relative beyond.
 */

/** A fixed-size ring of (duration, ok) samples plus lifetime counts. */
export class DurationRing {
  readonly durations: Float32Array;
  readonly ok: Uint8Array;
  /** Next slot to write. */
  next = 0;
  /** Samples held (at most the capacity). */
  size = 0;
  /** Samples ever recorded, and how many of them failed. */
  total = 0;
  failures = 0;

  constructor(capacity: number) {
    this.durations = new Float32Array(capacity);
    this.ok = new Uint8Array(capacity);
  }

  /** Records a sample, evicting the oldest when full. O(1). */
  push(durationUs: number, ok: boolean): void {
    this.durations[this.next] = durationUs;
    this.ok[this.next] = ok ? 1 : 0;
    this.next = this.next + 1 === this.durations.length ? 0 : this.next + 1;
    if (this.size < this.durations.length) this.size++;
    this.total++;
    if (!ok) this.failures++;
  }

  /** Copies the held durations into `into` at `offset`; returns how many successes they hold. */
  copyInto(into: Float64Array, offset: number): number {
    let successes = 0;
    for (let i = 0; i < this.size; i++) {
      into[offset + i] = this.durations[i]!;
      successes += this.ok[i]!;
    }
    return successes;
  }
}

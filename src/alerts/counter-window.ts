/**
 * @module Increases of cumulative counters over a time window, as PromQL's `increase()`: the
 * telemetry aggregator only counts up, so a rule such as "error rate over 5 min" compares the
 * counters now with a snapshot taken a window ago. Snapshots are taken when the rule is
 * evaluated and kept only as far back as the longest window asked for; until a full window
 * has passed, the oldest snapshot stands in (a shorter window, never a wrong one).
 */

/** Counter values by series key. */
export type CounterValues = ReadonlyMap<string, readonly number[]>;

interface Snapshot {
  readonly at: number;
  readonly values: CounterValues;
}

/**
 * See the module comment.
 *
 * @example
 * const window = new CounterWindow(read, Date.now()); // read() → Map of key → [calls, errors]
 * const increase = window.increase(Date.now(), 300_000); // Map of key → [Δcalls, Δerrors]
 */
export class CounterWindow {
  readonly #read: () => CounterValues;
  readonly #snapshots: Snapshot[] = [];
  #longestMs = 0;

  /** Takes the first snapshot now: counts before it are not in any window. */
  constructor(read: () => CounterValues, now: number) {
    this.#read = read;
    this.#snapshots.push({ at: now, values: copy(read()) });
  }

  /** Increase of every series over the window ending at `now` (a snapshot is taken). */
  increase(now: number, windowMs: number): Map<string, number[]> {
    const current = copy(this.#read());
    this.#longestMs = Math.max(this.#longestMs, windowMs);
    const from = now - windowMs;
    // The newest snapshot at or before the window's start, else the oldest one there is.
    let base = this.#snapshots[0] as Snapshot;
    for (const s of this.#snapshots) {
      if (s.at <= from) base = s;
      else break;
    }
    const out = new Map<string, number[]>();
    for (const [key, values] of current) {
      const before = base.values.get(key);
      // A series that appeared after the snapshot started from zero; a counter that went down
      // was reset (a restarted agent's id is new, so this is rare): count from zero then too.
      out.set(
        key,
        values.map((v, i) => {
          const b = before?.[i] ?? 0;
          return v >= b ? v - b : v;
        }),
      );
    }
    this.#snapshots.push({ at: now, values: current });
    // Keep one snapshot at or before the longest window's start, and everything after it.
    const keepFrom = now - this.#longestMs;
    while (this.#snapshots.length > 2 && (this.#snapshots[1] as Snapshot).at <= keepFrom) {
      this.#snapshots.shift();
    }
    return out;
  }
}

function copy(values: CounterValues): Map<string, number[]> {
  return new Map([...values].map(([k, v]) => [k, [...v]]));
}

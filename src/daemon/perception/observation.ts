/**
 * @module What an agent perceives, and the attention filter that decides what reaches its
 * deliberation. Salience is 0..1; the filter keeps the most salient observations above a
 * threshold, up to a cap per beat, so a flood of low-value events cannot crowd out a task.
 */

/** Where an observation came from. */
export type ObservationKind = 'message' | 'task' | 'timer' | 'file' | 'webhook';

/** One thing an agent noticed this beat. */
export interface Observation {
  readonly id: string;
  readonly source: string;
  readonly kind: ObservationKind;
  readonly at: string;
  /** 0 (ignorable) .. 1 (must see). */
  readonly salience: number;
  readonly summary: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

/** Options for {@link AttentionFilter}. */
export interface AttentionOptions {
  /** Observations below this salience are dropped (default 0.1). */
  readonly threshold?: number;
  /** At most this many observations per beat (default 32). */
  readonly maxPerBeat?: number;
}

/** Keeps the most salient observations; the rest are reported as dropped. */
export class AttentionFilter {
  readonly threshold: number;
  readonly maxPerBeat: number;

  constructor(options: AttentionOptions = {}) {
    this.threshold = options.threshold ?? 0.1;
    this.maxPerBeat = options.maxPerBeat ?? 32;
  }

  /** Splits observations into attended (most salient first) and dropped. */
  select(observations: readonly Observation[]): {
    attended: Observation[];
    dropped: Observation[];
  } {
    const eligible: Observation[] = [];
    const dropped: Observation[] = [];
    for (const o of observations) (o.salience >= this.threshold ? eligible : dropped).push(o);
    eligible.sort((a, b) => b.salience - a.salience);
    const attended = eligible.slice(0, this.maxPerBeat);
    dropped.push(...eligible.slice(this.maxPerBeat));
    return { attended, dropped };
  }
}

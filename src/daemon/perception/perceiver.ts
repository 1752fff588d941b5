/**
 * @module The perceive phase: polls every source and passes the result through attention. A
 * failing source is reported, not fatal: the others still
 * deliver.
 */
import { AttentionFilter, type Observation } from './observation.js';
import type { PerceptionSource } from './perception-source.js';

/** What one perceive phase produced. */
export interface Perception {
  readonly attended: Observation[];
  readonly dropped: Observation[];
  /** Every observation polled, attended or not (the inbox ones are acknowledged after the beat). */
  readonly all: Observation[];
  readonly sourceErrors: { source: string; error: unknown }[];
}

/** Polls sources and applies attention. */
export class Perceiver {
  readonly #sources: PerceptionSource[];
  readonly #attention: AttentionFilter;

  constructor(sources: PerceptionSource[], attention = new AttentionFilter()) {
    this.#sources = sources;
    this.#attention = attention;
  }

  /** Adds a source (webhooks, file watches configured after start). */
  add(source: PerceptionSource): void {
    this.#sources.push(source);
  }

  async perceive(): Promise<Perception> {
    const all: Observation[] = [];
    const sourceErrors: { source: string; error: unknown }[] = [];
    const polled = await Promise.allSettled(this.#sources.map((s) => s.poll()));
    polled.forEach((p, i) => {
      if (p.status === 'fulfilled') all.push(...p.value);
      else sourceErrors.push({ source: this.#sources[i]!.id, error: p.reason });
    });
    const { attended, dropped } = this.#attention.select(all);
    return { attended, dropped, all, sourceErrors };
  }

  async close(): Promise<void> {
    for (const s of this.#sources) await s.close?.();
  }
}

/**
 * @module The `SignalSource` seam: what the alert engine reads at each evaluation. A source is a
 * set of functions by signal name, each returning the signal's current value: one number, a list
 * of labelled samples (one per agent, per queue ...), or nothing when there is no data. Rules
 * over a signal the source does not provide are skipped, so a source for a test supplies only
 * what it needs.
 */
import type { AlertSignalName } from '../core/index.js';
import type { AlertLabels } from './alert-rule.js';

/** What a reader is asked. */
export interface SignalQuery {
  /** The evaluation's time (ms since the epoch). */
  readonly now: number;
  /** The rule's window for windowed signals; `null` otherwise. */
  readonly windowMs: number | null;
}

/** One labelled value. */
export interface SignalSample {
  readonly labels: AlertLabels;
  readonly value: number;
}

/** A reader's answer: one unlabelled value, labelled samples, or no data. */
export type SignalReading = number | undefined | readonly SignalSample[];

/** Reads one signal now. A reader that throws skips its rules for this evaluation. */
export type SignalReader = (query: SignalQuery) => SignalReading | Promise<SignalReading>;

/**
 * The signals an engine evaluates, by name. For an event signal a reader is optional: when
 * present, its samples are the label sets still raised, and raised alerts it no longer lists
 * are cleared (a budget back under its critical threshold).
 *
 * @example
 * const signals: SignalSource = {
 *   disk_free_ratio: () => 0.42,
 *   bus_queue_depth: () => [{ labels: { queue: 'coder' }, value: 3 }],
 * };
 */
export type SignalSource = Partial<Readonly<Record<AlertSignalName, SignalReader>>>;

/** A reading as samples; non-finite values are dropped. */
export function samplesOf(reading: SignalReading): SignalSample[] {
  if (reading === undefined) return [];
  if (typeof reading === 'number') {
    return Number.isFinite(reading) ? [{ labels: {}, value: reading }] : [];
  }
  return reading.filter((s) => Number.isFinite(s.value));
}

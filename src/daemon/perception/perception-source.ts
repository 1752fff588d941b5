/**
 * @module The seam for perception: anything that can be polled once per beat for what changed.
 * Sources that need acknowledgement (the inbox) acknowledge only after the beat that saw the
 * observation completed, so a crash mid-beat re-delivers instead of losing it.
 */
import type { Observation } from './observation.js';

/** A source of observations, polled at the start of each beat. */
export interface PerceptionSource {
  readonly id: string;
  /** New observations since the last poll. Never throws for "nothing new". */
  poll(): Promise<Observation[]>;
  /** Called after the beat that attended these observations completed. */
  commit?(observations: readonly Observation[]): Promise<void>;
  /** Releases watchers and timers. */
  close?(): Promise<void> | void;
}

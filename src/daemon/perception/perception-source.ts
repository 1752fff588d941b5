/**
 * @module The seam for perception: anything that can be polled once per beat for what changed.
 * The one source that needs acknowledgement, the inbox, is acknowledged by the heartbeat engine
 * in `beat.complete`, after the beat that saw the observation, so a crash mid-beat re-delivers
 * instead of losing it.
 */
import type { Observation } from './observation.js';

/** A source of observations, polled at the start of each beat. */
export interface PerceptionSource {
  readonly id: string;
  /** New observations since the last poll. Never throws for "nothing new". */
  poll(): Promise<Observation[]>;
  /** Releases watchers and timers. */
  close?(): Promise<void> | void;
}

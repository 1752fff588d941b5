/**
 * @module The 7 phases of seed 002's algorithm (defined with the memory that files learnings
 * under them). A failed verify traces back to the phase that caused it (plan, build_criteria
 * or execute) and the run continues from there.
 */
export { ALGORITHM_PHASES, type AlgorithmPhase } from '../../memory/index.js';

/** The phases a failed verify may trace back to. */
export const RETRYABLE_PHASES = ['plan', 'build_criteria', 'execute'] as const;

/** A phase a failed verify may trace back to. */
export type RetryablePhase = (typeof RETRYABLE_PHASES)[number];

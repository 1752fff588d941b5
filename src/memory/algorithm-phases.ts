/**
 * @module The seven phases of seed 002's algorithm (PAI Integration, "The Algorithm"): observe,
 * think, plan, build criteria, execute, verify, learn. Learnings are stored and retrieved per
 * phase, as the seed's `MEMORY/Learning/<PHASE>/` folders hold them.
 */

/** The phases, in the order a task passes through them. */
export const ALGORITHM_PHASES = [
  'observe',
  'think',
  'plan',
  'build_criteria',
  'execute',
  'verify',
  'learn',
] as const;

/** One of {@link ALGORITHM_PHASES}. */
export type AlgorithmPhase = (typeof ALGORITHM_PHASES)[number];

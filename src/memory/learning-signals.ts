/**
 * @module Learning signals and the utility score they move (seed 002, "Memory Signals &
 * Learning", `SignalType` and `SignalProcessor.SIGNAL_WEIGHTS`). A signal says how a task or an
 * answer went; every memory related to it has its utility nudged up or down, and utility in
 * turn decides what stays warm and what ranks first.
 */

/**
 * The signal types, exactly as seed 002's `SignalType` lists them and in its order, spelt in
 * lower snake case like the bus's `learn` messages (`USER_RATING` is `user_rating`): explicit
 * (rating, correction, acceptance), implicit (task success, failure, retry, abandon) and
 * behavioural (response edit, follow-up, context switch).
 */
export const SIGNAL_TYPES = [
  'user_rating',
  'user_correction',
  'user_acceptance',
  'task_success',
  'task_failure',
  'task_retry',
  'task_abandon',
  'response_edit',
  'follow_up',
  'context_switch',
] as const;

/** One of {@link SIGNAL_TYPES}. */
export type SignalType = (typeof SIGNAL_TYPES)[number];

/** Base weight of each signal type, copied from seed 002 `SignalProcessor.SIGNAL_WEIGHTS`. */
export const SIGNAL_WEIGHTS: Readonly<Record<SignalType, number>> = Object.freeze({
  user_rating: 1.0,
  user_correction: -0.5,
  user_acceptance: 0.8,
  task_success: 0.6,
  task_failure: -0.4,
  task_retry: -0.3,
  task_abandon: -0.6,
  response_edit: -0.2,
  follow_up: -0.1,
  context_switch: -0.2,
});

/** How far one full-strength signal of weight 1 moves utility (seed: `final_weight * 0.1`). */
export const SIGNAL_STEP = 0.1;

/** Utility of a memory no signal has touched yet (seed: `"utility_score": 0.5`). */
export const INITIAL_UTILITY = 0.5;

/**
 * The change one signal makes to each related memory's utility:
 * `SIGNAL_WEIGHTS[type] × strength × 0.1`, where `strength` in [-1, 1] is the seed's
 * `LearningSignal.weight` (how strongly this occurrence counts; 1 when not given).
 *
 * @example
 * signalDelta('task_success'); // 0.06
 * signalDelta('user_rating', ratingStrength(1)); // -0.1
 */
export function signalDelta(type: SignalType, strength = 1): number {
  return SIGNAL_WEIGHTS[type] * strength * SIGNAL_STEP;
}

/** Utility is kept to this many decimal places; see {@link applySignal}. */
export const UTILITY_DECIMALS = 9;

/**
 * Utility after a signal: `clamp(utility + delta, 0, 1)` (seed: `max(0, min(1, current +
 * final_weight * 0.1))`), rounded to {@link UTILITY_DECIMALS} places so that repeated signals
 * land where arithmetic says (0.5 plus three steps of 0.1 is 0.8, not 0.7999999999999999) and
 * thresholds such as `memory.warm.keep_utility` compare as written. Bounded, and monotone in
 * `delta`: a larger delta never gives a smaller result, a positive one never lowers utility and
 * a negative one never raises it (rounding is not allowed to undo a tiny delta's direction).
 * `RedisHotTier` applies the same formula in Lua.
 *
 * @example
 * applySignal(0.5, signalDelta('task_failure')); // 0.46
 */
export function applySignal(utility: number, delta: number): number {
  const scale = 10 ** UTILITY_DECIMALS;
  // floor(x + 0.5) rather than Math.round so the Lua twin computes bit-identical results.
  const rounded = Math.min(1, Math.max(0, Math.floor((utility + delta) * scale + 0.5) / scale));
  if (delta > 0) return Math.max(utility, rounded);
  if (delta < 0) return Math.min(utility, rounded);
  return utility;
}

/**
 * The strength of a 1-5 star `user_rating` (the seed's scale): 3 stars is neutral, 5 counts
 * fully for, 1 fully against.
 *
 * @example
 * ratingStrength(5); // 1
 * ratingStrength(2); // -0.5
 */
export function ratingStrength(rating: number): number {
  return (rating - 3) / 2;
}

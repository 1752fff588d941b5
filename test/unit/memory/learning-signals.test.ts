/** Learning signals: seed 002's types and weights, and the utility update they drive. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applySignal,
  INITIAL_UTILITY,
  ratingStrength,
  SIGNAL_STEP,
  SIGNAL_TYPES,
  SIGNAL_WEIGHTS,
  signalDelta,
} from '../../../src/memory/index.js';

describe('signal types and weights', () => {
  it("are seed 002's SignalType list and SIGNAL_WEIGHTS, exactly", () => {
    expect(SIGNAL_TYPES).toEqual([
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
    ]);
    expect(SIGNAL_WEIGHTS).toEqual({
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
    expect(Object.isFrozen(SIGNAL_WEIGHTS)).toBe(true);
    expect(SIGNAL_STEP).toBe(0.1);
    expect(INITIAL_UTILITY).toBe(0.5);
  });

  it('moves utility by weight × strength × 0.1, clamped', () => {
    expect(signalDelta('task_success')).toBeCloseTo(0.06, 12);
    expect(signalDelta('user_correction')).toBeCloseTo(-0.05, 12);
    expect(signalDelta('task_failure', 0.5)).toBeCloseTo(-0.02, 12);
    expect(applySignal(0.5, signalDelta('user_acceptance'))).toBeCloseTo(0.58, 12);
    expect(applySignal(0.97, signalDelta('user_rating'))).toBe(1);
    expect(applySignal(0.02, signalDelta('task_abandon'))).toBe(0);
  });

  it('keeps utility on a 9-decimal grid, so repeated steps reach thresholds exactly', () => {
    let u = INITIAL_UTILITY;
    for (let i = 0; i < 3; i++) u = applySignal(u, signalDelta('user_rating'));
    expect(u).toBe(0.8);
    expect(applySignal(0.5, signalDelta('task_success'))).toBe(0.56);
    // A delta too small to show at 9 places never moves utility against its sign.
    expect(applySignal(0.1234567891234, 1e-12)).toBe(0.1234567891234);
    expect(applySignal(0.1234567896, -1e-12)).toBe(0.1234567896);
  });

  it('maps 1-5 star ratings to strengths, 3 stars neutral', () => {
    expect([1, 2, 3, 4, 5].map(ratingStrength)).toEqual([-1, -0.5, 0, 0.5, 1]);
  });
});

describe('applySignal (property)', () => {
  const utility = fc.double({ min: 0, max: 1, noNaN: true });
  const strength = fc.double({ min: -1, max: 1, noNaN: true });
  const type = fc.constantFrom(...SIGNAL_TYPES);

  it('stays within 0..1 whatever the signals', () => {
    fc.assert(
      fc.property(utility, fc.array(fc.tuple(type, strength), { maxLength: 200 }), (u, signals) => {
        let value = u;
        for (const [t, s] of signals) {
          value = applySignal(value, signalDelta(t, s));
          expect(value).toBeGreaterThanOrEqual(0);
          expect(value).toBeLessThanOrEqual(1);
        }
      }),
    );
  });

  it("moves utility in the direction of the weight's sign, never against it", () => {
    fc.assert(
      fc.property(utility, type, strength, (u, t, s) => {
        const after = applySignal(u, signalDelta(t, s));
        const sign = Math.sign(SIGNAL_WEIGHTS[t] * s);
        if (sign > 0) expect(after).toBeGreaterThanOrEqual(u);
        if (sign < 0) expect(after).toBeLessThanOrEqual(u);
        if (sign === 0) expect(after).toBe(u);
      }),
    );
  });

  it('is monotone in the weight: a larger weight never gives a lower utility', () => {
    const weight = fc.double({ min: -1, max: 1, noNaN: true });
    fc.assert(
      fc.property(utility, weight, weight, strength, (u, w1, w2, s) => {
        const [lo, hi] = w1 <= w2 ? [w1, w2] : [w2, w1];
        const step = (w: number) => applySignal(u, w * Math.abs(s) * SIGNAL_STEP);
        expect(step(lo)).toBeLessThanOrEqual(step(hi));
      }),
    );
  });
});

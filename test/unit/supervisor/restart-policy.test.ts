import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/index.js';
import {
  backoffDelayMs,
  DEFAULT_BACKOFF_SECONDS,
  ManualDelayTimer,
  RestartIntensityWindow,
  restartGroup,
  restartModeOf,
  shouldRestart,
} from '../../../src/supervisor/index.js';

const ORDER = ['a', 'b', 'c', 'd'];

describe('restartGroup', () => {
  it('one_for_one restarts only the crashed child', () => {
    expect(restartGroup('one_for_one', ORDER, 'b')).toEqual(['b']);
  });

  it('one_for_all restarts every child, in start order', () => {
    expect(restartGroup('one_for_all', ORDER, 'c')).toEqual(ORDER);
  });

  it('rest_for_one restarts the crashed child and every child started after it', () => {
    expect(restartGroup('rest_for_one', ORDER, 'b')).toEqual(['b', 'c', 'd']);
    expect(restartGroup('rest_for_one', ORDER, 'd')).toEqual(['d']);
    expect(restartGroup('rest_for_one', ORDER, 'a')).toEqual(ORDER);
  });

  it('names the unknown child and the known ones', () => {
    expect(() => restartGroup('one_for_one', ORDER, 'x')).toThrow(
      /child "x" is not in the start order; children: a, b, c, d/,
    );
  });
});

describe('shouldRestart', () => {
  const normal = { kind: 'normal', reason: 'done' } as const;
  const crash = { kind: 'crash', code: 1, reason: 'exit code 1' } as const;
  const killed = { kind: 'killed', signal: 'SIGKILL', reason: 'memory limit' } as const;

  it('follows the OTP restart modes', () => {
    expect([normal, crash, killed].map((e) => shouldRestart('permanent', e))).toEqual([
      true,
      true,
      true,
    ]);
    expect([normal, crash, killed].map((e) => shouldRestart('transient', e))).toEqual([
      false,
      true,
      true,
    ]);
    expect([normal, crash, killed].map((e) => shouldRestart('temporary', e))).toEqual([
      false,
      false,
      false,
    ]);
  });

  it('maps the config restart policies onto modes', () => {
    expect(restartModeOf('always')).toBe('permanent');
    expect(restartModeOf('on-failure')).toBe('transient');
    expect(restartModeOf('never')).toBe('temporary');
  });
});

describe('backoffDelayMs', () => {
  it('follows seed 002 by default and repeats the last delay', () => {
    expect(DEFAULT_BACKOFF_SECONDS).toEqual([10, 30, 60]);
    expect([0, 1, 2, 3, 9].map((n) => backoffDelayMs(DEFAULT_BACKOFF_SECONDS, n))).toEqual([
      10_000, 30_000, 60_000, 60_000, 60_000,
    ]);
  });

  it('accepts fractional seconds and refuses an empty schedule', () => {
    expect(backoffDelayMs([0.05], 0)).toBe(50);
    expect(() => backoffDelayMs([], 0)).toThrow(/at least one delay/);
  });
});

describe('RestartIntensityWindow', () => {
  it('admits maxRestarts within the window and refuses the next one', () => {
    const window = new RestartIntensityWindow({ maxRestarts: 2, withinSeconds: 10 });
    expect(window.admit(0)).toBe(true);
    expect(window.admit(1_000)).toBe(true);
    expect(window.admit(2_000)).toBe(false);
  });

  it('forgets restarts older than the window', () => {
    const window = new RestartIntensityWindow({ maxRestarts: 2, withinSeconds: 10 });
    window.admit(0);
    window.admit(1_000);
    expect(window.admit(10_500)).toBe(true);
    expect(window.count(10_500)).toBe(2);
    window.reset();
    expect(window.count(10_500)).toBe(0);
  });

  it('with maxRestarts 0 refuses the first restart', () => {
    expect(new RestartIntensityWindow({ maxRestarts: 0, withinSeconds: 1 }).admit(0)).toBe(false);
  });

  it('refuses invalid settings with what is allowed', () => {
    expect(() => new RestartIntensityWindow({ maxRestarts: -1, withinSeconds: 1 })).toThrow(
      /maxRestarts: expected an integer >= 0, got -1/,
    );
    expect(() => new RestartIntensityWindow({ maxRestarts: 1, withinSeconds: 0 })).toThrow(
      /withinSeconds: expected a number > 0/,
    );
  });
});

describe('ManualDelayTimer', () => {
  it('fires due callbacks in due order with the clock at their due time', () => {
    const clock = new ManualClock(1_000);
    const timer = new ManualDelayTimer(clock);
    const fired: string[] = [];
    timer.setTimeout(() => fired.push(`b@${clock.now()}`), 200);
    timer.setTimeout(() => fired.push(`a@${clock.now()}`), 100);
    const cancelled = timer.setTimeout(() => fired.push('never'), 150);
    timer.clearTimeout(cancelled);
    expect(timer.pending()).toEqual([100, 200]);
    timer.advance(150);
    expect(fired).toEqual(['a@1100']);
    expect(clock.now()).toBe(1_150);
    timer.advance(1_000);
    expect(fired).toEqual(['a@1100', 'b@1200']);
    expect(clock.now()).toBe(2_150);
    expect(timer.pending()).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { AgentvisorError } from '../../../../src/core/index.js';
import {
  AttentionFilter,
  type Observation,
} from '../../../../src/daemon/perception/observation.js';
import { AdaptiveInterval } from '../../../../src/daemon/runtime/adaptive-interval.js';
import { classifyError, retryDelayMs } from '../../../../src/daemon/runtime/recovery.js';

describe('AdaptiveInterval', () => {
  it('doubles on idle beats up to max and halves on backlog down to base', () => {
    const i = new AdaptiveInterval(100, 1000);
    expect([1, 2, 3, 4, 5].map(() => i.after({ idle: true, backlog: false }))).toEqual([
      200, 400, 800, 1000, 1000,
    ]);
    expect([1, 2, 3, 4, 5].map(() => i.after({ idle: false, backlog: true }))).toEqual([
      500, 250, 125, 100, 100,
    ]);
  });

  it('keeps its pace after a busy beat without backlog, and wake() returns to base', () => {
    const i = new AdaptiveInterval(50, 800, 400);
    expect(i.after({ idle: false, backlog: false })).toBe(400);
    i.wake();
    expect(i.currentMs).toBe(50);
  });
});

describe('AttentionFilter', () => {
  const obs = (id: string, salience: number): Observation => ({
    id,
    source: 's',
    kind: 'message',
    at: '2026-01-01T00:00:00.000Z',
    salience,
    summary: id,
  });

  it('drops observations under the threshold and keeps the most salient up to the cap', () => {
    const filter = new AttentionFilter({ threshold: 0.3, maxPerBeat: 2 });
    const { attended, dropped } = filter.select([
      obs('a', 0.2),
      obs('b', 0.9),
      obs('c', 0.5),
      obs('d', 0.7),
    ]);
    expect(attended.map((o) => o.id)).toEqual(['b', 'd']);
    expect(dropped.map((o) => o.id).sort()).toEqual(['a', 'c']);
  });
});

describe('recovery', () => {
  it('classifies errors by code into the seed kinds', () => {
    expect(classifyError(new AgentvisorError('UPSTREAM_UNAVAILABLE', 'x'))).toBe('model');
    expect(classifyError(new AgentvisorError('MODEL_OUTPUT_INVALID', 'x'))).toBe('model');
    expect(classifyError(new AgentvisorError('SANDBOX_CRASHED', 'x'))).toBe('tool');
    expect(classifyError(new AgentvisorError('TIMEOUT', 'x'))).toBe('timeout');
    expect(classifyError(new AgentvisorError('BUDGET_EXCEEDED', 'x'))).toBe('budget');
    expect(classifyError(new AgentvisorError('STORE_UNAVAILABLE', 'x'))).toBe('memory');
    expect(classifyError(new AgentvisorError('INTERNAL', 'x'))).toBe('fatal');
    expect(classifyError(new TypeError('boom'))).toBe('fatal');
  });

  it('backs off exponentially with jitter and a cap', () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const exp = Math.min(5000, 100 * 2 ** (attempt - 1));
      const d = retryDelayMs(attempt, 100, 5000);
      expect(d).toBeGreaterThanOrEqual(exp / 2);
      expect(d).toBeLessThanOrEqual(exp);
    }
  });
});

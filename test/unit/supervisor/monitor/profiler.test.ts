import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  nearestRank,
  OTHER_OPERATION,
  Profiler,
  summariseDurations,
} from '../../../../src/supervisor/monitor/index.js';

/** The reference: nearest-rank percentiles over a plain sorted array. */
function reference(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
  return {
    sampleCount: sorted.length,
    minUs: sorted[0]!,
    maxUs: sorted[sorted.length - 1]!,
    avgUs: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    medianUs: at(50),
    p95Us: at(95),
    p99Us: at(99),
  };
}

const sample = fc.record({
  // Durations are stored as float32; the reference sees the same rounding.
  us: fc.double({ min: 0, max: 1e9, noNaN: true }).map(Math.fround),
  ok: fc.boolean(),
});

describe('Profiler', () => {
  it('matches a sorted-array reference over the last 100 samples (property)', () => {
    fc.assert(
      fc.property(fc.array(sample, { minLength: 1, maxLength: 350 }), (samples) => {
        const profiler = new Profiler();
        for (const s of samples) profiler.record('a', 'op', s.us, s.ok);
        const kept = samples.slice(-100);
        const got = profiler.stats('a', 'op')!;
        const want = reference(kept.map((s) => s.us));
        expect(got.sampleCount).toBe(want.sampleCount);
        expect(got.minUs).toBe(want.minUs);
        expect(got.maxUs).toBe(want.maxUs);
        expect(got.medianUs).toBe(want.medianUs);
        expect(got.p95Us).toBe(want.p95Us);
        expect(got.p99Us).toBe(want.p99Us);
        expect(got.avgUs).toBeCloseTo(want.avgUs, 3);
        expect(got.successRate).toBe(kept.filter((s) => s.ok).length / kept.length);
        expect(got.totalCount).toBe(samples.length);
        expect(got.failureCount).toBe(samples.filter((s) => !s.ok).length);
      }),
      { numRuns: 200 },
    );
  });

  it('pools samples across agents for the system-wide view (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), sample), {
          minLength: 1,
          maxLength: 300,
        }),
        (records) => {
          const profiler = new Profiler();
          for (const [agent, s] of records) profiler.record(agent, 'llm', s.us, s.ok);
          const pooled: number[] = [];
          const agents = [...new Set(records.map(([a]) => a))];
          for (const agent of agents) {
            pooled.push(
              ...records
                .filter(([a]) => a === agent)
                .slice(-100)
                .map(([, s]) => s.us),
            );
          }
          const got = profiler.aggregate('llm')!;
          const want = reference(pooled);
          expect(got.agents).toBe(agents.length);
          expect(got.sampleCount).toBe(want.sampleCount);
          expect(got.medianUs).toBe(want.medianUs);
          expect(got.p95Us).toBe(want.p95Us);
          expect(got.p99Us).toBe(want.p99Us);
          expect(got.totalCount).toBe(records.length);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('gives the seed statistics on a known set', () => {
    const profiler = new Profiler();
    for (let i = 1; i <= 100; i++) profiler.record('a', 'fs.read', i * 10, i % 10 !== 0);
    expect(profiler.stats('a', 'fs.read')).toEqual({
      operation: 'fs.read',
      sampleCount: 100,
      minUs: 10,
      maxUs: 1000,
      avgUs: 505,
      medianUs: 500,
      p95Us: 950,
      p99Us: 990,
      successRate: 0.9,
      totalCount: 100,
      failureCount: 10,
    });
  });

  it('lists operations and stats per agent, and forgets a removed agent', () => {
    const profiler = new Profiler();
    profiler.record('a', 'z.op', 1, true);
    profiler.record('a', 'b.op', 2, false);
    profiler.record('b', 'b.op', 3, true);
    expect(profiler.operations('a')).toEqual(['b.op', 'z.op']);
    expect(profiler.allStats('a').map((s) => s.operation)).toEqual(['b.op', 'z.op']);
    expect(profiler.aggregateAll().map((s) => [s.operation, s.agents])).toEqual([
      ['b.op', 2],
      ['z.op', 1],
    ]);
    expect(profiler.stats('a', 'nope')).toBeUndefined();
    expect(profiler.aggregate('nope')).toBeUndefined();
    expect(profiler.removeAgent('a')).toBe(true);
    expect(profiler.agents()).toEqual(['b']);
    expect(profiler.allStats('a')).toEqual([]);
    expect(profiler.aggregate('b.op')!.agents).toBe(1);
  });

  it('pools operations past the per-agent cap under one name', () => {
    const profiler = new Profiler({ maxOperationsPerAgent: 2 });
    profiler.record('a', 'one', 1, true);
    profiler.record('a', 'two', 1, true);
    profiler.record('a', 'three', 5, true);
    profiler.record('a', 'four', 7, false);
    profiler.record('a', 'one', 1, true);
    expect(profiler.operations('a')).toEqual([OTHER_OPERATION, 'one', 'two']);
    expect(profiler.stats('a', OTHER_OPERATION)).toMatchObject({
      sampleCount: 2,
      successRate: 0.5,
    });
    expect(profiler.stats('a', 'one')!.sampleCount).toBe(2);
  });

  it('refuses negative or non-finite durations', () => {
    const profiler = new Profiler();
    expect(() => profiler.record('a', 'op', -1, true)).toThrowError(
      expect.objectContaining({ code: 'INPUT_INVALID' }),
    );
    expect(() => profiler.record('a', 'op', Number.NaN, true)).toThrow(/finite number >= 0/);
    expect(() => profiler.record('a', 'op', Number.POSITIVE_INFINITY, true)).toThrow();
    expect(() => new Profiler({ samples: 0 })).toThrow(/samples/);
  });

  it('summarises an empty set as zeros and ranks at the edges', () => {
    expect(summariseDurations(new Float64Array(0)).sampleCount).toBe(0);
    expect(nearestRank([5], 99)).toBe(5);
    expect(nearestRank([1, 2, 3, 4], 50)).toBe(2);
    expect(nearestRank([1, 2, 3, 4], 100)).toBe(4);
  });
});

/** Bucket counts: `le` semantics at the bounds, the overflow slot, and unit conversion. */
import { describe, expect, it } from 'vitest';
import { BucketCounts } from '../../../src/telemetry/index.js';

describe('BucketCounts', () => {
  it('puts a sample equal to a bound in that bound, and larger ones in the overflow', () => {
    const b = new BucketCounts([0.00001, 0.0001], 1e6);
    b.observe(10);
    b.observe(11);
    b.observe(100);
    b.observe(101);
    expect([...b.counts]).toEqual([1, 2, 1]);
    expect(b.count).toBe(4);
    expect(b.sum).toBe(222);
  });

  it('compares integer units against rounded bounds', () => {
    const b = new BucketCounts([0.00005], 1e6);
    b.observe(50);
    expect(b.counts[0]).toBe(1);
  });
});

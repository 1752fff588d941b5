/** Duplicate detection: trigram text similarity, cosine when both sides have vectors. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mostSimilar, similarity } from '../../../src/memory/duplicate-check.js';
import { contentKey } from '../../../src/memory/retention-value.js';
import { textSimilarity } from '../../../src/memory/text-similarity.js';

const key = contentKey;

describe('textSimilarity', () => {
  it('is 1 for the same normalised text and near 0 for unrelated text', () => {
    expect(textSimilarity(key('Deploy failed: timeout!'), key('deploy  FAILED timeout'))).toBe(1);
    expect(textSimilarity(key('deploy failed'), key('lunch was pasta'))).toBeLessThan(0.2);
  });

  it('stays high for a small edit of a long text, and drops with each change', () => {
    const base = key('The staging database for the billing service lives on host db-2 in rack 4');
    const typo = key('The staging database for the billing service lives on host db-2 in rack 5');
    const other = key(
      'The production database for the search service lives on host db-9 in rack 1',
    );
    expect(textSimilarity(base, typo)).toBeGreaterThan(0.95);
    expect(textSimilarity(base, other)).toBeLessThan(textSimilarity(base, typo));
  });

  it('is symmetric and within 0..1', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const s = textSimilarity(a, b);
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThanOrEqual(1);
        expect(textSimilarity(b, a)).toBeCloseTo(s, 12);
      }),
    );
  });
});

describe('similarity', () => {
  it('uses cosine when both have vectors, text otherwise, and 1 for equal text', () => {
    expect(
      similarity(
        { contentKey: 'alpha beta', embedding: [1, 0] },
        { contentKey: 'beta alpha', embedding: [1, 0] },
      ),
    ).toBeCloseTo(1);
    expect(
      similarity(
        { contentKey: 'alpha beta', embedding: [1, 0] },
        { contentKey: 'alpha betas', embedding: [0, 1] },
      ),
    ).toBe(0);
    expect(
      similarity(
        { contentKey: 'same', embedding: [1, 0] },
        { contentKey: 'same', embedding: [0, 1] },
      ),
    ).toBe(1);
    expect(
      similarity(
        { contentKey: 'alpha beta', embedding: null },
        { contentKey: 'alpha beta!', embedding: [1] },
      ),
    ).toBe(textSimilarity('alpha beta', 'alpha beta!'));
  });

  it('skips texts whose lengths alone rule out the threshold', () => {
    expect(
      similarity(
        { contentKey: 'a', embedding: null },
        { contentKey: 'a'.repeat(500), embedding: null },
        0.9,
      ),
    ).toBeUndefined();
  });

  it('finds the most similar candidate at or above the threshold', () => {
    const candidates = [
      { id: 'x', contentKey: key('deploy failed with a timeout'), embedding: null },
      { id: 'y', contentKey: key('lunch was pasta'), embedding: null },
    ];
    expect(
      mostSimilar(
        { contentKey: key('Deploy failed with a timeout.'), embedding: null },
        candidates,
        0.95,
      ),
    ).toEqual({
      candidate: candidates[0],
      similarity: 1,
    });
    expect(
      mostSimilar({ contentKey: key('deploy went fine'), embedding: null }, candidates, 0.95),
    ).toBeUndefined();
  });
});

/** Embedding bytes, cosine similarity and reciprocal-rank fusion. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cosineSimilarity,
  decodeEmbedding,
  encodeEmbedding,
} from '../../../src/memory/embedding-codec.js';
import { reciprocalRankFusion } from '../../../src/memory/rank-fusion.js';

describe('embedding codec', () => {
  it('stores Float32 little-endian, 4 bytes a dimension', () => {
    const bytes = encodeEmbedding([1, -2.5]);
    expect([...bytes]).toEqual([0, 0, 0x80, 0x3f, 0, 0, 0x20, 0xc0]);
    expect([...decodeEmbedding(bytes)]).toEqual([1, -2.5]);
  });

  it('round-trips any vector to float32 precision, even from an offset view', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { maxLength: 64 }),
        (v) => {
          const padded = new Uint8Array(v.length * 4 + 3);
          padded.set(encodeEmbedding(v), 3);
          expect([...decodeEmbedding(padded.subarray(3))]).toEqual(v.map((x) => Math.fround(x)));
        },
      ),
    );
  });
});

describe('cosineSimilarity', () => {
  it('is 1 for parallel, 0 for orthogonal, -1 for opposite vectors', () => {
    expect(cosineSimilarity([1, 2], [2, 4])).toBeCloseTo(1);
    expect(cosineSimilarity([1, 0], [0, 3])).toBe(0);
    expect(cosineSimilarity([1, 1], [-1, -1])).toBeCloseTo(-1);
  });

  it('refuses to compare vectors of different dimensions or zero vectors', () => {
    expect(cosineSimilarity([1, 2], [1, 2, 3])).toBeUndefined();
    expect(cosineSimilarity([0, 0], [1, 2])).toBeUndefined();
    expect(cosineSimilarity([], [])).toBeUndefined();
  });
});

describe('reciprocalRankFusion', () => {
  it('puts items ranked well in both lists first', () => {
    const fused = reciprocalRankFusion([
      ['a', 'b', 'c'],
      ['b', 'd'],
    ]);
    expect(fused.map((f) => f.id)).toEqual(['b', 'a', 'd', 'c']);
    expect(fused[0]!.score).toBeCloseTo(1 / 62 + 1 / 61);
  });

  it('keeps a single ranking in order', () => {
    expect(reciprocalRankFusion([['x', 'y'], []]).map((f) => f.id)).toEqual(['x', 'y']);
  });
});

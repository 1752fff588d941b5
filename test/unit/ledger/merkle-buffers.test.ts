/**
 * Node Buffers are Uint8Arrays whose `slice()` shares memory; callers (the CLI, the API, third
 * parties decoding hex) hand the verifiers Buffers, so proofs must verify the same either way.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  consistencyProof,
  inclusionProof,
  leafHash,
  merkleRoot,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/ledger/merkle.js';

const asBuffer = (u: Uint8Array) => Buffer.from(Buffer.from(u).toString('hex'), 'hex');

describe('Merkle verifiers given Node Buffers', () => {
  const leaves = Array.from({ length: 64 }, (_, i) => leafHash(Buffer.from([i, i >> 8])));

  it('verify consistency proofs exactly as with plain Uint8Arrays', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 63 }), (b, d) => {
        const a = Math.max(1, b - d);
        const proof = consistencyProof(leaves, a, b);
        const check = {
          oldSize: a,
          newSize: b,
          oldRoot: merkleRoot(leaves.slice(0, a)),
          newRoot: merkleRoot(leaves.slice(0, b)),
          proof,
        };
        expect(verifyConsistency(check)).toBe(true);
        expect(
          verifyConsistency({
            ...check,
            oldRoot: asBuffer(check.oldRoot),
            newRoot: asBuffer(check.newRoot),
            proof: proof.map(asBuffer),
          }),
        ).toBe(true);
      }),
    );
  });

  it('verify inclusion proofs exactly as with plain Uint8Arrays', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.nat(), (size, i) => {
        const index = i % size;
        const root = merkleRoot(leaves.slice(0, size));
        const proof = inclusionProof(leaves, index, size).map(asBuffer);
        expect(
          verifyInclusion({
            leafHash: asBuffer(leaves[index]!),
            index,
            treeSize: size,
            proof,
            root: asBuffer(root),
          }),
        ).toBe(true);
      }),
    );
  });
});

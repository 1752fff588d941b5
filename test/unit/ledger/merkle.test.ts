import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AgentvisorError } from '../../../src/core/errors.js';
import {
  consistencyProof,
  EMPTY_ROOT,
  inclusionProof,
  leafHash,
  MerkleAccumulator,
  merkleRoot,
  nodeHash,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/ledger/merkle.js';
import {
  CONSISTENCY_VECTORS,
  EMPTY_TREE_HASH_HEX,
  INCLUSION_VECTORS,
  LEAF_INPUTS_HEX,
  ROOTS_HEX,
} from './rfc6962-vectors.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const unhex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));
const leaves = LEAF_INPUTS_HEX.map((h) => leafHash(unhex(h)));

/** Deterministic distinct leaf hashes for property tests. */
function makeLeaves(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => leafHash(new TextEncoder().encode(`entry-${i}`)));
}

function flipped(bytes: Uint8Array, byte: number, bit: number): Uint8Array {
  const copy = bytes.slice();
  copy[byte % copy.length] = (copy[byte % copy.length] as number) ^ (1 << bit);
  return copy;
}

function expectInputInvalid(fn: () => unknown, mention: string): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AgentvisorError);
    expect((error as AgentvisorError).code).toBe('INPUT_INVALID');
    expect((error as AgentvisorError).message).toContain(mention);
    return;
  }
  throw new Error(`expected INPUT_INVALID mentioning ${mention}`);
}

describe('RFC 6962 vectors (transparency-dev/merkle proof/verify_test.go)', () => {
  it('hashes the empty tree to SHA-256("")', () => {
    expect(hex(EMPTY_ROOT)).toBe(EMPTY_TREE_HASH_HEX);
    expect(hex(merkleRoot([]))).toBe(EMPTY_TREE_HASH_HEX);
    expect(hex(new MerkleAccumulator().root())).toBe(EMPTY_TREE_HASH_HEX);
  });

  it('computes the roots for sizes 1..8 recursively and incrementally', () => {
    const acc = new MerkleAccumulator();
    ROOTS_HEX.forEach((root, i) => {
      expect(hex(merkleRoot(leaves.slice(0, i + 1)))).toBe(root);
      acc.push(leaves[i] as Uint8Array);
      expect(acc.size).toBe(i + 1);
      expect(hex(acc.root())).toBe(root);
    });
  });

  it.each(INCLUSION_VECTORS)(
    'inclusion proof for leaf $index of $size',
    ({ index, size, proof }) => {
      const got = inclusionProof(leaves, index, size);
      expect(got.map(hex)).toEqual(proof);
      const root = unhex(ROOTS_HEX[size - 1] as string);
      const leaf = leaves[index] as Uint8Array;
      const args = { leafHash: leaf, index, treeSize: size, proof: proof.map(unhex), root };
      expect(verifyInclusion(args)).toBe(true);
      // The corruptions transparency-dev applies: wrong index/size, wrong leaf/root, extra or
      // missing proof elements.
      expect(verifyInclusion({ ...args, index: index + 1 })).toBe(false);
      if (index > 0) expect(verifyInclusion({ ...args, index: index - 1 })).toBe(false);
      expect(verifyInclusion({ ...args, treeSize: size * 2 })).toBe(false);
      expect(verifyInclusion({ ...args, root: EMPTY_ROOT })).toBe(false);
      expect(verifyInclusion({ ...args, leafHash: EMPTY_ROOT })).toBe(false);
      expect(verifyInclusion({ ...args, proof: [...args.proof, root] })).toBe(false);
      expect(verifyInclusion({ ...args, proof: [root, ...args.proof] })).toBe(false);
      expect(verifyInclusion({ ...args, proof: [...args.proof, new Uint8Array(0)] })).toBe(false);
      if (proof.length > 0) {
        expect(verifyInclusion({ ...args, proof: args.proof.slice(0, -1) })).toBe(false);
      }
    },
  );

  it.each(CONSISTENCY_VECTORS)(
    'consistency proof $oldSize -> $newSize',
    ({ oldSize, newSize, proof }) => {
      expect(consistencyProof(leaves, oldSize, newSize).map(hex)).toEqual(proof);
      const oldRoot = unhex(ROOTS_HEX[oldSize - 1] as string);
      const newRoot = unhex(ROOTS_HEX[newSize - 1] as string);
      const args = { oldSize, newSize, oldRoot, newRoot, proof: proof.map(unhex) };
      expect(verifyConsistency(args)).toBe(true);
      if (proof.length === 0) return;
      expect(verifyConsistency({ ...args, oldSize: oldSize + 1 })).toBe(false);
      expect(verifyConsistency({ ...args, oldSize: oldSize - 1 })).toBe(false);
      expect(verifyConsistency({ ...args, newSize: newSize * 2 })).toBe(false);
      expect(verifyConsistency({ ...args, oldRoot: newRoot, newRoot: oldRoot })).toBe(false);
      expect(verifyConsistency({ ...args, proof: [] })).toBe(false);
      expect(verifyConsistency({ ...args, proof: [...args.proof, oldRoot] })).toBe(false);
      expect(verifyConsistency({ ...args, proof: [newRoot, ...args.proof] })).toBe(false);
      expect(verifyConsistency({ ...args, proof: args.proof.slice(0, -1) })).toBe(false);
    },
  );

  it('decides the trivial consistency cases strictly', () => {
    const r1 = unhex(ROOTS_HEX[0] as string);
    const r2 = unhex(ROOTS_HEX[1] as string);
    const base = { oldRoot: r1, newRoot: r1, proof: [] as Uint8Array[] };
    expect(verifyConsistency({ ...base, oldSize: 1, newSize: 1 })).toBe(true);
    expect(verifyConsistency({ ...base, oldSize: 1, newSize: 1, newRoot: r2 })).toBe(false);
    expect(verifyConsistency({ ...base, oldSize: 1, newSize: 1, proof: [r1] })).toBe(false);
    expect(verifyConsistency({ ...base, oldSize: 0, newSize: 1, oldRoot: EMPTY_ROOT })).toBe(true);
    expect(verifyConsistency({ ...base, oldSize: 0, newSize: 1 })).toBe(false);
    expect(verifyConsistency({ ...base, oldSize: 2, newSize: 1 })).toBe(false);
    expect(verifyConsistency({ ...base, oldSize: 1, newSize: 2 })).toBe(false);
  });
});

describe('argument validation', () => {
  it('rejects out-of-range indices and sizes, naming the argument and range', () => {
    expectInputInvalid(() => inclusionProof(leaves, 8), 'index: expected an integer in [0, 7]');
    expectInputInvalid(
      () => inclusionProof(leaves, 0, 9),
      'treeSize: expected an integer in [1, 8]',
    );
    expectInputInvalid(() => inclusionProof(leaves, 1.5), 'index');
    expectInputInvalid(
      () => consistencyProof(leaves, 5, 4),
      'oldSize: expected an integer in [0, 4]',
    );
    expectInputInvalid(
      () => consistencyProof(leaves, 1, 9),
      'newSize: expected an integer in [0, 8]',
    );
    expectInputInvalid(
      () =>
        verifyInclusion({
          leafHash: EMPTY_ROOT,
          index: -1,
          treeSize: 1,
          proof: [],
          root: EMPTY_ROOT,
        }),
      'index',
    );
  });

  it('rejects hashes that are not 32 bytes', () => {
    expectInputInvalid(
      () => merkleRoot([new Uint8Array(31)]),
      'leafHashes[0]: expected a 32-byte hash',
    );
    expectInputInvalid(() => nodeHash(EMPTY_ROOT, new Uint8Array(33)), 'right');
    expectInputInvalid(() => new MerkleAccumulator().push(new Uint8Array(0)), 'leafHash');
  });

  it('returns false (not a throw) for an index outside the tree when verifying', () => {
    const args = { leafHash: EMPTY_ROOT, index: 1, treeSize: 1, proof: [], root: EMPTY_ROOT };
    expect(verifyInclusion(args)).toBe(false);
  });
});

describe('properties', () => {
  const all = makeLeaves(300);

  it('MerkleAccumulator.root() equals merkleRoot() at every size', () => {
    const acc = new MerkleAccumulator();
    for (let n = 0; n <= all.length; n++) {
      if (n > 0) acc.push(all[n - 1] as Uint8Array);
      expect(hex(acc.root())).toBe(hex(merkleRoot(all.slice(0, n))));
    }
  });

  it('restores an accumulator from its frontier', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 299 }), (n) => {
        const acc = new MerkleAccumulator();
        for (const h of all.slice(0, n)) acc.push(h);
        const restored = MerkleAccumulator.fromFrontier(acc.size, acc.frontier());
        restored.push(all[n] as Uint8Array);
        expect(hex(restored.root())).toBe(hex(merkleRoot(all.slice(0, n + 1))));
      }),
    );
  });

  const sizeAndIndex = fc
    .integer({ min: 1, max: 300 })
    .chain((size) => fc.tuple(fc.constant(size), fc.integer({ min: 0, max: size - 1 })));

  it('inclusion proofs verify, and fail on any flipped bit or changed index', () => {
    fc.assert(
      fc.property(
        sizeAndIndex,
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 1, max: 300 }),
        ([size, index], pick, byte, bit, delta) => {
          const tree = all.slice(0, size);
          const root = merkleRoot(tree);
          const proof = inclusionProof(tree, index);
          const leaf = tree[index] as Uint8Array;
          const args = { leafHash: leaf, index, treeSize: size, proof, root };
          expect(verifyInclusion(args)).toBe(true);
          expect(verifyInclusion({ ...args, leafHash: flipped(leaf, byte, bit) })).toBe(false);
          expect(verifyInclusion({ ...args, root: flipped(root, byte, bit) })).toBe(false);
          if (proof.length > 0) {
            const at = pick % proof.length;
            const bad = proof.map((p, i) => (i === at ? flipped(p, byte, bit) : p));
            expect(verifyInclusion({ ...args, proof: bad })).toBe(false);
          }
          const otherIndex = (index + delta) % (size + 1);
          if (otherIndex !== index) {
            expect(verifyInclusion({ ...args, index: otherIndex })).toBe(false);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('consistency proofs verify for all oldSize <= newSize, and fail on tampering', () => {
    const roots = Array.from({ length: 301 }, (_, n) => merkleRoot(all.slice(0, n)));
    fc.assert(
      fc.property(
        fc
          .integer({ min: 0, max: 300 })
          .chain((newSize) => fc.tuple(fc.integer({ min: 0, max: newSize }), fc.constant(newSize))),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        ([oldSize, newSize], pick, byte, bit) => {
          const proof = consistencyProof(all, oldSize, newSize);
          const oldRoot = roots[oldSize] as Uint8Array;
          const newRoot = roots[newSize] as Uint8Array;
          const args = { oldSize, newSize, oldRoot, newRoot, proof };
          expect(verifyConsistency(args)).toBe(true);
          expect(verifyConsistency({ ...args, oldRoot: flipped(oldRoot, byte, bit) })).toBe(false);
          if (oldSize > 0) {
            // The empty tree is a prefix of every tree, so only a non-empty old tree pins newRoot.
            expect(verifyConsistency({ ...args, newRoot: flipped(newRoot, byte, bit) })).toBe(
              false,
            );
          }
          if (proof.length > 0) {
            const at = pick % proof.length;
            const bad = proof.map((p, i) => (i === at ? flipped(p, byte, bit) : p));
            expect(verifyConsistency({ ...args, proof: bad })).toBe(false);
            expect(verifyConsistency({ ...args, proof: proof.slice(0, -1) })).toBe(false);
          }
          if (oldSize > 0 && oldSize < newSize) {
            // A proof between different sizes only verifies for the sizes it was made for.
            const wrongOld = roots[oldSize - 1] as Uint8Array;
            expect(verifyConsistency({ ...args, oldSize: oldSize - 1, oldRoot: wrongOld })).toBe(
              false,
            );
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('every (oldSize, newSize) pair up to 64 is consistent', () => {
    const tree = all.slice(0, 64);
    const roots = Array.from({ length: 65 }, (_, n) => merkleRoot(tree.slice(0, n)));
    for (let newSize = 0; newSize <= 64; newSize++) {
      for (let oldSize = 0; oldSize <= newSize; oldSize++) {
        const proof = consistencyProof(tree, oldSize, newSize);
        const ok = verifyConsistency({
          oldSize,
          newSize,
          oldRoot: roots[oldSize] as Uint8Array,
          newRoot: roots[newSize] as Uint8Array,
          proof,
        });
        expect(ok, `${oldSize} -> ${newSize}`).toBe(true);
      }
    }
  });
});

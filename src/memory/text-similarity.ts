/**
 * @module How alike two texts are when no embeddings say so: the Sørensen-Dice coefficient of
 * their character trigrams, over the normalised content key ({@link contentKey}). Trigrams
 * tolerate small edits (a typo, a changed word in a long sentence) that exact keys do not, and
 * need no model; 1 means the same normalised text.
 */

function trigrams(key: string): Map<string, number> {
  // Padding lets the first and last characters form trigrams of their own, so short texts that
  // differ only at an edge still differ.
  const padded = `  ${key} `;
  const grams = new Map<string, number>();
  for (let i = 0; i + 3 <= padded.length; i++) {
    const gram = padded.slice(i, i + 3);
    grams.set(gram, (grams.get(gram) ?? 0) + 1);
  }
  return grams;
}

/**
 * Dice similarity in [0, 1] of two content keys: twice the shared trigrams over all trigrams.
 *
 * @example
 * textSimilarity('deploy failed timeout', 'deploy failed timeout'); // 1
 * textSimilarity('deploy failed', 'lunch was pasta'); // close to 0
 */
export function textSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  const ga = trigrams(a);
  const gb = trigrams(b);
  let shared = 0;
  let total = 0;
  for (const [gram, n] of ga) {
    shared += Math.min(n, gb.get(gram) ?? 0);
    total += n;
  }
  for (const n of gb.values()) total += n;
  return total === 0 ? 0 : (2 * shared) / total;
}

/**
 * @module Embeddings as stored bytes and their similarity. Vectors are Float32 little-endian
 * (4 bytes a dimension, half of float64, precision far beyond what embedding models carry) in a
 * BLOB / bytea. Similarity is computed here in JS over one agent's items because pgvector is not
 * available on every PostgreSQL we run on, and per-agent budgets keep the scan small.
 */

/** Float32 little-endian bytes of `vector`, whatever the machine's byte order. */
export function encodeEmbedding(vector: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(vector.length * 4);
  const view = new DataView(bytes.buffer);
  for (const [i, v] of vector.entries()) view.setFloat32(i * 4, v, true);
  return bytes;
}

/** The vector stored by {@link encodeEmbedding}. */
export function decodeEmbedding(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const vector = new Float32Array(Math.floor(bytes.byteLength / 4));
  for (let i = 0; i < vector.length; i++) vector[i] = view.getFloat32(i * 4, true);
  return vector;
}

/**
 * Cosine similarity in [-1, 1]; undefined when the vectors cannot be compared (different
 * dimensions, as after a change of embedding model, or a zero vector).
 */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number | undefined {
  if (a.length !== b.length || a.length === 0) return undefined;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0) return undefined;
  return dot / Math.sqrt(na * nb);
}

/**
 * @module A byte sink that keeps the first `max` bytes of a stream and counts the rest, so a
 * chatty process is drained (and never blocks on a full pipe) without growing memory.
 */

/** Collects up to `max` bytes; later bytes are counted and dropped. */
export class CappedBuffer {
  readonly #max: number;
  readonly #chunks: Buffer[] = [];
  #kept = 0;
  #seen = 0;

  constructor(max: number) {
    this.#max = max;
  }

  push(chunk: Buffer): void {
    this.#seen += chunk.length;
    const room = this.#max - this.#kept;
    if (room <= 0) return;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.#chunks.push(part);
    this.#kept += part.length;
  }

  /** True when bytes were dropped. */
  get truncated(): boolean {
    return this.#seen > this.#kept;
  }

  /** Every byte seen, kept or not. */
  get total(): number {
    return this.#seen;
  }

  text(): string {
    return Buffer.concat(this.#chunks).toString('utf8');
  }
}

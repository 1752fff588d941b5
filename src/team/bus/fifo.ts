/**
 * @module A growable ring-buffer queue. `Array#shift` is O(n) once arrays leave V8's fast
 * path, and the delivery queue shifts once per message, so it keeps its own ring.
 */

/**
 * First in, first out, amortised O(1) push and shift.
 *
 * @example
 * const q = new Fifo<number>();
 * q.push(1);
 * q.shift(); // 1
 */
export class Fifo<T> {
  #items: (T | undefined)[] = new Array(8);
  #head = 0;
  #length = 0;

  /** Items queued. */
  get length(): number {
    return this.#length;
  }

  /** Appends `item`. */
  push(item: T): void {
    if (this.#length === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#length) & (this.#items.length - 1)] = item;
    this.#length++;
  }

  /** Removes and returns the oldest item, or undefined when empty. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#items.length - 1);
    this.#length--;
    return item;
  }

  /** Removes every item, returning them oldest first. */
  drain(): T[] {
    const out: T[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) out.push(item);
    return out;
  }

  #grow(): void {
    // Capacity stays a power of two so the index wraps with a mask instead of a modulo.
    const next: (T | undefined)[] = new Array(this.#items.length * 2);
    for (let i = 0; i < this.#length; i++) {
      next[i] = this.#items[(this.#head + i) & (this.#items.length - 1)];
    }
    this.#items = next;
    this.#head = 0;
  }
}

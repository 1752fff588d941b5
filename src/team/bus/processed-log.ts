/**
 * @module The record of which message ids each consumer has handled: what makes
 * at-least-once delivery idempotent. A seam, so the in-process bus can keep it in memory,
 * the Redis bus in Redis, and a store-backed log can be plugged in later for durability
 * across restarts of a single process.
 */

/**
 * Which message ids a consumer has handled. `consumer` is the deduplication identity: an
 * agent's name for messages to the agent and broadcasts, `role:NAME` for messages to a role.
 * A message is recorded only after its handler returned, so a crash in between means the
 * message is handled again (at-least-once), never lost.
 */
export interface ProcessedLog {
  /** True when `consumer` has handled message `id`. */
  has(consumer: string, id: string): boolean | Promise<boolean>;
  /** Records that `consumer` handled message `id`. */
  add(consumer: string, id: string): void | Promise<void>;
}

/** Default number of ids remembered per consumer by {@link InMemoryProcessedLog}. */
export const DEFAULT_PROCESSED_CAPACITY = 100_000;

/** Hex digit values by char code; -1 for anything else. */
const HEX_VALUE = Int8Array.from({ length: 128 }, (_, c) => {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
});

/** The value of the `count` hex digits of `text` from `start`, or -1 if one is not hex. */
function hexWord(text: string, start: number, count: number): number {
  let word = 0;
  let bad = 0;
  for (let i = start; i < start + count; i++) {
    const c = text.charCodeAt(i);
    const v = HEX_VALUE[c & 0x7f]!;
    // A negative digit, or a char code past ASCII, sets the sign bit of `bad`.
    bad |= v | (127 - c);
    word = (word << 4) | (v & 15);
  }
  return bad < 0 ? -1 : word >>> 0;
}

/**
 * Parses the 32 hex digits of a UUID (`8-4-4-4-12`) into four 32-bit words at `out[0..3]`;
 * false when `id` is not UUID text.
 */
function parseUuid(id: string, out: Uint32Array): boolean {
  if (
    id.length !== 36 ||
    id.charCodeAt(8) !== 45 ||
    id.charCodeAt(13) !== 45 ||
    id.charCodeAt(18) !== 45 ||
    id.charCodeAt(23) !== 45
  ) {
    return false;
  }
  const a = hexWord(id, 0, 8);
  const b = hexWord(id, 9, 4);
  const c = hexWord(id, 14, 4);
  const d = hexWord(id, 19, 4);
  const e = hexWord(id, 24, 4);
  const f = hexWord(id, 28, 8);
  if (a < 0 || b < 0 || c < 0 || d < 0 || e < 0 || f < 0) return false;
  out[0] = a;
  out[1] = (b << 16) | c;
  out[2] = (d << 16) | e;
  out[3] = f;
  return true;
}

/**
 * An open-addressing set of 128-bit values (linear probing) in typed arrays: nothing per id
 * lives on the JS heap, so remembering 100,000 ids costs the garbage collector nothing (a Set
 * of id strings measured ~25% of the in-process bus's time in GC alone). It only grows; the
 * caller drops whole tables instead of deleting entries.
 */
class UuidTable {
  size = 0;

  /** Slots allocated (twice the entries it can hold). */
  get slots(): number {
    return this.#used.length;
  }

  #keys: Uint32Array;
  #used: Uint8Array;
  #mask: number;

  constructor(slots = 1024) {
    this.#keys = new Uint32Array(slots * 4);
    this.#used = new Uint8Array(slots);
    this.#mask = slots - 1;
  }

  #home(words: Uint32Array): number {
    const h =
      Math.imul(words[0]! ^ words[3]!, 0x9e3779b1) ^ Math.imul(words[1]! ^ words[2]!, 0x85ebca6b);
    return (h ^ (h >>> 15)) & this.#mask;
  }

  has(words: Uint32Array): boolean {
    const keys = this.#keys;
    for (let i = this.#home(words); this.#used[i] === 1; i = (i + 1) & this.#mask) {
      const k = i * 4;
      if (
        keys[k] === words[0] &&
        keys[k + 1] === words[1] &&
        keys[k + 2] === words[2] &&
        keys[k + 3] === words[3]
      ) {
        return true;
      }
    }
    return false;
  }

  /** Adds `words` unless present; one probe sequence serves both the lookup and the insert. */
  add(words: Uint32Array): void {
    // Keep the load at most 1/2 so probe sequences stay short.
    if ((this.size + 1) * 2 > this.#used.length) this.#grow();
    const keys = this.#keys;
    let i = this.#home(words);
    for (; this.#used[i] === 1; i = (i + 1) & this.#mask) {
      const k = i * 4;
      if (
        keys[k] === words[0] &&
        keys[k + 1] === words[1] &&
        keys[k + 2] === words[2] &&
        keys[k + 3] === words[3]
      ) {
        return;
      }
    }
    this.#used[i] = 1;
    keys.set(words, i * 4);
    this.size++;
  }

  #grow(): void {
    const keys = this.#keys;
    const used = this.#used;
    this.#keys = new Uint32Array(keys.length * 2);
    this.#used = new Uint8Array(used.length * 2);
    this.#mask = this.#used.length - 1;
    this.size = 0;
    for (let i = 0; i < used.length; i++) {
      if (used[i] === 1) this.add(keys.subarray(i * 4, i * 4 + 4));
    }
  }
}

/** Per-consumer memory of {@link InMemoryProcessedLog}: two generations of each kind. */
interface ConsumerIds {
  current: UuidTable;
  previous: UuidTable | undefined;
  /** Ids that are not UUID text (a custom caller's). */
  other: Set<string>;
  older: Set<string>;
}

/**
 * A {@link ProcessedLog} in memory that remembers, per consumer, at least the last
 * `capacity / 2` and at most the last `capacity` ids: a duplicate arriving after more newer
 * messages than that is handled again. Ids live in two generations; when the newer one holds
 * `capacity / 2`, the older is dropped whole and a new one starts, so no operation ever
 * deletes a single entry. Message ids are UUIDs, kept as 128-bit values off the JS heap
 * (`UuidTable`); other strings in Sets. Share one instance between bus instances to keep
 * deduplication across a bus restart.
 *
 * @example
 * const processed = new InMemoryProcessedLog();
 * const bus = new InProcessBus({ processedLog: processed });
 */
export class InMemoryProcessedLog implements ProcessedLog {
  readonly #generation: number;
  readonly #ids = new Map<string, ConsumerIds>();
  readonly #words = new Uint32Array(4);

  constructor(options: { readonly capacity?: number } = {}) {
    this.#generation = Math.max(
      1,
      Math.floor((options.capacity ?? DEFAULT_PROCESSED_CAPACITY) / 2),
    );
  }

  has(consumer: string, id: string): boolean {
    const ids = this.#ids.get(consumer);
    if (ids === undefined) return false;
    if (parseUuid(id, this.#words)) {
      return ids.current.has(this.#words) || ids.previous?.has(this.#words) === true;
    }
    return ids.other.has(id) || ids.older.has(id);
  }

  add(consumer: string, id: string): void {
    let ids = this.#ids.get(consumer);
    if (ids === undefined) {
      ids = { current: new UuidTable(), previous: undefined, other: new Set(), older: new Set() };
      this.#ids.set(consumer, ids);
    }
    if (parseUuid(id, this.#words)) {
      if (ids.current.size >= this.#generation) {
        ids.previous = ids.current;
        // Start the next generation at the size the last one reached: no regrowing.
        ids.current = new UuidTable(ids.previous.slots);
      }
      ids.current.add(this.#words);
      return;
    }
    if (ids.other.size >= this.#generation) {
      ids.older = ids.other;
      ids.other = new Set();
    }
    ids.other.add(id);
  }
}

/**
 * @module The hot tier in this process's memory: one `Map` per scope, whose insertion order is
 * the LRU order (a use deletes and re-inserts). Fast and simple, but private to the process and
 * lost with it: use {@link RedisHotTier} when several nodes share memory, and call
 * `TeamMemory.flushHot` before a planned shutdown.
 */
import type { HotItem, HotTier } from './hot-tier.js';
import { applySignal } from './learning-signals.js';
import type { MemoryScope } from './memory-scope.js';

function copy(item: HotItem): HotItem {
  return {
    ...item,
    tags: [...item.tags],
    embedding: item.embedding === null ? null : [...item.embedding],
  };
}

/**
 * A hot tier inside this process.
 *
 * @example
 * const memory = new TeamMemory({ store, dataDir, hot: new InMemoryHotTier() });
 */
export class InMemoryHotTier implements HotTier {
  readonly #scopes = new Map<MemoryScope, Map<string, HotItem>>();
  readonly #scopeOf = new Map<string, MemoryScope>();

  async put(item: HotItem): Promise<void> {
    const previous = this.#scopeOf.get(item.id);
    if (previous !== undefined) this.#scopes.get(previous)?.delete(item.id);
    let items = this.#scopes.get(item.scope);
    if (items === undefined) {
      items = new Map();
      this.#scopes.set(item.scope, items);
    }
    items.set(item.id, copy(item));
    this.#scopeOf.set(item.id, item.scope);
  }

  async find(id: string): Promise<HotItem | undefined> {
    const scope = this.#scopeOf.get(id);
    const item = scope === undefined ? undefined : this.#scopes.get(scope)?.get(id);
    return item === undefined ? undefined : copy(item);
  }

  async list(scope: MemoryScope): Promise<HotItem[]> {
    return [...(this.#scopes.get(scope)?.values() ?? [])].map(copy);
  }

  async scopes(): Promise<MemoryScope[]> {
    return [...this.#scopes].filter(([, items]) => items.size > 0).map(([scope]) => scope);
  }

  async touch(scope: MemoryScope, ids: readonly string[], at: string): Promise<void> {
    const items = this.#scopes.get(scope);
    for (const id of ids) {
      const item = items?.get(id);
      if (item === undefined || items === undefined) continue;
      items.delete(id);
      items.set(id, { ...item, accessCount: item.accessCount + 1, lastAccessedAt: at });
    }
  }

  async adjustUtility(
    scope: MemoryScope,
    id: string,
    delta: number,
  ): Promise<{ before: number; after: number } | undefined> {
    const item = this.#scopes.get(scope)?.get(id);
    if (item === undefined) return undefined;
    const before = item.utility;
    item.utility = applySignal(before, delta);
    return { before, after: item.utility };
  }

  async overflow(scope: MemoryScope, keep: number): Promise<string[]> {
    const ids = [...(this.#scopes.get(scope)?.keys() ?? [])];
    return ids.slice(0, Math.max(0, ids.length - keep));
  }

  async remove(scope: MemoryScope, ids: readonly string[]): Promise<void> {
    const items = this.#scopes.get(scope);
    for (const id of ids) {
      if (items?.delete(id) === true) this.#scopeOf.delete(id);
    }
    if (items?.size === 0) this.#scopes.delete(scope);
  }

  async count(): Promise<number> {
    let n = 0;
    for (const items of this.#scopes.values()) n += items.size;
    return n;
  }
}

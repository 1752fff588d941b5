/**
 * @module The hot tier in Redis, so every node on one Redis sees the same recent items. Per
 * scope: a hash of items (immutable fields as JSON), a hash of their mutable state (utility,
 * access count, last access) and a sorted set ordered by last use; plus a hash from id to scope,
 * the set of scopes and the use counter. Every write is one Lua script, so each step is atomic
 * across nodes, and refreshes the keys' expiry: keys no node writes to any more expire instead
 * of leaking. Keys share a `{hot}` hash tag, so on Redis Cluster they sit in one slot.
 */
import type { Redis } from 'ioredis';
import { decodeEmbedding, encodeEmbedding } from './embedding-codec.js';
import type { HotItem, HotTier } from './hot-tier.js';
import { INITIAL_UTILITY } from './learning-signals.js';
import type { MemoryScope } from './memory-scope.js';

/** Options of {@link RedisHotTier}. */
export interface RedisHotTierOptions {
  /** A connection this tier may use; it is not closed by the tier. */
  readonly client: Redis;
  /** Prepended to every key; lets several deployments (or tests) share one Redis. */
  readonly keyPrefix?: string;
  /**
   * Expiry of a scope's keys after its last write, in ms; 7 days when omitted. Pass
   * `memory.hot.redis_ttl_hours` × 3,600,000: it must outlast the hot tier's maximum age.
   */
  readonly ttlMs?: number;
}

// Numbers are returned to the caller as strings: Redis turns a Lua number reply into an integer.
const PUT = `
local items, state, lru, ids, scopes, seq = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local scope, id, json, utility, count, at, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
redis.call('HSET', items, id, json)
redis.call('HSET', state, 'u:' .. id, utility, 'n:' .. id, count, 't:' .. id, at)
redis.call('ZADD', lru, redis.call('INCR', seq), id)
redis.call('HSET', ids, id, scope)
redis.call('SADD', scopes, scope)
for i = 1, 6 do redis.call('PEXPIRE', KEYS[i], ttl) end
return 1`;

const TOUCH = `
local items, state, lru, seq = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local at, ttl = ARGV[1], ARGV[2]
for i = 3, #ARGV do
  local id = ARGV[i]
  if redis.call('HEXISTS', items, id) == 1 then
    redis.call('HINCRBY', state, 'n:' .. id, 1)
    redis.call('HSET', state, 't:' .. id, at)
    redis.call('ZADD', lru, redis.call('INCR', seq), id)
  end
end
for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ttl) end
return 1`;

// applySignal (learning-signals.ts) in Lua: clamp(utility + delta) rounded to 9 places, never
// against the direction of delta.
const ADJUST = `
local items, state = KEYS[1], KEYS[2]
local id, delta = ARGV[1], tonumber(ARGV[2])
if redis.call('HEXISTS', items, id) == 0 then return false end
local before = tonumber(redis.call('HGET', state, 'u:' .. id))
local rounded = math.min(1, math.max(0, math.floor((before + delta) * 1e9 + 0.5) / 1e9))
local after = before
if delta > 0 then after = math.max(before, rounded) elseif delta < 0 then after = math.min(before, rounded) end
redis.call('HSET', state, 'u:' .. id, string.format('%.17g', after))
return {string.format('%.17g', before), string.format('%.17g', after)}`;

const REMOVE = `
local items, state, lru, ids, scopes = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local scope = ARGV[1]
for i = 2, #ARGV do
  local id = ARGV[i]
  if redis.call('HDEL', items, id) == 1 then
    redis.call('HDEL', state, 'u:' .. id, 'n:' .. id, 't:' .. id)
    redis.call('ZREM', lru, id)
    redis.call('HDEL', ids, id)
  end
end
if redis.call('HLEN', items) == 0 then
  redis.call('DEL', items, state, lru)
  redis.call('SREM', scopes, scope)
end
return 1`;

type StoredItem = Omit<HotItem, 'utility' | 'accessCount' | 'lastAccessedAt' | 'embedding'> & {
  embedding: string | null;
};

/**
 * A hot tier shared through Redis.
 *
 * @example
 * const hot = new RedisHotTier({ client: new Redis(url), keyPrefix: 'agentvisor:', ttlMs: 168 * 3_600_000 });
 * const memory = new TeamMemory({ store, dataDir, hot });
 */
export class RedisHotTier implements HotTier {
  readonly #client: Redis;
  readonly #base: string;
  readonly #ttl: number;

  constructor(options: RedisHotTierOptions) {
    this.#client = options.client;
    this.#base = `${options.keyPrefix ?? ''}{hot}`;
    this.#ttl = Math.round(options.ttlMs ?? 7 * 24 * 3_600_000);
  }

  async put(item: HotItem): Promise<void> {
    const { utility, accessCount, lastAccessedAt, embedding, ...fixed } = item;
    const stored: StoredItem = {
      ...fixed,
      embedding:
        embedding === null ? null : Buffer.from(encodeEmbedding(embedding)).toString('base64'),
    };
    const k = this.#keys(item.scope);
    await this.#client.eval(
      PUT,
      6,
      k.items,
      k.state,
      k.lru,
      this.#ids,
      this.#scopes,
      this.#seq,
      item.scope,
      item.id,
      JSON.stringify(stored),
      String(utility),
      String(accessCount),
      lastAccessedAt,
      String(this.#ttl),
    );
  }

  async find(id: string): Promise<HotItem | undefined> {
    const scope = (await this.#client.hget(this.#ids, id)) as MemoryScope | null;
    if (scope === null) return undefined;
    const k = this.#keys(scope);
    const [json, utility, count, at] = await Promise.all([
      this.#client.hget(k.items, id),
      ...['u', 'n', 't'].map((f) => this.#client.hget(k.state, `${f}:${id}`)),
    ]);
    if (json === null || json === undefined) {
      // The scope's keys expired (no node wrote to it for the TTL): forget the stale pointer.
      await this.#client.hdel(this.#ids, id);
      return undefined;
    }
    return this.#decode(json, utility ?? null, count ?? null, at ?? null);
  }

  async list(scope: MemoryScope): Promise<HotItem[]> {
    const k = this.#keys(scope);
    const [items, state, order] = await Promise.all([
      this.#client.hgetall(k.items),
      this.#client.hgetall(k.state),
      this.#client.zrange(k.lru, 0, -1),
    ]);
    return order.flatMap((id) => {
      const json = items[id];
      if (json === undefined) return [];
      const get = (f: string) => state[`${f}:${id}`] ?? null;
      return [this.#decode(json, get('u'), get('n'), get('t'))];
    });
  }

  async scopes(): Promise<MemoryScope[]> {
    return ((await this.#client.smembers(this.#scopes)) as MemoryScope[]).sort();
  }

  async touch(scope: MemoryScope, ids: readonly string[], at: string): Promise<void> {
    if (ids.length === 0) return;
    const k = this.#keys(scope);
    await this.#client.eval(
      TOUCH,
      4,
      k.items,
      k.state,
      k.lru,
      this.#seq,
      at,
      String(this.#ttl),
      ...ids,
    );
  }

  async adjustUtility(
    scope: MemoryScope,
    id: string,
    delta: number,
  ): Promise<{ before: number; after: number } | undefined> {
    const k = this.#keys(scope);
    const reply = (await this.#client.eval(ADJUST, 2, k.items, k.state, id, String(delta))) as
      | [string, string]
      | null;
    return reply === null ? undefined : { before: Number(reply[0]), after: Number(reply[1]) };
  }

  async overflow(scope: MemoryScope, keep: number): Promise<string[]> {
    // Negative stop index: everything but the `keep` highest-scored (most recently used) ids.
    return this.#client.zrange(this.#keys(scope).lru, 0, -(keep + 1));
  }

  async remove(scope: MemoryScope, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const k = this.#keys(scope);
    await this.#client.eval(
      REMOVE,
      5,
      k.items,
      k.state,
      k.lru,
      this.#ids,
      this.#scopes,
      scope,
      ...ids,
    );
  }

  async count(): Promise<number> {
    const scopes = await this.scopes();
    const sizes = await Promise.all(scopes.map((s) => this.#client.hlen(this.#keys(s).items)));
    return sizes.reduce((a, b) => a + b, 0);
  }

  get #ids(): string {
    return `${this.#base}:ids`;
  }

  get #scopes(): string {
    return `${this.#base}:scopes`;
  }

  get #seq(): string {
    return `${this.#base}:seq`;
  }

  #keys(scope: MemoryScope): { items: string; state: string; lru: string } {
    return {
      items: `${this.#base}:items:${scope}`,
      state: `${this.#base}:state:${scope}`,
      lru: `${this.#base}:lru:${scope}`,
    };
  }

  #decode(json: string, utility: string | null, count: string | null, at: string | null): HotItem {
    const stored = JSON.parse(json) as StoredItem;
    return {
      ...stored,
      utility: Number(utility ?? INITIAL_UTILITY),
      accessCount: Number(count ?? 0),
      lastAccessedAt: at ?? stored.createdAt,
      embedding:
        stored.embedding === null
          ? null
          : [...decodeEmbedding(new Uint8Array(Buffer.from(stored.embedding, 'base64')))],
    };
  }
}

/** The `memory:` config section: seed 002 defaults and precise errors. */
import { describe, expect, it } from 'vitest';
import { AgentvisorError } from '../../../src/core/index.js';
import { memoryConfigSchema, parseMemoryConfig } from '../../../src/memory/index.js';

function problemsOf(raw: unknown): string[] {
  try {
    parseMemoryConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(AgentvisorError);
    expect((error as AgentvisorError).code).toBe('CONFIG_INVALID');
    return (error as AgentvisorError).details!['problems'] as string[];
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('memory config', () => {
  it("defaults to seed 002's MemoryConfig", () => {
    expect(parseMemoryConfig()).toEqual({
      hot: { max_age_hours: 24, max_items: 1000, eviction: 'lru', redis_ttl_hours: 168 },
      warm: { max_age_days: 30, max_items: 50_000, eviction: 'score', keep_utility: 0.8 },
      cold: {
        max_age_days: 365,
        max_size_gb: 100,
        compression: true,
        eviction: 'fifo',
        directory: 'memory-cold',
      },
      embedding: { model: 'text-embedding-3-small', dimensions: 1536 },
      duplicate_threshold: 0.95,
      relevance_threshold: 0.7,
      acl: [{ scope: 'global', read: ['*'], write: ['*'] }],
    });
    expect(memoryConfigSchema.parse({ hot: { max_items: 5 } }).hot).toMatchObject({
      max_items: 5,
      max_age_hours: 24,
    });
  });

  it('names each bad field with what is allowed', () => {
    expect(
      problemsOf({
        hot: { max_items: 0, eviction: 'fifo' },
        warm: { keep_utility: 2 },
        cold: { compression: false },
        duplicate_threshold: 'high',
        acl: [{ scope: 'teams:x', read: ['Bob Smith'] }],
        extra: 1,
      }),
    ).toEqual([
      'memory.hot.max_items: expected a whole number of items from 1 to 1000000',
      'memory.hot.eviction: expected "lru": the hot tier evicts the least recently used',
      'memory.warm.keep_utility: expected a utility from 0 to 1',
      'memory.cold.compression: expected true: cold segments are always gzip-compressed',
      'memory.duplicate_threshold: expected a similarity from 0 to 1',
      'memory.acl.0.scope: expected "global", "agent:<name>", "team:<name>", "agent:*", "team:*" or "*"',
      'memory.acl.0.read.0: expected "*", an agent name or "role:<role>"',
      'memory: Unrecognized key: "extra"',
    ]);
  });

  it('refuses a Redis TTL that would expire hot items before they move to warm', () => {
    expect(problemsOf({ hot: { max_age_hours: 48, redis_ttl_hours: 24 } })).toEqual([
      'memory.hot.redis_ttl_hours: must be greater than max_age_hours (48), or Redis would expire hot items before they move to warm',
    ]);
  });

  it('accepts rules on kinds of scopes, roles and agents', () => {
    const config = parseMemoryConfig({
      acl: [
        { scope: 'team:*', read: ['role:lead', 'agent:alice'], write: ['bob'] },
        { scope: '*', read: ['role:auditor'] },
      ],
    });
    expect(config.acl[1]).toEqual({ scope: '*', read: ['role:auditor'], write: [] });
  });
});

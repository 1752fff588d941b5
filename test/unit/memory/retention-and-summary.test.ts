/** What consolidation keeps (retention value), what counts as a duplicate, and the default summary. */
import { describe, expect, it } from 'vitest';
import { extractiveSummary, type MemoryItem } from '../../../src/memory/index.js';
import {
  contentKey,
  RECENCY_HALF_LIFE_MS,
  retentionValue,
} from '../../../src/memory/retention-value.js';

const NOW = Date.parse('2026-03-01T00:00:00Z');

function item(overrides: Partial<MemoryItem> = {}): MemoryItem {
  return {
    id: 'i',
    agentId: 'a',
    component: 'episodic',
    content: 'x',
    tags: [],
    importance: 0.5,
    createdAt: new Date(NOW).toISOString(),
    lastAccessedAt: new Date(NOW).toISOString(),
    accessCount: 0,
    archived: false,
    ...overrides,
  };
}

describe('retentionValue', () => {
  it('grows with importance and use, and halves every idle week', () => {
    const base = retentionValue(item(), NOW);
    expect(retentionValue(item({ importance: 0.9 }), NOW)).toBeGreaterThan(base);
    expect(retentionValue(item({ accessCount: 5 }), NOW)).toBeGreaterThan(base);
    const weekOld = item({ lastAccessedAt: new Date(NOW - RECENCY_HALF_LIFE_MS).toISOString() });
    expect(retentionValue(weekOld, NOW)).toBeCloseTo(base / 2);
  });

  it('still orders unimportant items by recency', () => {
    const fresh = retentionValue(item({ importance: 0 }), NOW);
    const stale = retentionValue(
      item({ importance: 0, lastAccessedAt: '2026-01-01T00:00:00.000Z' }),
      NOW,
    );
    expect(fresh).toBeGreaterThan(stale);
    expect(stale).toBeGreaterThan(0);
  });
});

describe('contentKey', () => {
  it('treats case, spacing and punctuation differences as duplicates', () => {
    expect(contentKey('Deploy  FAILED!')).toBe(contentKey('deploy failed'));
    expect(contentKey('ﬁle')).toBe('file'); // NFKC
    expect(contentKey('deploy failed')).not.toBe(contentKey('deploy succeeded'));
    expect(contentKey('!!!')).not.toBe(contentKey('???'));
  });
});

describe('extractiveSummary', () => {
  it('joins first sentences oldest first', async () => {
    const summary = await extractiveSummary([
      item({ content: 'Second thing. Detail.', createdAt: '2026-02-02T00:00:00.000Z' }),
      item({ content: 'First   thing!\nMore.', createdAt: '2026-02-01T00:00:00.000Z' }),
      item({ content: 'no full stop', createdAt: '2026-02-03T00:00:00.000Z' }),
    ]);
    expect(summary).toBe('Summary of 3 episodes: First thing! Second thing. no full stop');
  });

  it('caps each sentence and the whole summary', async () => {
    const long = await extractiveSummary(
      Array.from({ length: 40 }, () => item({ content: 'y'.repeat(500) })),
    );
    expect(long.length).toBe(2000);
    expect(long.endsWith('…')).toBe(true);
    expect(long).toContain(`${'y'.repeat(199)}… `);
  });
});

/** Instant memory: one beat's bounded working set. */
import { describe, expect, it } from 'vitest';
import { AgentvisorError, ManualClock } from '../../../src/core/index.js';
import { InstantMemory } from '../../../src/memory/index.js';

describe('InstantMemory', () => {
  it('keeps observations and notes in order, with the time', () => {
    const instant = new InstantMemory({
      clock: new ManualClock(Date.parse('2026-03-01T00:00:00Z')),
    });
    instant.observe('inbox: 2 new');
    instant.note('answer alice');
    expect(instant.entries()).toEqual([
      { kind: 'observation', content: 'inbox: 2 new', at: '2026-03-01T00:00:00.000Z' },
      { kind: 'note', content: 'answer alice', at: '2026-03-01T00:00:00.000Z' },
    ]);
  });

  it('drops the oldest entries past capacity and counts them', () => {
    const instant = new InstantMemory({ capacity: 2 });
    for (const c of ['a', 'b', 'c', 'd']) instant.observe(c);
    expect(instant.entries().map((e) => e.content)).toEqual(['c', 'd']);
    expect(instant.dropped).toBe(2);
    expect(instant.size).toBe(2);
  });

  it('clears for the next beat and returns what it held', () => {
    const instant = new InstantMemory();
    instant.note('x');
    expect(instant.clear().map((e) => e.content)).toEqual(['x']);
    expect(instant.size).toBe(0);
    expect(instant.dropped).toBe(0);
  });

  it('rejects empty content and a capacity that is not positive', () => {
    expect(() => new InstantMemory().observe(' ')).toThrow(/content: expected non-empty text/);
    expect(() => new InstantMemory({ capacity: 0 })).toThrow(AgentvisorError);
  });
});

/**
 * The in-memory processed-id record against a plain model, over arbitrary sequences of adds
 * and lookups, UUIDs and other strings alike: it never claims an id it was not given, and it
 * remembers every id among the last `capacity / 2` adds of its consumer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InMemoryProcessedLog } from '../../../../src/team/index.js';

describe('InMemoryProcessedLog', () => {
  it('remembers the last capacity/2 adds per consumer and invents nothing', () => {
    const id = fc.oneof(
      fc.uuid({ version: 7 }),
      fc.uuid({ version: 4 }),
      fc.string({ maxLength: 4 }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 60 }),
        fc.array(id, { minLength: 1, maxLength: 80 }),
        fc.array(fc.tuple(fc.boolean(), fc.constantFrom('a', 'b'), fc.nat()), { maxLength: 600 }),
        (capacity, pool, ops) => {
          const log = new InMemoryProcessedLog({ capacity });
          const generation = Math.floor(capacity / 2);
          const history = new Map<string, string[]>();
          for (const [add, consumer, n] of ops) {
            const value = pool[n % pool.length]!;
            const added = history.get(consumer) ?? [];
            history.set(consumer, added);
            if (add) {
              log.add(consumer, value);
              added.push(value);
              continue;
            }
            const known = log.has(consumer, value);
            if (!added.includes(value)) expect(known).toBe(false);
            if (added.slice(-generation).includes(value)) expect(known).toBe(true);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('keeps consumers apart and grows past its first table', () => {
    const log = new InMemoryProcessedLog({ capacity: 10_000 });
    const ids = Array.from(
      { length: 4_000 },
      (_, i) => `0196c0de-0000-7000-8000-${String(i).padStart(12, '0')}`,
    );
    for (const id of ids) log.add('a', id);
    for (const id of ids) expect(log.has('a', id)).toBe(true);
    expect(log.has('b', ids[0]!)).toBe(false);
    expect(log.has('a', '0196c0de-0000-7000-8000-999999999999')).toBe(false);
  });
});

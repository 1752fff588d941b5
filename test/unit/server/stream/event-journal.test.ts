import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/core/index.js';
import { type StreamEvent, StreamJournal } from '../../../../src/server/stream/index.js';

const CHANNELS = ['agents', 'tasks', 'ledger', 'conversation:0190a0b0-0000-7000-8000-000000000001'];

describe('StreamJournal', () => {
  it('numbers events from 1, stamps them and freezes them', () => {
    const journal = new StreamJournal({
      clock: new ManualClock(Date.parse('2026-01-02T03:04:05Z')),
    });
    const a = journal.publish('tasks', 'task_update', { id: 't1' });
    const b = journal.publish('agents', 'agent_status', undefined);
    expect([a.id, b.id]).toEqual([1, 2]);
    expect(a.at).toBe('2026-01-02T03:04:05.000Z');
    expect(b.data).toBeNull();
    expect(Object.isFrozen(a)).toBe(true);
    expect(journal.lastId).toBe(2);
    expect(journal.oldestId).toBe(1);
  });

  it('reads nothing after the newest id, and a gap for an id it never gave out', () => {
    const journal = new StreamJournal();
    expect(journal.since(0)).toEqual({ kind: 'events', events: [], scannedTo: 0, more: false });
    journal.publish('tasks', 'task_update', {});
    expect(journal.since(1)).toMatchObject({ kind: 'events', events: [] });
    expect(journal.since(5)).toEqual({ kind: 'gap', oldestId: 1, lastId: 1, reason: 'unknown' });
  });

  it('reports a gap once the events after the asked id have left the ring', () => {
    const journal = new StreamJournal({ capacity: 3 });
    for (let i = 0; i < 5; i += 1) journal.publish('tasks', 'task_update', { i });
    expect(journal.oldestId).toBe(3);
    expect(journal.since(1)).toEqual({ kind: 'gap', oldestId: 3, lastId: 5, reason: 'evicted' });
    const read = journal.since(2);
    expect(read.kind === 'events' && read.events.map((e) => e.id)).toEqual([3, 4, 5]);
  });

  it('keeps calling the other listeners when one throws, and reports the failure', () => {
    const failures: unknown[] = [];
    const journal = new StreamJournal({ onListenerError: (error) => failures.push(error) });
    const seen: number[] = [];
    journal.onEvent(() => {
      throw new Error('boom');
    });
    const stop = journal.onEvent((e) => seen.push(e.id));
    expect(() => journal.publish('tasks', 'task_update', {})).not.toThrow();
    stop();
    journal.publish('tasks', 'task_update', {});
    expect(seen).toEqual([1]);
    expect(failures).toHaveLength(2);
  });

  it('lets a listener unsubscribe itself during delivery without skipping the others', () => {
    const journal = new StreamJournal();
    const seen: string[] = [];
    const stopA = journal.onEvent(() => {
      seen.push('a');
      stopA();
    });
    journal.onEvent(() => seen.push('b'));
    journal.publish('tasks', 'task_update', {});
    journal.publish('tasks', 'task_update', {});
    expect(seen).toEqual(['a', 'b', 'b']);
  });

  it('since() across ring wraps equals a model of every event ever published', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.constantFrom(...CHANNELS), { maxLength: 80 }),
        fc.integer({ min: 0, max: 90 }),
        fc.subarray(CHANNELS, { minLength: 1 }),
        fc.option(fc.integer({ min: 1, max: 7 }), { nil: undefined }),
        (capacity, published, askedId, wanted, limit) => {
          const journal = new StreamJournal({ capacity });
          const all: StreamEvent[] = published.map((channel, i) =>
            journal.publish(channel, 'task_update', { i }),
          );
          const head = all.length;
          const oldest = Math.max(1, head - capacity + 1);
          const lastId = Math.min(askedId, head + 2);
          const expected = all.filter((e) => e.id > lastId && wanted.includes(e.channel));

          // Read in pages of `limit` (or at once), resuming from scannedTo each time.
          let cursor = lastId;
          const got: StreamEvent[] = [];
          for (;;) {
            const read = journal.since(cursor, wanted, limit === undefined ? {} : { limit });
            if (lastId > head || lastId < oldest - 1) {
              expect(read).toMatchObject({ kind: 'gap', oldestId: oldest, lastId: head });
              return;
            }
            if (read.kind !== 'events') throw new Error(`unexpected gap at ${cursor}`);
            got.push(...read.events);
            if (limit !== undefined) expect(read.events.length).toBeLessThanOrEqual(limit);
            cursor = read.scannedTo;
            if (!read.more) break;
          }
          expect(cursor).toBe(head);
          // No gap, no duplicate, in order: exactly the missed events of the wanted channels.
          expect(got.map((e) => e.id)).toEqual(expected.map((e) => e.id));
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new StreamJournal({ capacity: 0 })).toThrow(/capacity/);
  });
});

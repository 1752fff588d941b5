/**
 * @module The live stream client's bookkeeping: reconnect backoff, the resume cursor, channel
 * reference counts with their grace period, and channel names the server accepts.
 */
import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  ChannelCounts,
  isChannelName,
  ResumeCursor,
  subscriptionDiff,
} from '../../web/src/stream/stream-cursor.js';

describe('backoffDelay', () => {
  it('doubles from the base, capped, with half of it random', () => {
    expect(backoffDelay(0, () => 0)).toBe(250);
    expect(backoffDelay(0, () => 1)).toBe(500);
    expect(backoffDelay(3, () => 1)).toBe(4000);
    expect(backoffDelay(10, () => 0)).toBe(7500);
    expect(backoffDelay(10, () => 1)).toBe(15_000);
    expect(backoffDelay(1000, () => 1)).toBe(15_000);
  });
});

describe('ResumeCursor', () => {
  it('sends nothing to resume from before it has seen the journal', () => {
    expect(new ResumeCursor().resumeFields()).toEqual({});
  });

  it('starts at the head of the first subscription, then follows the largest event id', () => {
    const cursor = new ResumeCursor();
    cursor.onSubscribed(10, 'e1');
    expect(cursor.resumeFields()).toEqual({ lastId: 10, epoch: 'e1' });
    cursor.onEvent(12);
    cursor.onEvent(11);
    expect(cursor.lastId).toBe(12);
    // A later subscription's head may be ahead of events still queued for older channels.
    cursor.onSubscribed(20, 'e1');
    expect(cursor.lastId).toBe(12);
  });

  it('forgets its ids when the server process changed (another epoch)', () => {
    const cursor = new ResumeCursor();
    cursor.onSubscribed(10, 'e1');
    cursor.onEvent(15);
    cursor.onSubscribed(3, 'e2');
    expect(cursor.resumeFields()).toEqual({ lastId: 3, epoch: 'e2' });
  });
});

describe('ChannelCounts', () => {
  it('keeps a channel with listeners, and an idle one for its grace', () => {
    const counts = new ChannelCounts(1000);
    counts.add('agents');
    counts.add('agents');
    counts.add('tasks');
    counts.remove('agents', 0);
    counts.remove('tasks', 0);
    expect([...counts.wanted(500)].sort()).toEqual(['agents', 'tasks']);
    expect(counts.nextExpiry(500)).toBe(500);
    expect([...counts.wanted(1000)]).toEqual(['agents']);
    expect(counts.nextExpiry(1000)).toBeUndefined();
  });

  it('keeps an idle channel that gets a listener again', () => {
    const counts = new ChannelCounts(1000);
    counts.add('runs');
    counts.remove('runs', 0);
    counts.add('runs');
    expect([...counts.wanted(5000)]).toEqual(['runs']);
  });
});

describe('subscriptionDiff', () => {
  it('says what to subscribe and unsubscribe', () => {
    expect(subscriptionDiff(new Set(['a', 'b']), new Set(['b', 'c']))).toEqual({
      add: ['c'],
      remove: ['a'],
    });
  });
});

describe('isChannelName', () => {
  it('accepts the fixed channels and conversation channels with a UUID', () => {
    expect(isChannelName('agents')).toBe(true);
    expect(isChannelName('conversation:01890a5d-ac96-774b-bcce-b302099a8057')).toBe(true);
    expect(isChannelName('conversation:42')).toBe(false);
    expect(isChannelName('everything')).toBe(false);
  });
});

/**
 * The local delivery queue both buses share: priority across conversations, order within one,
 * the concurrency limit, bounded size with FIFO waiters, and handing back unstarted items.
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../../src/core/index.js';
import { DeliveryQueue, type Queueable } from '../../../../src/team/bus/delivery-queue.js';
import { eventually, gate } from './bus-conformance.js';

interface Item extends Queueable {
  readonly name: string;
}

function item(name: string, conversation: string, priority = 5): Item {
  return { name, conversation, priority, next: undefined, tail: undefined, running: false };
}

describe('DeliveryQueue', () => {
  it('runs the highest priority head first and each conversation in order', async () => {
    const q = new DeliveryQueue<Item>({ capacity: 100, clock: systemClock });
    const ran: string[] = [];
    for (const i of [
      item('a1', 'a', 1),
      item('b1', 'b', 7),
      item('a2', 'a', 10),
      item('c1', 'c', 7),
      item('b2', 'b', 1),
    ]) {
      expect(q.tryPush(i)).toBe(true);
    }
    q.start((i) => {
      ran.push(i.name);
    }, 1);
    await eventually(() => expect(ran).toHaveLength(5));
    // b1 and c1 tie at 7 (FIFO); a's head is a1 (1), so a2 (10) waits for it; b2 after b1.
    expect(ran).toEqual(['b1', 'c1', 'a1', 'a2', 'b2']);
  });

  it('never runs two items of a conversation at once, and respects the concurrency', async () => {
    const q = new DeliveryQueue<Item>({ capacity: 100, clock: systemClock });
    let running = 0;
    let peak = 0;
    const perConversation = new Map<string, number>();
    const done: string[] = [];
    q.start(async (i) => {
      running++;
      peak = Math.max(peak, running);
      perConversation.set(i.conversation, (perConversation.get(i.conversation) ?? 0) + 1);
      expect(perConversation.get(i.conversation)).toBe(1);
      await new Promise((r) => setImmediate(r));
      perConversation.set(i.conversation, perConversation.get(i.conversation)! - 1);
      running--;
      done.push(i.name);
    }, 3);
    for (let n = 0; n < 5; n++)
      for (const c of ['a', 'b', 'c', 'd']) q.tryPush(item(`${c}${n}`, c));
    await eventually(() => expect(done).toHaveLength(20));
    expect(peak).toBe(3);
    for (const c of ['a', 'b', 'c', 'd']) {
      expect(done.filter((d) => d.startsWith(c))).toEqual([0, 1, 2, 3, 4].map((n) => `${c}${n}`));
    }
  });

  it('bounds its size and admits waiters first come, first served', async () => {
    const q = new DeliveryQueue<Item>({ capacity: 2, clock: systemClock });
    const release = gate();
    const ran: string[] = [];
    q.start(async (i) => {
      ran.push(i.name);
      await release.promise;
    }, 1);
    expect(q.tryPush(item('1', 'x1'))).toBe(true);
    expect(q.tryPush(item('2', 'x2'))).toBe(true);
    expect(q.tryPush(item('3', 'x3'))).toBe(false);
    const admitted: string[] = [];
    const w3 = q
      .pushWhenSpace(item('3', 'x3'), 0, () => new Error('x'))
      .then(() => admitted.push('3'));
    const w4 = q
      .pushWhenSpace(item('4', 'x4'), 0, () => new Error('x'))
      .then(() => admitted.push('4'));
    // Someone is waiting, so a newcomer may not jump the line even if room appears.
    expect(q.tryPush(item('5', 'x5'))).toBe(false);
    release.open();
    await Promise.all([w3, w4]);
    await eventually(() => expect(ran).toEqual(['1', '2', '3', '4']));
    expect(admitted).toEqual(['3', '4']);
  });

  it('times a waiter out and skips it afterwards', async () => {
    const q = new DeliveryQueue<Item>({ capacity: 1, clock: systemClock });
    q.tryPush(item('1', 'x'));
    await expect(q.pushWhenSpace(item('2', 'y'), 5, () => new Error('full'))).rejects.toThrow(
      'full',
    );
    const ran: string[] = [];
    q.start((i) => {
      ran.push(i.name);
    }, 1);
    await eventually(() => expect(ran).toEqual(['1']));
    expect(q.size).toBe(0);
  });

  it('hands back what has not started and waits for what has', async () => {
    const q = new DeliveryQueue<Item>({ capacity: 10, clock: systemClock });
    const release = gate();
    const started: string[] = [];
    q.start(async (i) => {
      started.push(i.name);
      await release.promise;
    }, 1);
    for (const n of ['a1', 'a2', 'b1']) q.tryPush(item(n, n[0]!));
    await eventually(() => expect(started).toEqual(['a1']));
    expect(
      q
        .takeQueued()
        .map((i) => i.name)
        .sort(),
    ).toEqual(['a2', 'b1']);
    expect(q.queued).toBe(0);
    const stopped = q.stop();
    release.open();
    await stopped;
    expect(q.size).toBe(0);
    expect(started).toEqual(['a1']);
  });
});

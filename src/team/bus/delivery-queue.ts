/**
 * @module One consumer's local queue, shared by both buses: bounded, ordered per conversation,
 * priority-first across conversations, with a concurrency limit.
 *
 * Each conversation is a FIFO; at most one of its messages runs at a time. Conversations whose
 * head may run wait in one of ten ready lists, one per priority; the dispatcher always takes
 * from the highest non-empty list (a bitmask finds it in O(1)). So a high-priority message
 * overtakes queued low-priority ones of other conversations, but never a message sent before
 * it in its own conversation: a conversation is ranked by its head. Dispatch is batched in a
 * microtask and loops while handlers complete synchronously: no timer per message.
 *
 * A conversation is its items linked through their own `next` fields, and the map holds its
 * current (running or first waiting) item, which also carries the tail and the running flag:
 * no per-conversation object or array, because most conversations hold a single message and
 * the in-process bus's budget is ~2 µs per message.
 */
import type { Clock } from '../../core/index.js';
import { MAX_PRIORITY } from './bus-message.js';
import { Fifo } from './fifo.js';

/**
 * What the queue needs from an item. `next`, `tail` and `running` belong to the queue: create
 * items with `next: undefined, tail: undefined, running: false` and never touch them after.
 */
export interface Queueable {
  readonly conversation: string;
  /** 1-10. */
  readonly priority: number;
  next: this | undefined;
  tail: this | undefined;
  running: boolean;
}

/**
 * Runs one item; resolves (never rejects) when it is finished with. `now` is the clock's time
 * when the current dispatch batch started: items run back to back in one synchronous turn share
 * it, which spares a clock read per message.
 */
export type ItemRunner<T> = (item: T, now: number) => void | Promise<void>;

interface Waiter<T> {
  readonly item: T | undefined;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== undefined && typeof (value as PromiseLike<unknown>).then === 'function';
}

/**
 * A bounded priority queue of conversations with a concurrency limit.
 *
 * @example
 * const q = new DeliveryQueue<Item>({ capacity: 1024 });
 * q.start((item) => handle(item), 4);
 * if (!q.tryPush(item)) await q.pushWhenSpace(item, 5_000, () => new Error('busy'));
 */
export class DeliveryQueue<T extends Queueable> {
  #capacity: number;
  #concurrency = 1;
  #run: ItemRunner<T> | undefined;
  readonly #clock: Clock;
  /** Conversation key to its current item. */
  readonly #conversations = new Map<string, T>();
  /** Heads ready to run; index = priority, slot 0 unused. */
  readonly #ready: Fifo<T>[] = Array.from({ length: MAX_PRIORITY + 1 }, () => new Fifo<T>());
  /** Bit p set when ready list p is non-empty. */
  #readyMask = 0;
  #size = 0;
  #running = 0;
  #scheduled = false;
  #draining = false;
  readonly #waiters = new Fifo<Waiter<T>>();
  #idle: (() => void)[] = [];

  constructor(options: { readonly capacity: number; readonly clock: Clock }) {
    this.#capacity = options.capacity;
    this.#clock = options.clock;
  }

  /** Items queued or running. */
  get size(): number {
    return this.#size;
  }

  /** Items running. */
  get running(): number {
    return this.#running;
  }

  /** Items waiting to run. */
  get queued(): number {
    return this.#size - this.#running;
  }

  get capacity(): number {
    return this.#capacity;
  }

  set capacity(value: number) {
    this.#capacity = value;
    this.#admit();
  }

  /** True while a runner is attached. */
  get started(): boolean {
    return this.#run !== undefined;
  }

  /** Attaches the runner: dispatching starts. */
  start(run: ItemRunner<T>, concurrency: number): void {
    this.#run = run;
    this.#concurrency = concurrency;
    this.#schedule();
  }

  /** Detaches the runner: queued items stay, running ones finish; resolves when none runs. */
  stop(): Promise<void> {
    this.#run = undefined;
    if (this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Queues `item` when there is room and nobody is waiting for room; false otherwise. */
  tryPush(item: T): boolean {
    if (this.#size >= this.#capacity || this.#waiters.length > 0) return false;
    this.#push(item);
    return true;
  }

  /**
   * Queues `item` as soon as there is room, after every earlier waiter (so a sender's messages
   * keep their order). Rejects with `onTimeout()` after `timeoutMs`.
   */
  pushWhenSpace(item: T, timeoutMs: number, onTimeout: () => Error): Promise<void> {
    return this.#wait(item, timeoutMs, onTimeout);
  }

  /** Resolves once the queue has room (for a reader that fetches only what fits). */
  whenSpace(): Promise<void> {
    if (this.#size < this.#capacity && this.#waiters.length === 0) return Promise.resolve();
    return this.#wait(undefined, 0, () => new Error('unreachable'));
  }

  /** Fails every waiting push with `error`. */
  rejectWaiters(error: Error): void {
    for (const w of this.#waiters.drain()) {
      if (w.timer !== undefined) clearTimeout(w.timer);
      w.reject(error);
    }
  }

  /** Removes and returns every item not yet running (oldest conversation first). */
  takeQueued(): T[] {
    const out: T[] = [];
    for (const [key, current] of this.#conversations) {
      let item = current.running ? current.next : current;
      while (item !== undefined) {
        const next: T | undefined = item.next;
        // Returned unlinked, so an item can be queued again.
        item.next = undefined;
        item.tail = undefined;
        out.push(item);
        item = next;
      }
      if (current.running) {
        current.next = undefined;
        current.tail = current;
      } else {
        this.#conversations.delete(key);
      }
    }
    this.#size -= out.length;
    for (const list of this.#ready) list.drain();
    this.#readyMask = 0;
    return out;
  }

  #wait(item: T | undefined, timeoutMs: number, onTimeout: () => Error): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter<T> = { item, resolve, reject, timer: undefined };
      if (timeoutMs > 0) {
        waiter.timer = setTimeout(() => {
          waiter.timer = undefined;
          // Leave the waiter in place but inert: removing from the middle of a ring is O(n).
          (waiter as { resolve: () => void }).resolve = noop;
          reject(onTimeout());
        }, timeoutMs);
      }
      this.#waiters.push(waiter);
    });
  }

  #admit(): void {
    while (this.#waiters.length > 0 && this.#size < this.#capacity) {
      const w = this.#waiters.shift()!;
      if (w.resolve === noop) continue;
      if (w.timer !== undefined) clearTimeout(w.timer);
      if (w.item !== undefined) this.#push(w.item);
      w.resolve();
    }
  }

  #push(item: T): void {
    this.#size++;
    const current = this.#conversations.get(item.conversation);
    if (current === undefined) {
      item.tail = item;
      this.#conversations.set(item.conversation, item);
      this.#makeReady(item);
    } else {
      // The current item is running or waiting in a ready list; either way the new item
      // just joins the conversation's tail.
      current.tail!.next = item;
      current.tail = item;
    }
    this.#schedule();
  }

  #makeReady(item: T): void {
    this.#ready[item.priority]!.push(item);
    this.#readyMask |= 1 << item.priority;
  }

  #schedule(): void {
    if (this.#scheduled || this.#draining || this.#run === undefined) return;
    this.#scheduled = true;
    queueMicrotask(this.#drain);
  }

  readonly #drain = (): void => {
    this.#scheduled = false;
    if (this.#draining || this.#readyMask === 0 || this.#running >= this.#concurrency) return;
    this.#draining = true;
    const now = this.#clock.now();
    try {
      while (this.#running < this.#concurrency && this.#readyMask !== 0) {
        const run = this.#run;
        if (run === undefined) break;
        const priority = 31 - Math.clz32(this.#readyMask);
        const list = this.#ready[priority]!;
        const item = list.shift()!;
        if (list.length === 0) this.#readyMask &= ~(1 << priority);
        item.running = true;
        this.#running++;
        let result: void | Promise<void>;
        try {
          result = run(item, now);
        } catch {
          // Runners handle their own failures; a throw here must not wedge the queue.
          result = undefined;
        }
        if (isThenable(result)) {
          result.then(
            () => this.#finish(item),
            () => this.#finish(item),
          );
        } else {
          this.#finish(item);
        }
      }
    } finally {
      this.#draining = false;
    }
  };

  #finish(item: T): void {
    this.#running--;
    this.#size--;
    item.running = false;
    const next = item.next;
    if (next === undefined) {
      if (this.#conversations.get(item.conversation) === item) {
        this.#conversations.delete(item.conversation);
      }
    } else {
      item.next = undefined;
      next.tail = item.tail;
      item.tail = undefined;
      this.#conversations.set(item.conversation, next);
      this.#makeReady(next);
    }
    if (this.#waiters.length > 0) this.#admit();
    if (this.#running === 0 && this.#idle.length > 0) {
      const idle = this.#idle;
      this.#idle = [];
      for (const resolve of idle) resolve();
    }
    if (!this.#draining && this.#run !== undefined) this.#drain();
  }
}

function noop(): void {}

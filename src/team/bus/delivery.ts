/**
 * @module What happens to one delivery at a consumer, the same for both buses: drop it to the
 * DLQ if its TTL ran out, skip it if this consumer handled its id before, else run the handler,
 * retry with backoff when it throws, and finally record it as handled or dead-letter it. Written
 * without `async` so a synchronous handler costs no promise: the in-process bus's throughput
 * target leaves no room for one per message.
 */

import type { DeliveryContext, MessageHandler } from './bus.js';
import type { BusMessage, MessagePayloadInput } from './bus-message.js';
import type { DeadLetterReason } from './dead-letter.js';
import type { Queueable } from './delivery-queue.js';
import type { ProcessedLog } from './processed-log.js';
import { type RetryPolicy, retryDelay } from './retry-policy.js';

/** One message on its way to one consumer. */
export interface Delivery extends Queueable {
  readonly message: BusMessage;
  /** Deduplication identity: the agent's name, or `role:NAME` for messages to a role. */
  readonly dedupeKey: string;
  /** Epoch ms after which the message is dead-lettered as expired instead of handled. */
  readonly expiresAt: number;
  /** Attempt in progress, 1-based. */
  attempt: number;
  next: this | undefined;
  tail: this | undefined;
  running: boolean;
  /**
   * Known not to have been handled by this consumer, so the runner skips the processed-log
   * lookup: the bus minted the id for this very send (a UUIDv7 never issued before), or the
   * Redis bus already checked a whole fetched batch in one round trip.
   */
  readonly unseen?: boolean;
}

/** How a delivery ended. */
export type DeliveryOutcome = 'handled' | 'duplicate' | 'dead';

/** Mutable counters shared by a bus and its deliveries. */
export interface DeliveryCounters {
  handled: number;
  failedAttempts: number;
  deadLettered: number;
  expired: number;
  duplicates: number;
}

/** What a {@link DeliveryRunner} needs from its bus. */
export interface DeliveryHost<D extends Delivery> {
  readonly processed: ProcessedLog;
  readonly retry: RetryPolicy;
  readonly counters: DeliveryCounters;
  /** Files the delivery in the DLQ. */
  deadLetter(delivery: D, reason: DeadLetterReason, error: string): Promise<unknown>;
  /** Sends the handler's reply to a request. */
  reply(delivery: D, consumer: string, payload: MessagePayloadInput): Promise<BusMessage>;
  /** Called once per delivery when it is finished with (Redis acknowledges here). */
  settle?(delivery: D, outcome: DeliveryOutcome): void | Promise<void>;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

class Context<D extends Delivery> implements DeliveryContext {
  readonly #host: DeliveryHost<D>;
  readonly #delivery: D;
  readonly consumer: string;
  readonly attempt: number;

  constructor(host: DeliveryHost<D>, delivery: D, consumer: string) {
    this.#host = host;
    this.#delivery = delivery;
    this.consumer = consumer;
    this.attempt = delivery.attempt;
  }

  reply(payload: MessagePayloadInput): Promise<BusMessage> {
    return this.#host.reply(this.#delivery, this.consumer, payload);
  }
}

/**
 * Runs deliveries through one subscription's handler. `run` is the {@link DeliveryQueue}'s
 * item runner: it returns nothing when all went synchronously, else a promise that never
 * rejects.
 *
 * @example
 * queue.start(new DeliveryRunner(host, 'code', handler).run, 1);
 */
export class DeliveryRunner<D extends Delivery> {
  readonly #host: DeliveryHost<D>;
  readonly #consumer: string;
  readonly #handler: MessageHandler;

  constructor(host: DeliveryHost<D>, consumer: string, handler: MessageHandler) {
    this.#host = host;
    this.#consumer = consumer;
    this.#handler = handler;
  }

  /** Runs one delivery to its end. */
  readonly run = (delivery: D, now: number): void | Promise<void> => {
    const host = this.#host;
    if (now >= delivery.expiresAt) {
      host.counters.expired++;
      return this.#dead(
        delivery,
        'expired',
        `expired before delivery (ttlMs ${delivery.message.ttlMs})`,
      );
    }
    if (delivery.unseen === true) return this.#attempt(delivery);
    const seen = host.processed.has(delivery.dedupeKey, delivery.message.id);
    if (seen === true) return this.#duplicate(delivery);
    if (seen === false) return this.#attempt(delivery);
    return seen.then(
      (was) => (was ? this.#duplicate(delivery) : this.#attempt(delivery)),
      (error: unknown) =>
        this.#dead(delivery, 'failed', `processed-log read failed: ${errorText(error)}`),
    );
  };

  #duplicate(delivery: D): void | Promise<void> {
    this.#host.counters.duplicates++;
    return this.#settle(delivery, 'duplicate');
  }

  #attempt(delivery: D): void | Promise<void> {
    let result: unknown;
    try {
      result = this.#handler(delivery.message, new Context(this.#host, delivery, this.#consumer));
    } catch (error) {
      return this.#failed(delivery, error);
    }
    if (isThenable(result)) {
      return Promise.resolve(result).then(
        () => this.#succeeded(delivery),
        (error: unknown) => this.#failed(delivery, error),
      );
    }
    return this.#succeeded(delivery);
  }

  #succeeded(delivery: D): void | Promise<void> {
    const recorded = this.#host.processed.add(delivery.dedupeKey, delivery.message.id);
    if (isThenable(recorded)) {
      return Promise.resolve(recorded).then(
        () => this.#handled(delivery),
        // The handler ran but its record did not stick, so a redelivery would run it again:
        // surface that in the DLQ rather than settle as if all were well.
        (error: unknown) =>
          this.#dead(
            delivery,
            'failed',
            `handled, but the processed-log write failed (${errorText(error)}); replay only if the handler is idempotent`,
          ),
      );
    }
    return this.#handled(delivery);
  }

  #handled(delivery: D): void | Promise<void> {
    this.#host.counters.handled++;
    return this.#settle(delivery, 'handled');
  }

  #failed(delivery: D, error: unknown): Promise<void> {
    const host = this.#host;
    host.counters.failedAttempts++;
    if (delivery.attempt >= host.retry.maxAttempts) {
      return this.#dead(delivery, 'failed', errorText(error));
    }
    const delay = retryDelay(host.retry, delivery.attempt);
    delivery.attempt++;
    // A timer only on the failure path; the happy path never schedules one.
    return new Promise<void>((resolve) => setTimeout(resolve, delay)).then(() =>
      this.#attempt(delivery),
    );
  }

  #dead(delivery: D, reason: DeadLetterReason, error: string): Promise<void> {
    const host = this.#host;
    return host.deadLetter(delivery, reason, error).then(
      () => {
        host.counters.deadLettered++;
        return this.#settle(delivery, 'dead');
      },
      // The DLQ itself is down: do not settle, so the Redis bus redelivers it later.
      () => undefined,
    );
  }

  #settle(delivery: D, outcome: DeliveryOutcome): void | Promise<void> {
    const settle = this.#host.settle;
    if (settle === undefined) return;
    const result = settle.call(this.#host, delivery, outcome);
    return isThenable(result) ? Promise.resolve(result).then(noop, noop) : undefined;
  }
}

function noop(): void {}

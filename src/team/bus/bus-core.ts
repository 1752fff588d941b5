/**
 * @module What both buses share above their transport: option defaults, the send pipeline
 * (check and fill the message, rate-limit its sender, hand it to the transport), broadcast,
 * request/response bookkeeping, replies, the DLQ facade, alerts and counters. A subclass
 * supplies the transport: how a checked message reaches its consumers, how a reply reaches
 * its requester, and what the consumers look like for {@link Bus.stats}.
 */
import { AgentvisorError, type Clock, newId, systemClock } from '../../core/index.js';
import type {
  Bus,
  BusKind,
  BusOptions,
  BusStats,
  ConsumerSpec,
  ConsumerStats,
  MessageHandler,
  RequestOptions,
  SubscribeOptions,
  Subscription,
} from './bus.js';
import {
  DEFAULT_QUEUE_CAPACITY,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_SEND_TIMEOUT_MS,
  DEFAULT_TTL_MS,
} from './bus.js';
import {
  type BusMessage,
  type BusMessageInput,
  DEFAULT_MAX_PAYLOAD_BYTES,
  type MessagePayloadInput,
  NAME_PATTERN,
} from './bus-message.js';
import { BROADCAST } from './bus-target.js';
import {
  AlertChannel,
  type AlertListener,
  DEFAULT_DLQ_ALERT_THRESHOLD,
  DEFAULT_DLQ_MAX_ENTRIES,
  type DeadLetterReason,
  type DeadLetterStore,
  DeadLetters,
} from './dead-letter.js';
import type { Delivery, DeliveryCounters, DeliveryHost, DeliveryOutcome } from './delivery.js';
import { invalidField, MessageCheck } from './message-check.js';
import { PendingRequests } from './pending-requests.js';
import type { ProcessedLog } from './processed-log.js';
import { type RetryPolicy, retryPolicy } from './retry-policy.js';
import { rateLimitedError, resolveLimiter, type SendLimiter } from './send-limiter.js';

/** {@link BusOptions} with defaults applied. */
export interface ResolvedBusOptions {
  readonly clock: Clock;
  readonly maxPayloadBytes: number;
  readonly defaultTtlMs: number;
  readonly queueCapacity: number;
  readonly sendTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly retry: RetryPolicy;
  readonly limiter: SendLimiter | undefined;
  readonly dlqAlertThreshold: number;
  readonly dlqMaxEntries: number;
}

/** Applies the defaults of {@link BusOptions}. */
export function resolveBusOptions(options: BusOptions): ResolvedBusOptions {
  const clock = options.clock ?? systemClock;
  return {
    clock,
    maxPayloadBytes: options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
    defaultTtlMs: options.defaultTtlMs ?? DEFAULT_TTL_MS,
    queueCapacity: options.queueCapacity ?? DEFAULT_QUEUE_CAPACITY,
    sendTimeoutMs: options.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    retry: retryPolicy(options.retry),
    limiter: resolveLimiter(options.rateLimit, clock),
    dlqAlertThreshold: options.dlqAlertThreshold ?? DEFAULT_DLQ_ALERT_THRESHOLD,
    dlqMaxEntries: options.dlqMaxEntries ?? DEFAULT_DLQ_MAX_ENTRIES,
  };
}

/** Counters of {@link BusStats}, mutated in place on the hot path. */
export interface BusCounters extends DeliveryCounters {
  sent: number;
  rateLimited: number;
  throttled: number;
}

function isThenable(value: unknown): value is PromiseLike<number> {
  return typeof value === 'object' && value !== null && 'then' in value;
}

/** Checks a subscriber's name and roles; INPUT_INVALID naming the bad one. */
export function checkConsumer(consumer: ConsumerSpec): { name: string; roles: string[] } {
  if (typeof consumer?.name !== 'string' || !NAME_PATTERN.test(consumer.name)) {
    throw invalidField('consumer.name', 'an agent name ([a-z][a-z0-9-]*)', consumer?.name);
  }
  const roles = [...new Set(consumer.roles ?? [])];
  for (const role of roles) {
    if (typeof role !== 'string' || !NAME_PATTERN.test(role)) {
      throw invalidField('consumer.roles', 'role names ([a-z][a-z0-9-]*)', role);
    }
  }
  return { name: consumer.name, roles };
}

/** Checks a positive integer option of subscribe(). */
export function positiveOption(value: number | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw invalidField(field, 'a positive integer', value);
  return value;
}

/** The NOT_FOUND error of a send to a target nobody ever subscribed as. */
export function unknownTargetError(target: string, known: readonly string[]): AgentvisorError {
  const list = known.length === 0 ? 'none yet' : known.slice(0, 20).join(', ');
  return new AgentvisorError(
    'NOT_FOUND',
    `message.target: no consumer is subscribed as ${target}; known targets: ${list}`,
    { details: { field: 'target', value: target, known: known.slice(0, 100) } },
  );
}

/** The RATE_LIMITED error of a send that waited too long for queue space. */
export function backpressureError(target: string, timeoutMs: number): AgentvisorError {
  return new AgentvisorError(
    'RATE_LIMITED',
    `${target} is not keeping up: its queue stayed full for ${timeoutMs} ms; retry later`,
    { details: { target, reason: 'backpressure', timeoutMs, retryAfterMs: timeoutMs } },
  );
}

/** The SHUTTING_DOWN error of anything asked of a closed bus. */
export function closedError(): AgentvisorError {
  return new AgentvisorError('SHUTTING_DOWN', 'the message bus is closed');
}

/**
 * The transport-independent half of a bus. Subclasses implement {@link BusCore.dispatch},
 * {@link BusCore.transmitReply}, {@link BusCore.subscribe}, {@link BusCore.consumerStats} and
 * {@link BusCore.closeTransport}.
 */
export abstract class BusCore<D extends Delivery> implements Bus {
  abstract readonly kind: BusKind;
  /** This bus instance: replies to its requests are addressed here. */
  readonly instanceId = newId();
  readonly dlq: DeadLetters;
  protected readonly options: ResolvedBusOptions;
  protected readonly check: MessageCheck;
  protected readonly counters: BusCounters = {
    sent: 0,
    handled: 0,
    failedAttempts: 0,
    deadLettered: 0,
    expired: 0,
    duplicates: 0,
    rateLimited: 0,
    throttled: 0,
  };
  protected readonly alerts = new AlertChannel();
  protected readonly pending = new PendingRequests();
  /** The delivery host handed to each subscription's runner. */
  protected readonly host: DeliveryHost<D>;
  protected closed = false;

  protected constructor(
    options: ResolvedBusOptions,
    dlqStore: DeadLetterStore,
    processed: ProcessedLog,
  ) {
    this.options = options;
    this.check = new MessageCheck(options);
    this.dlq = new DeadLetters({
      store: dlqStore,
      clock: options.clock,
      alerts: this.alerts,
      threshold: options.dlqAlertThreshold,
      resend: (message) => this.#resend(message),
    });
    const host: DeliveryHost<D> = {
      processed,
      retry: options.retry,
      counters: this.counters,
      deadLetter: (delivery, reason, error) => this.#deadLetter(delivery, reason, error),
      reply: (delivery, consumer, payload) => this.#reply(delivery.message, consumer, payload),
      settle: (delivery, outcome) => this.settleDelivery(delivery, outcome),
    };
    this.host = host;
  }

  /**
   * Delivers a checked message to its target's consumers, waiting for queue space. `fresh`:
   * the bus minted the id in this send, so no consumer can have handled it (see
   * {@link Delivery.unseen}).
   */
  protected abstract dispatch(
    message: BusMessage,
    expiresAt: number,
    fresh: boolean,
  ): Promise<BusMessage>;

  /** Hands a checked reply to the bus instance `replyTo`. */
  protected abstract transmitReply(replyTo: string, reply: BusMessage): Promise<void>;

  /** Called before a request is sent; Redis starts reading this instance's reply stream. */
  protected prepareRequest(): void {}

  /** Called when a delivery is finished with; Redis acknowledges the stream entry. */
  protected settleDelivery(_delivery: D, _outcome: DeliveryOutcome): void | Promise<void> {}

  /** Per-consumer figures for {@link BusCore.stats}. */
  protected abstract consumerStats(): ConsumerStats[];

  /** Closes the transport after the core has failed its waiters. */
  protected abstract closeTransport(): Promise<void>;

  abstract subscribe(
    consumer: ConsumerSpec,
    handler: MessageHandler,
    options?: SubscribeOptions,
  ): Promise<Subscription>;

  send(input: BusMessageInput): Promise<BusMessage> {
    if (this.closed) return Promise.reject(closedError());
    let message: BusMessage;
    try {
      message = this.check.normalize(input, this.options.clock.now());
    } catch (error) {
      return Promise.reject(error);
    }
    const expiresAt = this.check.createdMs + message.ttlMs;
    const fresh = this.check.mintedId;
    const limiter = this.options.limiter;
    if (limiter === undefined) return this.dispatch(message, expiresAt, fresh);
    const wait = limiter(message.source);
    if (wait === 0) return this.dispatch(message, expiresAt, fresh);
    if (isThenable(wait)) {
      return Promise.resolve(wait).then((ms) => this.#afterLimit(message, expiresAt, fresh, ms));
    }
    return this.#afterLimit(message, expiresAt, fresh, wait);
  }

  broadcast(input: Omit<BusMessageInput, 'target'>): Promise<BusMessage> {
    return this.send({ ...input, target: BROADCAST });
  }

  request(input: BusMessageInput, options: RequestOptions = {}): Promise<BusMessage> {
    if (input?.target === BROADCAST) {
      return Promise.reject(
        invalidField('target', 'one agent:NAME or role:NAME (a request has one answer)', '*'),
      );
    }
    if (this.closed) return Promise.reject(closedError());
    let message: BusMessage;
    try {
      this.prepareRequest();
      message = this.check.normalize(
        { ...input, replyTo: this.instanceId },
        this.options.clock.now(),
      );
    } catch (error) {
      return Promise.reject(error);
    }
    const expiresAt = this.check.createdMs + message.ttlMs;
    const fresh = this.check.mintedId;
    // Waiting starts before the send: an in-process reply can arrive before send() resolves.
    const reply = this.pending.wait(message, options.timeoutMs ?? this.options.requestTimeoutMs);
    const limiter = this.options.limiter;
    const sent = Promise.resolve(limiter === undefined ? 0 : limiter(message.source)).then((ms) =>
      this.#afterLimit(message, expiresAt, fresh, ms),
    );
    sent.catch((error: Error) => this.pending.fail(message.id, error));
    return reply;
  }

  onAlert(listener: AlertListener): () => void {
    return this.alerts.on(listener);
  }

  async stats(): Promise<BusStats> {
    const c = this.counters;
    return {
      kind: this.kind,
      sent: c.sent,
      handled: c.handled,
      failedAttempts: c.failedAttempts,
      deadLettered: c.deadLettered,
      expired: c.expired,
      duplicates: c.duplicates,
      rateLimited: c.rateLimited,
      throttled: c.throttled,
      dlqSize: await this.dlq.count(),
      consumers: this.consumerStats(),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pending.failAll(closedError());
    await this.closeTransport();
  }

  #afterLimit(
    message: BusMessage,
    expiresAt: number,
    fresh: boolean,
    waitMs: number,
  ): Promise<BusMessage> {
    if (waitMs > 0) {
      this.counters.rateLimited++;
      return Promise.reject(rateLimitedError(message.source, waitMs));
    }
    return this.dispatch(message, expiresAt, fresh);
  }

  #resend(message: BusMessage): Promise<BusMessage> {
    if (this.closed) return Promise.reject(closedError());
    let checked: BusMessage;
    try {
      checked = this.check.normalize(message, this.options.clock.now());
    } catch (error) {
      return Promise.reject(error);
    }
    return this.dispatch(checked, this.check.createdMs + checked.ttlMs, false);
  }

  #deadLetter(delivery: D, reason: DeadLetterReason, error: string): Promise<unknown> {
    return this.dlq.add({
      message: delivery.message,
      consumer: delivery.dedupeKey,
      reason,
      error,
      attempts: reason === 'expired' ? 0 : delivery.attempt,
    });
  }

  async #reply(
    request: BusMessage,
    consumer: string,
    payload: MessagePayloadInput,
  ): Promise<BusMessage> {
    if (request.replyTo === undefined) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `message ${request.id} was not sent with request(), so nobody waits for a reply; send a new message instead`,
        { details: { id: request.id } },
      );
    }
    const reply = this.check.normalize(
      {
        source: consumer,
        target: `agent:${request.source}`,
        type: 'result',
        priority: request.priority,
        correlationId: request.id,
        conversationId: request.conversationId,
        payload,
      },
      this.options.clock.now(),
    );
    await this.transmitReply(request.replyTo, reply);
    return reply;
  }
}

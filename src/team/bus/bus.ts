/**
 * @module The `Bus` seam: how agents send, broadcast, ask and subscribe, and the delivery
 * contract every implementation keeps (at-least-once with idempotent consumption,
 * per-conversation order, priorities under backlog, bounded queues with throttled senders,
 * retries then the dead-letter queue, request/response with timeouts). Implementations:
 * {@link InProcessBus} (default) and {@link RedisStreamsBus}; both pass
 * `test/unit/team/bus/bus-conformance.ts`.
 */
import type { Clock } from '../../core/index.js';
import type { BusMessage, BusMessageInput, MessagePayloadInput } from './bus-message.js';
import type { AlertListener, DeadLetterQueue } from './dead-letter.js';
import type { ProcessedLog } from './processed-log.js';
import type { RetryOptions } from './retry-policy.js';
import type { RateLimitOption } from './send-limiter.js';

/** Who subscribes: an agent by name, with the roles it serves. */
export interface ConsumerSpec {
  readonly name: string;
  readonly roles?: readonly string[];
}

/** What a handler is told besides the message. */
export interface DeliveryContext {
  /** The consuming agent's name. */
  readonly consumer: string;
  /** 1 for the first try of this delivery, 2 for the first retry... */
  readonly attempt: number;
  /**
   * Answers a message sent with {@link Bus.request}: sends a `result` to the requester with
   * `correlationId` = the request's id. INPUT_INVALID for a message nobody waits on.
   */
  reply(payload: MessagePayloadInput): Promise<BusMessage>;
}

/**
 * Handles one message. Returning (or resolving) acknowledges it; throwing (or rejecting)
 * makes the bus retry with backoff, then dead-letter it.
 */
export type MessageHandler = (message: BusMessage, context: DeliveryContext) => unknown;

/** Options of {@link Bus.subscribe}. */
export interface SubscribeOptions {
  /** Handlers running at once (never two of one conversation); default 1. */
  readonly concurrency?: number;
  /**
   * Messages this subscription holds unfinished (queued here and running) at most. In-process
   * it replaces the bus's `queueCapacity` for this consumer; on Redis it bounds prefetch.
   */
  readonly maxInFlight?: number;
}

/** A live subscription. */
export interface Subscription {
  readonly consumer: ConsumerSpec;
  /** Stops taking messages and waits for running handlers to finish. */
  close(): Promise<void>;
}

/** Options of {@link Bus.request}. */
export interface RequestOptions {
  /** How long to wait for the reply; default the bus's `requestTimeoutMs`. */
  readonly timeoutMs?: number;
}

/** Per-consumer figures in {@link BusStats}. */
export interface ConsumerStats {
  readonly name: string;
  readonly roles: readonly string[];
  /** Subscribed in this bus instance now. */
  readonly online: boolean;
  /** Waiting to be handled here (not running). */
  readonly queued: number;
  /** Handlers running now. */
  readonly running: number;
}

/** Counters since the bus opened (this instance only). */
export interface BusStats {
  readonly kind: BusKind;
  readonly sent: number;
  readonly handled: number;
  /** Handler attempts that threw. */
  readonly failedAttempts: number;
  readonly deadLettered: number;
  readonly expired: number;
  /** Deliveries skipped because the consumer had handled that id already. */
  readonly duplicates: number;
  readonly rateLimited: number;
  /** Sends that had to wait for queue space. */
  readonly throttled: number;
  readonly dlqSize: number;
  readonly consumers: readonly ConsumerStats[];
}

/** The implementation behind a {@link Bus}. */
export type BusKind = 'in-process' | 'redis';

/**
 * The team message bus.
 *
 * @example
 * const bus: Bus = new InProcessBus();
 * await bus.subscribe({ name: 'data', roles: ['analyst'] }, async (msg, ctx) => {
 *   if (msg.type === 'query') await ctx.reply({ action: 'answer', context: { rows: 3 } });
 * });
 * const reply = await bus.request(
 *   { source: 'code', target: 'role:analyst', type: 'query', payload: { action: 'count' } },
 *   { timeoutMs: 5_000 },
 * );
 */
export interface Bus {
  readonly kind: BusKind;
  /**
   * Validates and sends one message to `agent:NAME`, `role:NAME` or `*`; resolves to the
   * complete message once it is queued for its target. Waits while the target's queue is full
   * (RATE_LIMITED with `reason: 'backpressure'` after `sendTimeoutMs`). Refuses with
   * INPUT_INVALID (bad field, expired), PAYLOAD_TOO_LARGE, NOT_FOUND (unknown target),
   * RATE_LIMITED (`reason: 'rate_limit'`, `retryAfterMs`) or SHUTTING_DOWN.
   */
  send(message: BusMessageInput): Promise<BusMessage>;
  /** {@link Bus.send} to every subscribed agent but the sender. */
  broadcast(message: Omit<BusMessageInput, 'target'>): Promise<BusMessage>;
  /**
   * Sends and waits for the reply (`context.reply()` in the handler); TIMEOUT when none comes
   * in time. The reply's `correlationId` is the request's id.
   */
  request(message: BusMessageInput, options?: RequestOptions): Promise<BusMessage>;
  /** Starts handling messages for `consumer` (its name and roles become known targets). */
  subscribe(
    consumer: ConsumerSpec,
    handler: MessageHandler,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  /** The dead-letter queue. */
  readonly dlq: DeadLetterQueue;
  /** Calls `listener` on alerts (DLQ past its threshold...); returns the unsubscribe function. */
  onAlert(listener: AlertListener): () => void;
  stats(): Promise<BusStats>;
  /** Closes subscriptions, fails waiting requests and sends with SHUTTING_DOWN. */
  close(): Promise<void>;
}

/** Options both buses take. */
export interface BusOptions {
  readonly clock?: Clock;
  /** Largest payload in bytes of canonical JSON; default 256 KiB. */
  readonly maxPayloadBytes?: number;
  /** TTL of a message that names none; default one hour. */
  readonly defaultTtlMs?: number;
  /** Messages waiting or running per consumer (Redis: per target stream); default 1,024. */
  readonly queueCapacity?: number;
  /** How long a send waits for queue space; default 5 s. */
  readonly sendTimeoutMs?: number;
  /** Default wait of {@link Bus.request}; default 30 s. */
  readonly requestTimeoutMs?: number;
  readonly retry?: RetryOptions;
  /** Per-agent send limit; default seed 002's 100 messages/minute/agent; `false` for none. */
  readonly rateLimit?: RateLimitOption;
  /** Record of handled ids; default in memory (in-process) or in Redis. */
  readonly processedLog?: ProcessedLog;
  /** DLQ size past which `onAlert` fires; default 100. */
  readonly dlqAlertThreshold?: number;
  /** DLQ entries kept; default 10,000. */
  readonly dlqMaxEntries?: number;
}

/** Default TTL: one hour. */
export const DEFAULT_TTL_MS = 3_600_000;
/** Default per-consumer queue bound. */
export const DEFAULT_QUEUE_CAPACITY = 1_024;
/** Default back-pressure wait. */
export const DEFAULT_SEND_TIMEOUT_MS = 5_000;
/** Default request timeout. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

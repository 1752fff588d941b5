/**
 * @module The team message bus: one {@link Bus} interface, an in-process implementation (the
 * default) and a Redis Streams one (scale-out), the seed 002 message schema, the dead-letter
 * queue, per-agent send limits and the processed-id seam that makes delivery idempotent.
 */

// The seam and its contract
export type {
  Bus,
  BusKind,
  BusOptions,
  BusStats,
  ConsumerSpec,
  ConsumerStats,
  DeliveryContext,
  MessageHandler,
  RequestOptions,
  SubscribeOptions,
  Subscription,
} from './bus.js';
export {
  DEFAULT_QUEUE_CAPACITY,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_SEND_TIMEOUT_MS,
  DEFAULT_TTL_MS,
} from './bus.js';
// Messages
export {
  type BusMessage,
  type BusMessageInput,
  type BusTarget,
  busMessageInputSchema,
  busMessageSchema,
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_PRIORITY,
  type JsonObject,
  LEARNING_SIGNAL_TYPES,
  type LearningSignal,
  type LearningSignalType,
  MAX_PRIORITY,
  MESSAGE_TYPES,
  type MessagePayload,
  type MessagePayloadInput,
  type MessageType,
  MIN_PRIORITY,
  PAI_PHASES,
  type PaiBlock,
  type PaiBlockInput,
  type PaiPhase,
} from './bus-message.js';
export { agentTarget, BROADCAST, parseTarget, roleTarget, type TargetRef } from './bus-target.js';
// Dead letters and alerts
export {
  type AlertListener,
  type BusAlert,
  DEFAULT_DLQ_ALERT_THRESHOLD,
  DEFAULT_DLQ_MAX_ENTRIES,
  type DeadLetter,
  type DeadLetterQueue,
  type DeadLetterReason,
} from './dead-letter.js';
// Implementations
export { InProcessBus } from './in-process-bus.js';
export { decodeMessage, encodeMessage } from './message-codec.js';
export {
  DEFAULT_PROCESSED_CAPACITY,
  InMemoryProcessedLog,
  type ProcessedLog,
} from './processed-log.js';
export { DEFAULT_KEY_PREFIX, RedisBusKeys } from './redis-keys.js';
export { RedisProcessedLog, type RedisProcessedLogOptions } from './redis-processed-log.js';
export { RedisStreamsBus, type RedisStreamsBusOptions } from './redis-streams-bus.js';
export { DEFAULT_RETRY, type RetryOptions } from './retry-policy.js';
export {
  DEFAULT_MESSAGES_PER_MINUTE,
  type RateLimitOption,
  type SendLimiter,
  TokenBucket,
  type TokenBucketOptions,
  tokenBucketLimiter,
} from './send-limiter.js';

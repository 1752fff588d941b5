/**
 * @module The message every agent sends and receives (seed 002 "Agent Communication Protocol"):
 * the TypeScript shape, its constants and the zod schemas that document it and decode it from
 * the wire. The send path checks messages with the hand-written {@link normalizeMessage}
 * (`message-check.ts`) instead, because a zod parse costs several times the whole in-process
 * delivery budget; a property test keeps the two in agreement.
 */

import { z } from 'zod';
import { AGENT_NAME_PATTERN } from '../../core/index.js';
import { ALGORITHM_PHASES, SIGNAL_TYPES } from '../../memory/index.js';
import { isJsonValue, isPlainObject } from './json-value.js';

/** What a message is for (seed 002). */
export const MESSAGE_TYPES = ['task', 'result', 'handoff', 'query', 'heartbeat', 'learn'] as const;
/** One of {@link MESSAGE_TYPES}. */
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** The phases of the seed's 7-phase algorithm, lower snake case. */
export const PAI_PHASES = ALGORITHM_PHASES;
/** One of {@link PAI_PHASES}. */
export type PaiPhase = (typeof PAI_PHASES)[number];

/** The seed's `SignalType` list ("Memory Signals & Learning"), lower snake case. */
export const LEARNING_SIGNAL_TYPES = SIGNAL_TYPES;
/** One of {@link LEARNING_SIGNAL_TYPES}. */
export type LearningSignalType = (typeof LEARNING_SIGNAL_TYPES)[number];

/** Lowest and highest priority; 10 is handled first. */
export const MIN_PRIORITY = 1;
export const MAX_PRIORITY = 10;
/** Priority of a message that names none. */
export const DEFAULT_PRIORITY = 5;
/** Longest id-like string (conversation, correlation, task ids, reply addresses, actions). */
export const MAX_ID_LENGTH = 128;
/** Longest time to live accepted: the largest delay a Node timer can express (~24.8 days). */
export const MAX_TTL_MS = 2 ** 31 - 1;
/** Default cap on a payload's canonical JSON (256 KiB). */
export const DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;

/**
 * Where a message goes: one agent by name (`agent:code`), whichever member of a role
 * (`role:qa`), or every subscribed agent but the sender (`*`).
 */
export type BusTarget = `agent:${string}` | `role:${string}` | '*';

/** A JSON object (what `payload.context` and signal contexts hold). */
export type JsonObject = { [key: string]: unknown };

/** A learning signal attached to a message (seed 002 `LearningSignal`). */
export interface LearningSignal {
  readonly type: LearningSignalType;
  /** From -1 (strongly negative) to 1 (strongly positive). */
  readonly weight: number;
  readonly context?: JsonObject;
}

/** The algorithm block of a message (seed 002 `pai`). */
export interface PaiBlock {
  readonly phase: PaiPhase;
  readonly verificationCriteria: readonly string[];
  readonly learningSignals: readonly LearningSignal[];
}

/** What a message carries. */
export interface MessagePayload {
  readonly taskId?: string | undefined;
  /** What to do, e.g. `implement_feature`. */
  readonly action: string;
  readonly context: JsonObject;
  /** Ids of memories the receiver should load. */
  readonly memoryRefs: readonly string[];
}

/** A complete, validated message as delivered to handlers. */
export interface BusMessage {
  /** UUIDv7; also the idempotency key: a consumer handles one id once. */
  readonly id: string;
  /** ISO-8601 UTC. */
  readonly timestamp: string;
  /** The sending agent's name. */
  readonly source: string;
  readonly target: BusTarget;
  readonly type: MessageType;
  /** 1-10, 10 highest. */
  readonly priority: number;
  readonly payload: MessagePayload;
  readonly pai?: PaiBlock | undefined;
  /** Links a reply to its request, or messages of one exchange. */
  readonly correlationId?: string | undefined;
  /** Ordering key: one consumer handles a conversation's messages one at a time, in send order. */
  readonly conversationId: string;
  /** Set by {@link Bus.request}: where the reply goes. Handlers answer with `context.reply()`. */
  readonly replyTo?: string | undefined;
  /** Milliseconds after `timestamp` when the message is no longer worth delivering. */
  readonly ttlMs: number;
  /** Delivery attempts that failed before this message was (re)sent; 0 for a fresh message. */
  readonly attempts: number;
}

/** The payload as a sender writes it: `context` and `memoryRefs` may be left out. */
export interface MessagePayloadInput {
  readonly taskId?: string | undefined;
  readonly action: string;
  readonly context?: JsonObject | undefined;
  readonly memoryRefs?: readonly string[] | undefined;
}

/** The `pai` block as a sender writes it. */
export interface PaiBlockInput {
  readonly phase: PaiPhase;
  readonly verificationCriteria?: readonly string[] | undefined;
  readonly learningSignals?: readonly LearningSignal[] | undefined;
}

/**
 * A message as a sender writes it; the bus fills `id`, `timestamp`, `priority` (5),
 * `conversationId` (`correlationId ?? id`), `ttlMs` (the bus default) and `attempts` (0).
 */
export interface BusMessageInput {
  readonly id?: string | undefined;
  readonly timestamp?: string | undefined;
  readonly source: string;
  readonly target: BusTarget | string;
  readonly type: MessageType;
  readonly priority?: number | undefined;
  readonly payload: MessagePayloadInput;
  readonly pai?: PaiBlockInput | undefined;
  readonly correlationId?: string | undefined;
  readonly conversationId?: string | undefined;
  readonly replyTo?: string | undefined;
  readonly ttlMs?: number | undefined;
  readonly attempts?: number | undefined;
}

/** Agent and role names: the agent-config rule, so names line up with agent specs. */
export const NAME_PATTERN = AGENT_NAME_PATTERN;
/** `agent:NAME`, `role:NAME` or `*`. */
export const TARGET_PATTERN = /^(?:(?:agent|role):[a-z][a-z0-9-]{0,62}|\*)$/;
/** UUIDv7 text, lower or upper case (RFC 9562: version nibble 7, variant 10xx). */
export const UUID_V7_PATTERN =
  /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

const jsonObject = z.custom<JsonObject>(
  (v) => isPlainObject(v) && isJsonValue(v),
  'a JSON object (plain objects, arrays, strings, finite numbers, booleans, null)',
);
const idString = z.string().min(1).max(MAX_ID_LENGTH);

const learningSignalSchema = z.strictObject({
  type: z.enum(LEARNING_SIGNAL_TYPES),
  weight: z.number().min(-1).max(1),
  context: jsonObject.optional(),
});

/** Schema of a complete {@link BusMessage}, as it travels on the wire. */
export const busMessageSchema = z.strictObject({
  id: z.string().regex(UUID_V7_PATTERN, 'a UUIDv7'),
  timestamp: z.iso.datetime(),
  source: z.string().regex(NAME_PATTERN, 'an agent name'),
  target: z.string().regex(TARGET_PATTERN, 'agent:NAME, role:NAME or *'),
  type: z.enum(MESSAGE_TYPES),
  priority: z.number().int().min(MIN_PRIORITY).max(MAX_PRIORITY),
  payload: z.strictObject({
    taskId: idString.optional(),
    action: idString,
    context: jsonObject,
    memoryRefs: z.array(z.string().min(1)),
  }),
  pai: z
    .strictObject({
      phase: z.enum(PAI_PHASES),
      verificationCriteria: z.array(z.string().min(1)),
      learningSignals: z.array(learningSignalSchema),
    })
    .optional(),
  correlationId: idString.optional(),
  conversationId: idString,
  replyTo: idString.optional(),
  ttlMs: z.number().int().min(1).max(MAX_TTL_MS),
  attempts: z.number().int().min(0),
});

/** Schema of a {@link BusMessageInput}: the same rules, with the bus-filled fields optional. */
export const busMessageInputSchema = busMessageSchema.extend({
  id: busMessageSchema.shape.id.optional(),
  timestamp: busMessageSchema.shape.timestamp.optional(),
  priority: busMessageSchema.shape.priority.optional(),
  payload: busMessageSchema.shape.payload.extend({
    context: jsonObject.optional(),
    memoryRefs: z.array(z.string().min(1)).optional(),
  }),
  pai: z
    .strictObject({
      phase: z.enum(PAI_PHASES),
      verificationCriteria: z.array(z.string().min(1)).optional(),
      learningSignals: z.array(learningSignalSchema).optional(),
    })
    .optional(),
  conversationId: idString.optional(),
  ttlMs: busMessageSchema.shape.ttlMs.optional(),
  attempts: busMessageSchema.shape.attempts.optional(),
});

/**
 * @module The wire protocol of `/api/v1/stream`: the channel names, the client messages (zod
 * schemas, parsed into typed messages or an INPUT_INVALID message that says what is allowed),
 * the server messages, the close codes and the subprotocols. Seed 002's "WebSocket Protocol",
 * flattened (no `payload` wrapper) and extended with channels, resumable ids and rate limits.
 */
import { z } from 'zod';
import type { StreamEventType } from './event-journal.js';

/** The fixed channels and the event type each carries. `conversation:<uuid>` channels come on top. */
export const STREAM_CHANNELS = {
  agents: 'agent_status',
  faults: 'fault',
  tasks: 'task_update',
  thoughts: 'thought',
  tools: 'tool_call',
  ledger: 'ledger_append',
  approvals: 'approval',
  budgets: 'budget_alert',
  runs: 'run_event',
  alerts: 'alert',
  logs: 'log',
} as const satisfies Record<string, StreamEventType>;

/** A fixed channel's name. */
export type FixedStreamChannel = keyof typeof STREAM_CHANNELS;

/** A channel: a fixed one or one conversation's (`message`, `message_chunk`, `message_complete`). */
export type StreamChannel = FixedStreamChannel | `conversation:${string}`;

const FIXED = new Set<string>(Object.keys(STREAM_CHANNELS));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CONVERSATION_PREFIX = 'conversation:';

/** True when `name` is a channel a client may subscribe to. */
export function isStreamChannel(name: string): name is StreamChannel {
  if (FIXED.has(name)) return true;
  return name.startsWith(CONVERSATION_PREFIX) && UUID.test(name.slice(CONVERSATION_PREFIX.length));
}

/**
 * The channel of one conversation, for the chat code's `journal.publish`.
 *
 * @example
 * journal.publish(conversationChannel(id), 'message_chunk', { messageId, content: 'Hi' });
 */
export function conversationChannel(conversationId: string): StreamChannel {
  return `${CONVERSATION_PREFIX}${conversationId}`;
}

const ALLOWED_CHANNELS = `${Object.keys(STREAM_CHANNELS).join(', ')}, conversation:<uuid>`;

/** Subprotocol every client offers; the server always answers with it. */
export const STREAM_SUBPROTOCOL = 'agentvisor.v1';

/**
 * Prefix of the subprotocol that carries an API key or operator token (`bearer.<token>`), for
 * clients that cannot set headers (browsers). Tokens never go in the URL, where logs keep them.
 */
export const BEARER_SUBPROTOCOL_PREFIX = 'bearer.';

/** Close codes the server uses, besides the standard 1000, 1001 and 1009. */
export const STREAM_CLOSE_CODES = {
  /** Normal closure. */
  normal: 1000,
  /** The server is shutting down. */
  goingAway: 1001,
  /** A client message exceeded the size limit. */
  messageTooBig: 1009,
  /** The session behind the connection ended (logout, expiry, user disabled). */
  sessionEnded: 4001,
  /** The client did not read fast enough and fell behind the journal. */
  slowConsumer: 4008,
} as const;

/** Largest chat message a client may send (seed 002 Input Sanitization: 50,000 characters). */
export const MAX_CONTENT_CHARS = 50_000;

const requestId = z.string().min(1).max(128).optional();
const channelList = z
  .array(
    z.string().refine(isStreamChannel, {
      error: (issue) =>
        `unknown channel ${JSON.stringify(issue.input)}; allowed: ${ALLOWED_CHANNELS}`,
    }),
  )
  .min(1, 'expected at least one channel')
  .max(64, 'at most 64 channels per message');

const subscribeMessage = z
  .object({
    type: z.literal('subscribe'),
    channels: channelList,
    /** Resume after this event id (the largest id the client has seen). */
    lastId: z.number().int().nonnegative().optional(),
    /** The journal epoch of `lastId`, from an earlier `subscribed`; a mismatch is a gap. */
    epoch: z.string().max(64).optional(),
    requestId,
  })
  .strict();

const unsubscribeMessage = z
  .object({ type: z.literal('unsubscribe'), channels: channelList, requestId })
  .strict();

const sendMessage = z
  .object({
    type: z.literal('send_message'),
    conversationId: z.string().regex(UUID, 'expected a conversation id (UUID)'),
    content: z
      .string()
      .min(1, 'expected a non-empty message')
      .max(MAX_CONTENT_CHARS, `at most ${MAX_CONTENT_CHARS} characters`),
    requestId,
  })
  .strict();

const pingMessage = z.object({ type: z.literal('ping'), requestId }).strict();

const SCHEMAS = {
  subscribe: subscribeMessage,
  unsubscribe: unsubscribeMessage,
  send_message: sendMessage,
  ping: pingMessage,
} as const;

/** A client message after validation. */
export type ClientMessage =
  | z.infer<typeof subscribeMessage>
  | z.infer<typeof unsubscribeMessage>
  | z.infer<typeof sendMessage>
  | z.infer<typeof pingMessage>;

/** What a client may send, by type. */
export const CLIENT_MESSAGE_TYPES = Object.keys(SCHEMAS) as readonly ClientMessage['type'][];

/** Parse result: the message, or what was wrong (and the request id, when one could be read). */
export type ParsedClientMessage =
  | { readonly ok: true; readonly message: ClientMessage }
  | { readonly ok: false; readonly message: string; readonly requestId?: string };

/**
 * Parses one text frame into a client message.
 *
 * @example
 * const parsed = parseClientMessage('{"type":"ping"}');
 * if (parsed.ok) handle(parsed.message);
 */
export function parseClientMessage(text: string): ParsedClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      message: `expected a JSON object such as {"type":"ping"}: ${(error as Error).message}`,
    };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, message: 'expected a JSON object with a "type" field' };
  }
  const record = value as Record<string, unknown>;
  const id =
    typeof record['requestId'] === 'string' && record['requestId'].length <= 128
      ? { requestId: record['requestId'] }
      : {};
  const type = record['type'];
  const schema =
    typeof type === 'string' && Object.hasOwn(SCHEMAS, type)
      ? SCHEMAS[type as keyof typeof SCHEMAS]
      : undefined;
  if (schema === undefined) {
    return {
      ok: false,
      message: `type: expected one of ${CLIENT_MESSAGE_TYPES.join(', ')}, got ${JSON.stringify(type ?? null)}`,
      ...id,
    };
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const where = issue.path.length === 0 ? type : pathText(issue.path);
      return `${where}: ${issue.message}`;
    });
    return { ok: false, message: `${type}: ${problems.join('; ')}`, ...id };
  }
  return { ok: true, message: parsed.data };
}

function pathText(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) =>
      typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');
}

/** `subscribed`: the connection's whole subscription after a subscribe or unsubscribe. */
export interface SubscribedMessage {
  readonly type: 'subscribed';
  /** Every channel the connection is subscribed to now, sorted. */
  readonly channels: readonly string[];
  /** The newest event id when the subscription changed; replayed events (≤ it) follow. */
  readonly lastId: number;
  /** The journal's epoch: send it back with `lastId` when resuming. */
  readonly epoch: string;
  readonly requestId?: string;
}

/** `pong`: the answer to `ping`. */
export interface PongMessage {
  readonly type: 'pong';
  readonly requestId?: string;
  /** Server time, ISO-8601. */
  readonly at: string;
}

/**
 * `error`: a client message was refused, or a resume had a gap. The socket stays open. Codes:
 * INPUT_INVALID, FORBIDDEN, RATE_LIMITED (with `retryAfterMs`), RESUME_GAP (with `oldestId`
 * and `resync: true`: refetch state over REST, live events continue), UNAVAILABLE, INTERNAL,
 * and any code of an `AgentvisorError` from sending a chat message.
 */
export interface ErrorMessage {
  readonly type: 'error';
  readonly code: string;
  readonly message: string;
  readonly requestId?: string;
  readonly details?: Record<string, unknown>;
  readonly retryAfterMs?: number;
  readonly oldestId?: number;
  readonly resync?: boolean;
}

/** An event as sent: `{type, id, channel, at, data}`. */
export interface EventMessage {
  readonly type: StreamEventType;
  readonly id: number;
  readonly channel: string;
  readonly at: string;
  readonly data: unknown;
}

/** Everything the server sends. */
export type ServerMessage = SubscribedMessage | PongMessage | ErrorMessage | EventMessage;

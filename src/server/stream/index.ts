/**
 * @module The live stream (`/api/v1/stream`): the event journal every live event goes through,
 * the sources that feed it from the running system, the WebSocket route, and the wire protocol.
 * This file is the module's whole public surface.
 */

// The journal: ids, the resumable ring
export {
  DEFAULT_JOURNAL_CAPACITY,
  type JournalRead,
  STREAM_EVENT_TYPES,
  type StreamEvent,
  type StreamEventType,
  StreamJournal,
  type StreamJournalOptions,
} from './event-journal.js';
// The connection's injected chat handler
export type { SendMessageHandler } from './stream-connection.js';
// The wire protocol
export {
  BEARER_SUBPROTOCOL_PREFIX,
  CLIENT_MESSAGE_TYPES,
  type ClientMessage,
  conversationChannel,
  type ErrorMessage,
  type EventMessage,
  type FixedStreamChannel,
  isStreamChannel,
  MAX_CONTENT_CHARS,
  type ParsedClientMessage,
  type PongMessage,
  parseClientMessage,
  type ServerMessage,
  STREAM_CHANNELS,
  STREAM_CLOSE_CODES,
  STREAM_SUBPROTOCOL,
  type StreamChannel,
  type SubscribedMessage,
} from './stream-protocol.js';
// The route
export {
  DEFAULT_STREAM_LIMITS,
  registerStreamRoute,
  type StreamLimits,
  type StreamRoute,
  type StreamRouteOptions,
} from './stream-route.js';
// The sources
export {
  connectStreamSources,
  type StreamSourceSystem,
  type StreamSupervision,
} from './stream-sources.js';

/**
 * @module Wires the WebSocket stream to a running system: one journal per process fed by the
 * system's events and the chat, the `/api/v1/stream` route authenticated like the REST API, chat
 * messages sent over the socket run as `conversation.send` in the sender's name, and a socket
 * closes when the session it was opened with ends.
 */
import type { FastifyInstance } from 'fastify';
import type { AgentSupervision, AgentvisorSystem, AlertSystem } from '../system/index.js';
import type { ApiAuthenticator } from './api/index.js';
import {
  connectStreamSources,
  conversationChannel,
  registerStreamRoute,
  StreamJournal,
  type StreamRoute,
} from './stream/index.js';

/** What {@link registerLiveStream} needs. */
export interface LiveStreamOptions {
  readonly system: AgentvisorSystem;
  readonly authenticate: ApiAuthenticator;
  readonly supervision?: AgentSupervision;
  readonly alerts?: AlertSystem;
}

/** Mounts the stream; returns the journal (for tests and benchmarks) and the route. */
export async function registerLiveStream(
  app: FastifyInstance,
  options: LiveStreamOptions,
): Promise<{ journal: StreamJournal; route: StreamRoute }> {
  const { system } = options;
  const journal = new StreamJournal();
  const stopSources = connectStreamSources(journal, system, options.supervision);
  const stopChat = system.conversations.onEvent((event) =>
    journal.publish(conversationChannel(event.conversationId), event.type, event.data),
  );
  const route = await registerStreamRoute(app, {
    journal,
    authenticate: options.authenticate,
    allowedOrigins: [...system.config.server.allowed_origins],
    limits: {
      messagesPerMinute: system.config.rate_limits.websocket.messages,
      connectionsPerUser: system.config.rate_limits.websocket.connections,
    },
    onSendMessage: async (caller, message) =>
      (
        await system.kernel.call(caller.caller, 'conversation.send', {
          id: message.conversationId,
          content: message.content,
        })
      ).result,
  });
  const stopAlerts = options.alerts?.onAlert((event) => journal.publish('alerts', 'alert', event));
  const stopLogs = system.logs.writer.onLog((entry) => journal.publish('logs', 'log', entry));
  const stopSessions = system.access.sessions.onEnded((sessionId) => {
    route.closeCallers((caller) => caller.sessionId === sessionId, 'session ended');
  });
  app.addHook('onClose', async () => {
    stopSources();
    stopChat();
    stopSessions();
    stopAlerts?.();
    stopLogs();
  });
  return { journal, route };
}

/**
 * @module The chat with the orchestrator: conversations and their messages. A sent message's
 * answer streams on the WebSocket channel `conversation:<id>` (`message_chunk` ...
 * `message_complete`); the REST answer returns at once with the pending reply.
 */
import { type ApiRoute, apiRoute } from './api-route.js';

/** The conversation routes. */
export function conversationRoutes(): ApiRoute[] {
  return [
    apiRoute({
      method: 'POST',
      path: '/conversations',
      summary: 'Start a conversation with the orchestrator',
      tag: 'Chat',
      role: 'operator',
      op: 'conversation.create',
      status: 201,
    }),
    apiRoute({
      method: 'GET',
      path: '/conversations',
      summary: 'Conversations, most recently active first',
      tag: 'Chat',
      role: 'viewer',
      op: 'conversation.list',
    }),
    apiRoute({
      method: 'GET',
      path: '/conversations/:id',
      summary: 'A conversation with its messages',
      tag: 'Chat',
      role: 'viewer',
      op: 'conversation.show',
    }),
    apiRoute({
      method: 'POST',
      path: '/conversations/:id/messages',
      summary:
        'Send a message (with optional text attachments); the answer streams on the conversation channel',
      tag: 'Chat',
      role: 'operator',
      op: 'conversation.send',
      status: 202,
    }),
  ];
}

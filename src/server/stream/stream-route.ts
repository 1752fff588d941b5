/**
 * @module `GET /api/v1/stream`: the live WebSocket stream. Everything that can refuse a client
 * (origin, credentials, the per-user connection cap) runs as an `onRequest` hook, so a refused
 * client gets a plain HTTP answer (403, 401, 429) and is never upgraded. Browsers authenticate
 * with the session cookie the upgrade request carries; programs send `Authorization: Bearer`,
 * or, where they cannot set headers, offer the subprotocols `agentvisor.v1` and
 * `bearer.<token>` (never a token in the URL, where access logs keep it). The server always
 * answers with `agentvisor.v1`, never echoing the token.
 */
import type { IncomingMessage } from 'node:http';
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import WebSocket from 'ws';
import {
  AgentvisorError,
  actorOf,
  type Clock,
  systemClock,
  toAgentvisorError,
} from '../../core/index.js';
import type { ApiCaller } from '../api/api-caller.js';
import type { StreamJournal } from './event-journal.js';
import {
  ChannelIndex,
  type ConnectionLimits,
  type SendMessageHandler,
  StreamConnection,
} from './stream-connection.js';
import {
  BEARER_SUBPROTOCOL_PREFIX,
  STREAM_CLOSE_CODES,
  STREAM_SUBPROTOCOL,
} from './stream-protocol.js';

/** Limits of the stream; every one optional. */
export interface StreamLimits {
  /** Largest client message in bytes; a larger one closes the socket with 1009. Default 64 KiB. */
  readonly maxMessageBytes?: number;
  /** Unsent bytes a socket may hold before it is closed with 4008. Default 1 MiB. */
  readonly maxBufferedBytes?: number;
  /** Client messages per minute per connection. Default 30 (seed 002 Rate Limiting, websocket). */
  readonly messagesPerMinute?: number;
  /** Open streams per user or key; more are refused with 429. Default 5 (seed 002 Rate Limiting). */
  readonly connectionsPerUser?: number;
  /** Ping interval; a socket that missed the previous pong is terminated. Default 30 s. */
  readonly heartbeatMs?: number;
  /** Channels one connection may hold. Default 64. */
  readonly maxChannels?: number;
  /** How long a closing handshake may take before the socket is cut. Default 5 s. */
  readonly closeGraceMs?: number;
}

/** The defaults of {@link StreamLimits}. */
export const DEFAULT_STREAM_LIMITS = {
  maxMessageBytes: 64 * 1024,
  maxBufferedBytes: 1024 * 1024,
  messagesPerMinute: 30,
  connectionsPerUser: 5,
  heartbeatMs: 30_000,
  maxChannels: 64,
  closeGraceMs: 5_000,
} as const satisfies Required<StreamLimits>;

/** Options for {@link registerStreamRoute}. */
export interface StreamRouteOptions {
  readonly journal: StreamJournal;
  /**
   * Who the upgrade request is (session cookie or `Authorization: Bearer`); throws an
   * `AgentvisorError` (UNAUTHENTICATED) otherwise. A `bearer.<token>` subprotocol is presented
   * to it as an `Authorization` header.
   */
  readonly authenticate: (request: FastifyRequest) => Promise<ApiCaller>;
  /** Handles `send_message` for operators and admins; without it, `send_message` is UNAVAILABLE. */
  readonly onSendMessage?: SendMessageHandler;
  readonly limits?: StreamLimits;
  /** Origins allowed besides the server's own (e.g. a Vite dev server), exactly as browsers send them. */
  readonly allowedOrigins?: readonly string[];
  /** Default `/api/v1/stream`. */
  readonly path?: string;
  /** For the message rate limit (tests pin it). */
  readonly clock?: Clock;
}

/** The mounted stream. */
export interface StreamRoute {
  /** Open connections. */
  readonly connectionCount: number;
  /**
   * Closes (4001) every connection whose caller matches: a logout, an expired session, a
   * disabled user or a revoked key. Returns how many were closed.
   */
  closeCallers(match: (caller: ApiCaller) => boolean, reason?: string): number;
  /**
   * Closes every connection (1001) and refuses new ones; sockets that do not finish the closing
   * handshake within the grace are cut. Runs on the app's close, so shutdown never hangs on a
   * client.
   */
  closeAll(): Promise<void>;
}

function resolveLimits(limits: StreamLimits = {}): ConnectionLimits & {
  connectionsPerUser: number;
  heartbeatMs: number;
} {
  const resolved = { ...DEFAULT_STREAM_LIMITS, ...limits };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new AgentvisorError(
        'CONFIG_INVALID',
        `stream limits.${name}: expected a positive integer, got ${value}`,
      );
    }
  }
  // Writing pauses well before the hard limit, so bursts and resume backlogs flow through
  // the journal instead of piling up in the socket.
  return { ...resolved, highWaterBytes: Math.max(1, Math.floor(resolved.maxBufferedBytes / 4)) };
}

function offeredProtocols(header: string | string[] | undefined): string[] {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  return text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/** Same-origin (the Origin's host is the Host the request was sent to), or listed. */
function originAllowed(
  origin: string,
  host: string | undefined,
  allowed: ReadonlySet<string>,
): boolean {
  if (allowed.has(origin)) return true;
  if (host === undefined || host === '') return false;
  try {
    const url = new URL(origin);
    // Parsed with the origin's scheme so default ports compare equal ("host" vs "host:443").
    return url.host === new URL(`${url.protocol}//${host}`).host;
  } catch {
    return false;
  }
}

function isUpgrade(request: FastifyRequest): boolean {
  const upgrade = request.headers.upgrade;
  return typeof upgrade === 'string' && upgrade.toLowerCase() === 'websocket';
}

/**
 * Mounts the stream on `app`. It registers `@fastify/websocket` itself (with the size limit,
 * the subprotocol choice and the shutdown it needs), so the app must not register it elsewhere.
 *
 * @example
 * const journal = new StreamJournal();
 * const stream = await registerStreamRoute(app, { journal, authenticate, onSendMessage });
 * // on logout:
 * stream.closeCallers((c) => c.sessionId === sessionId);
 */
export async function registerStreamRoute(
  app: FastifyInstance,
  options: StreamRouteOptions,
): Promise<StreamRoute> {
  if (app.hasDecorator('websocketServer')) {
    throw new AgentvisorError(
      'CONFLICT',
      '@fastify/websocket is already registered; let registerStreamRoute register it (it sets the size limit and the subprotocol)',
    );
  }
  const limits = resolveLimits(options.limits);
  const { journal } = options;
  const clock = options.clock ?? systemClock;
  const path = options.path ?? '/api/v1/stream';
  const allowedOrigins = new Set(options.allowedOrigins ?? []);
  const connections = new Set<StreamConnection>();
  const openPerUser = new Map<string, number>();
  const callers = new WeakMap<IncomingMessage, ApiCaller>();
  const index = new ChannelIndex();
  let closing: Promise<void> | undefined;

  const stopJournal = journal.onEvent((event) => {
    const subscribers = index.subscribers(event.channel);
    if (subscribers === undefined) return;
    for (const connection of subscribers) connection.offer(event);
  });
  const heartbeat = setInterval(() => {
    for (const connection of connections) connection.heartbeat();
  }, limits.heartbeatMs);
  heartbeat.unref();

  const closeAll = (): Promise<void> => {
    closing ??= (async () => {
      clearInterval(heartbeat);
      stopJournal();
      const open = [...connections];
      for (const connection of open) {
        connection.close(STREAM_CLOSE_CODES.goingAway, 'server shutting down');
      }
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, limits.closeGraceMs);
        timer.unref();
      });
      await Promise.race([Promise.all(open.map((c) => c.whenClosed())), grace]);
      clearTimeout(timer);
      for (const connection of open) connection.terminate();
    })();
    return closing;
  };

  const wsOptions = {
    maxPayload: limits.maxMessageBytes,
    // The token rides in `bearer.<token>`; answering with it would copy it into the response.
    handleProtocols: (protocols: Set<string>) =>
      protocols.has(STREAM_SUBPROTOCOL) ? STREAM_SUBPROTOCOL : false,
    // Not in @types/ws, honoured by ws 8: bounds a closing handshake ws starts (e.g. on 1009).
    closeTimeout: limits.closeGraceMs,
  };
  await app.register(websocket, {
    options: wsOptions,
    errorHandler(error, socket, request) {
      // ws has already begun the close with the right code (1009 for an oversized frame);
      // cutting the socket here would lose that close frame.
      request.log.debug({ err: error }, 'stream socket error');
      if (socket.readyState === WebSocket.OPEN) socket.close(1011, 'internal error');
    },
    preClose: async () => {
      await closeAll();
    },
  });

  const refuse = (reply: FastifyReply, error: AgentvisorError, status = error.status) =>
    reply.code(status).send(error.toJSON());

  const admit = async (request: FastifyRequest, reply: FastifyReply) => {
    if (closing !== undefined) {
      return refuse(reply, new AgentvisorError('SHUTTING_DOWN', 'the server is shutting down'));
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !originAllowed(origin, request.headers.host, allowedOrigins)) {
      return refuse(
        reply,
        new AgentvisorError(
          'FORBIDDEN',
          `origin ${origin} may not open the stream: only pages served by this server (or listed in allowedOrigins) may`,
        ),
      );
    }
    const offered = offeredProtocols(request.headers['sec-websocket-protocol']);
    const bearer = offered.find((p) => p.startsWith(BEARER_SUBPROTOCOL_PREFIX));
    if (bearer !== undefined) {
      if (!offered.includes(STREAM_SUBPROTOCOL)) {
        return refuse(
          reply,
          new AgentvisorError(
            'INPUT_INVALID',
            `offer the subprotocol "${STREAM_SUBPROTOCOL}" together with "${BEARER_SUBPROTOCOL_PREFIX}<token>"; the server answers with "${STREAM_SUBPROTOCOL}"`,
          ),
        );
      }
      request.headers.authorization ??= `Bearer ${bearer.slice(BEARER_SUBPROTOCOL_PREFIX.length)}`;
    }
    let caller: ApiCaller;
    try {
      caller = await options.authenticate(request);
    } catch (error) {
      const e = toAgentvisorError(error);
      if (e.code === 'INTERNAL')
        request.log.error({ err: e.cause }, 'stream authentication failed');
      return refuse(reply, e);
    }
    if (!isUpgrade(request)) return; // the HTTP handler answers 426
    const user = actorOf(caller.caller);
    const open = openPerUser.get(user) ?? 0;
    if (open >= limits.connectionsPerUser) {
      return refuse(
        reply,
        new AgentvisorError(
          'RATE_LIMITED',
          `${caller.display} already has ${open} open streams, the most allowed; close one first`,
          { details: { limit: limits.connectionsPerUser } },
        ),
      );
    }
    // The slot is held by the TCP connection: freed however it ends, upgraded or not.
    openPerUser.set(user, open + 1);
    request.raw.socket.once('close', () => {
      const left = (openPerUser.get(user) ?? 1) - 1;
      if (left <= 0) openPerUser.delete(user);
      else openPerUser.set(user, left);
    });
    callers.set(request.raw, caller);
  };

  app.route({
    method: 'GET',
    url: path,
    onRequest: admit,
    handler: async (_request, reply) =>
      reply
        .code(426)
        .header('upgrade', 'websocket')
        .send({
          code: 'INPUT_INVALID',
          message: `${path} is a WebSocket endpoint: connect with a WebSocket client (subprotocol "${STREAM_SUBPROTOCOL}")`,
        }),
    wsHandler: (socket, request) => {
      const caller = callers.get(request.raw);
      if (caller === undefined || closing !== undefined) {
        socket.close(STREAM_CLOSE_CODES.goingAway, 'server shutting down');
        return;
      }
      const connection = new StreamConnection({
        socket,
        caller,
        journal,
        index,
        limits,
        clock,
        log: request.log,
        ...(options.onSendMessage === undefined ? {} : { onSendMessage: options.onSendMessage }),
        onClosed: (c) => connections.delete(c),
      });
      connections.add(connection);
    },
  });

  return {
    get connectionCount() {
      return connections.size;
    },
    closeCallers(match, reason = 'session ended') {
      let closed = 0;
      for (const connection of [...connections]) {
        if (match(connection.caller)) {
          connection.close(STREAM_CLOSE_CODES.sessionEnded, reason);
          closed += 1;
        }
      }
      return closed;
    },
    closeAll,
  };
}

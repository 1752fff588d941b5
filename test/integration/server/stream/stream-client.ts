/**
 * @module Test harness for the stream: a minimal Fastify app with only the stream route and a
 * fake `authenticate` (bearer token or `av_session` cookie from a fixed table), listening on an
 * ephemeral loopback port, and a `ws` client that records what it receives.
 */
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import WebSocket from 'ws';
import { AgentvisorError, type Clock } from '../../../../src/core/index.js';
import type { ApiCaller } from '../../../../src/server/api/api-caller.js';
import {
  registerStreamRoute,
  type SendMessageHandler,
  type ServerMessage,
  STREAM_SUBPROTOCOL,
  StreamJournal,
  type StreamLimits,
  type StreamRoute,
} from '../../../../src/server/stream/index.js';

/** Credentials the fake authenticate accepts. */
export const CALLERS: Readonly<Record<string, ApiCaller>> = {
  'tok-viewer': {
    caller: { kind: 'apikey', id: 'key-viewer' },
    role: 'viewer',
    credential: 'apikey',
    display: 'viewer key',
  },
  'tok-operator': {
    caller: { kind: 'apikey', id: 'key-operator' },
    role: 'operator',
    credential: 'apikey',
    display: 'operator key',
  },
  'session-alice': {
    caller: { kind: 'human', id: 'alice@example.com' },
    role: 'admin',
    credential: 'session',
    display: 'alice@example.com',
    sessionId: 'session-alice',
  },
};

async function fakeAuthenticate(request: FastifyRequest): Promise<ApiCaller> {
  const cookie = /(?:^|;\s*)av_session=([^;]+)/.exec(request.headers.cookie ?? '')?.[1];
  const header = request.headers.authorization;
  const bearer = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
  const found = CALLERS[cookie ?? bearer ?? ''];
  if (found === undefined) throw new AgentvisorError('UNAUTHENTICATED', 'sign in first');
  return found;
}

/** A running stream server. */
export interface StreamServer {
  readonly app: FastifyInstance;
  readonly journal: StreamJournal;
  readonly route: StreamRoute;
  /** `ws://127.0.0.1:<port>/api/v1/stream` */
  readonly url: string;
  /** `http://127.0.0.1:<port>` (what a same-origin page sends as Origin). */
  readonly origin: string;
  close(): Promise<void>;
}

/** Starts an app with only the stream route. */
export async function startStreamServer(
  options: {
    journal?: StreamJournal;
    limits?: StreamLimits;
    allowedOrigins?: string[];
    onSendMessage?: SendMessageHandler;
    clock?: Clock;
  } = {},
): Promise<StreamServer> {
  const app = Fastify();
  const journal = options.journal ?? new StreamJournal();
  const route = await registerStreamRoute(app, {
    journal,
    authenticate: fakeAuthenticate,
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.allowedOrigins === undefined ? {} : { allowedOrigins: options.allowedOrigins }),
    ...(options.onSendMessage === undefined ? {} : { onSendMessage: options.onSendMessage }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    app,
    journal,
    route,
    url: `ws://127.0.0.1:${address.port}/api/v1/stream`,
    origin: `http://127.0.0.1:${address.port}`,
    close: () => app.close(),
  };
}

/** How a test client authenticates. */
export interface ConnectOptions {
  /** Sent as `Authorization: Bearer`. */
  token?: string;
  /** Sent as the `av_session` cookie. */
  session?: string;
  /** Subprotocols to offer. */
  protocols?: string[];
  origin?: string;
  autoPong?: boolean;
}

function clientOptions(options: ConnectOptions): WebSocket.ClientOptions {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  if (options.session !== undefined) headers['cookie'] = `av_session=${options.session}`;
  return {
    headers,
    ...(options.origin === undefined ? {} : { origin: options.origin }),
    ...(options.autoPong === undefined ? {} : { autoPong: options.autoPong }),
  };
}

/** A connected client that keeps every message it receives. */
export class StreamClient {
  readonly ws: WebSocket;
  readonly received: ServerMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #read = 0;
  #wake: (() => void) | undefined;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => {
      this.received.push(JSON.parse(String(data)) as ServerMessage);
      this.#wake?.();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.#wake?.();
      });
    });
  }

  /** Connects, or rejects with the HTTP status of a refused upgrade. */
  static connect(url: string, options: ConnectOptions = {}): Promise<StreamClient> {
    const ws = new WebSocket(url, options.protocols ?? [], clientOptions(options));
    const client = new StreamClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next unread message matching `match` (messages before it are marked read). */
  async next(match: (m: ServerMessage) => boolean = () => true): Promise<ServerMessage> {
    for (;;) {
      while (this.#read < this.received.length) {
        const message = this.received[this.#read]!;
        this.#read += 1;
        if (match(message)) return message;
      }
      if (this.ws.readyState === WebSocket.CLOSED) {
        throw new Error(`socket closed; received ${JSON.stringify(this.received)}`);
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  /** The next `n` events (messages with an id), skipping control messages. */
  async events(n: number): Promise<ServerMessage[]> {
    const out: ServerMessage[] = [];
    while (out.length < n) out.push(await this.next((m) => 'id' in m));
    return out;
  }

  /** Stops reading from the TCP socket, as a client that hangs would. */
  pause(): void {
    (this.ws as unknown as { _socket: Socket })._socket.pause();
  }

  resume(): void {
    (this.ws as unknown as { _socket: Socket })._socket.resume();
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close();
    return this.closed;
  }
}

/** Tries to connect and returns the HTTP answer of a refused upgrade. */
export function refusal(
  url: string,
  options: ConnectOptions = {},
): Promise<{ status: number; body: { code?: string; message?: string } }> {
  const ws = new WebSocket(url, options.protocols ?? [], clientOptions(options));
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('the upgrade was accepted'));
    });
    ws.once('unexpected-response', (_request, response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, body: text === '' ? {} : JSON.parse(text) });
        ws.terminate();
      });
    });
    ws.once('error', () => {});
  });
}

export { STREAM_SUBPROTOCOL };

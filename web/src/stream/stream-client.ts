/**
 * @module The dashboard's one WebSocket to `/api/v1/stream` (the server allows a few per user,
 * so every view shares it). Views add listeners on channels; the client subscribes and
 * unsubscribes in batches, reconnects with backoff when the socket drops, and resumes from the
 * last event id it saw so nothing is missed. When the server reports a gap (it restarted, or the
 * client was away too long) each listener's `onResync` runs so the view refetches over REST.
 */
import {
  backoffDelay,
  ChannelCounts,
  isChannelName,
  ResumeCursor,
  subscriptionDiff,
} from './stream-cursor.js';

/** An event from the server: `{type, id, channel, at, data}`. */
export interface StreamEvent<D = Record<string, unknown>> {
  readonly type: string;
  readonly id: number;
  readonly channel: string;
  readonly at: string;
  readonly data: D;
}

/** Where the connection stands. */
export type StreamStatus = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'ended';

/** A view's interest in some channels. */
export interface StreamListener {
  readonly channels: readonly string[];
  readonly onEvent: (event: StreamEvent) => void;
  /** The server could not replay everything missed: refetch the view's state. */
  readonly onResync?: () => void;
}

/** The part of a WebSocket the client uses (the browser's, or a test's). */
export interface StreamSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/** Where the client runs: how it opens sockets and learns that the network is back. */
export interface StreamEnvironment {
  /** `ws(s)://<host>/api/v1/stream`. */
  readonly url: string;
  createSocket(url: string, protocols: string[]): StreamSocket;
  /** Calls `listener` when the network comes back; returns the function that stops it. */
  onOnline?(listener: () => void): () => void;
}

/** Options for {@link StreamClient}. */
export interface StreamClientOptions {
  readonly environment: StreamEnvironment;
  /** The server closed the stream because the session ended (logout, expiry, disabled). */
  readonly onSessionEnded?: () => void;
}

const SUBPROTOCOL = 'agentvisor.v1';
const SESSION_ENDED = 4001;
const PING_EVERY_MS = 30_000;
const PONG_WITHIN_MS = 10_000;
const FLUSH_DELAY_MS = 40;
/** `WebSocket.OPEN`. */
const OPEN = 1;

/**
 * See the module comment.
 *
 * @example
 * const client = new StreamClient({ environment: browserStreamEnvironment(), onSessionEnded: signOut });
 * client.start();
 * const stop = client.listen({ channels: ['agents'], onEvent: (e) => console.log(e) });
 */
export class StreamClient {
  readonly #options: StreamClientOptions;
  readonly #listeners = new Set<StreamListener>();
  readonly #counts = new ChannelCounts();
  readonly #cursor = new ResumeCursor();
  readonly #statusListeners = new Set<(status: StreamStatus) => void>();
  #socket: StreamSocket | undefined;
  #stopOnline: (() => void) | undefined;
  /** Channels this socket has asked the server for. */
  #sent = new Set<string>();
  #status: StreamStatus = 'idle';
  #attempt = 0;
  #started = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #pongTimer: ReturnType<typeof setTimeout> | undefined;
  #lastError: string | undefined;
  /** Subscriptions sent and not yet answered, by request id. */
  #requests = new Map<string, { channels: string[]; resume: Record<string, unknown> }>();
  #nextRequest = 0;
  /** Channels this server refused (an older server without them); never asked for again. */
  readonly #rejected = new Set<string>();

  constructor(options: StreamClientOptions) {
    this.#options = options;
  }

  get status(): StreamStatus {
    return this.#status;
  }

  /** The last error the server sent, for the status tooltip. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Opens the socket (and keeps it open) until {@link stop}. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#stopOnline = this.#options.environment.onOnline?.(this.#reconnectNow);
    this.#connect();
  }

  /** Closes the socket for good (sign-out). */
  stop(): void {
    this.#started = false;
    this.#stopOnline?.();
    this.#stopOnline = undefined;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#flushTimer);
    this.#stopHeartbeat();
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket !== undefined) {
      this.#detach(socket);
      socket.close(1000, 'signed out');
    }
    this.#setStatus('idle');
  }

  /** Adds a listener; returns the function that removes it. */
  listen(listener: StreamListener): () => void {
    const bad = listener.channels.filter((c) => !isChannelName(c));
    if (bad.length > 0) console.warn(`stream: not a channel, ignored: ${bad.join(', ')}`);
    const entry: StreamListener =
      bad.length === 0
        ? listener
        : { ...listener, channels: listener.channels.filter(isChannelName) };
    this.#listeners.add(entry);
    for (const channel of entry.channels) this.#counts.add(channel);
    this.#scheduleFlush();
    return () => {
      if (!this.#listeners.delete(entry)) return;
      const now = Date.now();
      for (const channel of entry.channels) this.#counts.remove(channel, now);
      this.#scheduleFlush();
    };
  }

  /** Follows the connection's status; returns the function that stops following. */
  onStatus(listener: (status: StreamStatus) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  #setStatus(status: StreamStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    for (const listener of this.#statusListeners) listener(status);
  }

  readonly #reconnectNow = (): void => {
    if (!this.#started || this.#socket !== undefined) return;
    clearTimeout(this.#retryTimer);
    this.#connect();
  };

  #connect(): void {
    this.#setStatus(this.#attempt === 0 && this.#status === 'idle' ? 'connecting' : 'reconnecting');
    let socket: StreamSocket;
    try {
      const { environment } = this.#options;
      socket = environment.createSocket(environment.url, [SUBPROTOCOL]);
    } catch (error) {
      this.#lastError = error instanceof Error ? error.message : String(error);
      this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;
    this.#sent = new Set();
    this.#requests = new Map();
    socket.onopen = () => {
      this.#startHeartbeat(socket);
      const wanted = this.#wanted(Date.now());
      if (wanted.size === 0) {
        this.#attempt = 0;
        this.#setStatus('live');
        return;
      }
      this.#sent = wanted;
      this.#subscribe(socket, [...wanted].sort(), this.#cursor.resumeFields());
    };
    socket.onmessage = (message) => this.#receive(message.data);
    socket.onclose = (event) => {
      if (this.#socket !== socket) return;
      this.#lost(socket, event.code, event.reason);
    };
    socket.onerror = () => {
      // A close event follows; the browser gives no detail here.
    };
  }

  #lost(socket: StreamSocket, code: number, reason: string): void {
    this.#detach(socket);
    this.#socket = undefined;
    this.#stopHeartbeat();
    if (!this.#started) return;
    if (code === SESSION_ENDED) {
      this.#started = false;
      this.#lastError = reason || 'session ended';
      this.#setStatus('ended');
      this.#options.onSessionEnded?.();
      return;
    }
    if (reason !== '') this.#lastError = `${reason} (${code})`;
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    this.#setStatus('reconnecting');
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.#connect(), backoffDelay(this.#attempt));
    this.#attempt += 1;
  }

  #detach(socket: StreamSocket): void {
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    socket.onerror = null;
  }

  #startHeartbeat(socket: StreamSocket): void {
    this.#stopHeartbeat();
    // The server pings too, but a browser cannot see those: our own ping finds a connection that
    // died silently (a laptop that slept, a proxy that dropped it).
    this.#pingTimer = setInterval(() => {
      this.#send(socket, { type: 'ping' });
      clearTimeout(this.#pongTimer);
      this.#pongTimer = setTimeout(() => {
        if (this.#socket !== socket) return;
        socket.close();
        this.#lost(socket, 1006, 'no answer to ping');
      }, PONG_WITHIN_MS);
    }, PING_EVERY_MS);
  }

  #stopHeartbeat(): void {
    clearInterval(this.#pingTimer);
    clearTimeout(this.#pongTimer);
  }

  #wanted(now: number): Set<string> {
    const wanted = this.#counts.wanted(now);
    for (const channel of this.#rejected) wanted.delete(channel);
    return wanted;
  }

  #subscribe(socket: StreamSocket, channels: string[], resume: Record<string, unknown> = {}): void {
    this.#nextRequest += 1;
    const requestId = `subscribe-${this.#nextRequest}`;
    this.#requests.set(requestId, { channels, resume });
    this.#send(socket, { type: 'subscribe', channels, ...resume, requestId });
  }

  /**
   * The server refused a subscription: one unknown channel spoils a whole message, so a batch is
   * sent again a channel at a time, and a channel refused alone is given up (the server predates
   * it). The views on the other channels keep working.
   */
  #refused(request: { channels: string[]; resume: Record<string, unknown> }, why: string): void {
    const socket = this.#socket;
    if (socket === undefined) return;
    if (request.channels.length > 1) {
      for (const channel of request.channels) this.#subscribe(socket, [channel], request.resume);
      return;
    }
    const [channel] = request.channels;
    if (channel === undefined) return;
    this.#rejected.add(channel);
    this.#sent.delete(channel);
    console.warn(`stream: the server refused channel ${channel}: ${why}`);
  }

  #send(socket: StreamSocket, message: Record<string, unknown>): void {
    if (socket.readyState === OPEN) socket.send(JSON.stringify(message));
  }

  #scheduleFlush(delay = FLUSH_DELAY_MS): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = setTimeout(() => this.#flush(), delay);
  }

  #flush(): void {
    const socket = this.#socket;
    const now = Date.now();
    if (socket !== undefined && socket.readyState === OPEN) {
      const wanted = this.#wanted(now);
      const { add, remove } = subscriptionDiff(this.#sent, wanted);
      // A channel added mid-connection starts live: its view has just fetched its state.
      if (add.length > 0) this.#subscribe(socket, add);
      if (remove.length > 0) this.#send(socket, { type: 'unsubscribe', channels: remove });
      this.#sent = wanted;
    }
    const next = this.#counts.nextExpiry(now);
    if (next !== undefined) this.#scheduleFlush(next + 10);
  }

  #receive(raw: unknown): void {
    if (typeof raw !== 'string') return;
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return;
    }
    switch (message['type']) {
      case 'subscribed': {
        if (typeof message['requestId'] === 'string') this.#requests.delete(message['requestId']);
        const lastId = message['lastId'];
        const epoch = message['epoch'];
        if (typeof lastId === 'number' && typeof epoch === 'string') {
          this.#cursor.onSubscribed(lastId, epoch);
        }
        this.#attempt = 0;
        this.#setStatus('live');
        return;
      }
      case 'pong':
        clearTimeout(this.#pongTimer);
        return;
      case 'error':
        this.#serverError(message);
        return;
      default:
        this.#dispatch(message);
    }
  }

  #serverError(message: Record<string, unknown>): void {
    const code = String(message['code'] ?? 'ERROR');
    const text = String(message['message'] ?? '');
    this.#lastError = `${code}: ${text}`;
    const requestId = message['requestId'];
    const request = typeof requestId === 'string' ? this.#requests.get(requestId) : undefined;
    if (request !== undefined && code === 'INPUT_INVALID') {
      this.#requests.delete(requestId as string);
      this.#refused(request, text);
      return;
    }
    if (code === 'RESUME_GAP' || message['resync'] === true) {
      for (const listener of [...this.#listeners]) listener.onResync?.();
      return;
    }
    if (code === 'RATE_LIMITED') {
      // Whatever subscription change was refused is sent again once allowed.
      const retry = Number(message['retryAfterMs'] ?? 2000);
      this.#sent = new Set();
      this.#scheduleFlush(Number.isFinite(retry) ? retry : 2000);
      return;
    }
    console.warn('stream:', this.#lastError);
  }

  #dispatch(message: Record<string, unknown>): void {
    const id = message['id'];
    const channel = message['channel'];
    if (typeof id !== 'number' || typeof channel !== 'string') return;
    this.#cursor.onEvent(id);
    const event = message as unknown as StreamEvent;
    for (const listener of [...this.#listeners]) {
      if (!listener.channels.includes(channel)) continue;
      try {
        listener.onEvent(event);
      } catch (error) {
        console.error('stream listener failed', error);
      }
    }
  }
}

/**
 * @module One client's stream: its subscriptions, its message rate, and the delivery of events
 * without unbounded buffering. Each connection reads the shared {@link StreamJournal} like a
 * cursor: while the socket keeps up, events go out as they are published; when its send buffer
 * passes the high-water mark, the connection stops writing and later catches up from the journal
 * itself. Nothing is queued per connection, publishing never waits for a client, and a client
 * whose next event has left the journal's ring is closed with 4008 (slow consumer).
 */
import type { FastifyBaseLogger } from 'fastify';
import WebSocket from 'ws';
import { roleAtLeast } from '../../auth/index.js';
import { type Clock, isAgentvisorError, isoTime } from '../../core/index.js';
import type { ApiCaller } from '../api/api-caller.js';
import type { StreamEvent, StreamJournal } from './event-journal.js';
import {
  type ClientMessage,
  type ErrorMessage,
  parseClientMessage,
  type ServerMessage,
  STREAM_CLOSE_CODES,
} from './stream-protocol.js';

/** Sends a chat message on behalf of a caller (the lead's chat code); typed errors are shown. */
export type SendMessageHandler = (
  caller: ApiCaller,
  message: { readonly conversationId: string; readonly content: string },
) => Promise<unknown>;

/** Limits of one connection, all resolved. */
export interface ConnectionLimits {
  readonly maxMessageBytes: number;
  readonly maxBufferedBytes: number;
  /** Above this many unsent bytes the connection stops writing and catches up later. */
  readonly highWaterBytes: number;
  readonly messagesPerMinute: number;
  readonly maxChannels: number;
  /** How long a closing handshake may take before the socket is cut. */
  readonly closeGraceMs: number;
}

/** Which connections listen on which channel, so a publish touches only its subscribers. */
export class ChannelIndex {
  readonly #byChannel = new Map<string, Set<StreamConnection>>();

  add(channel: string, connection: StreamConnection): void {
    let set = this.#byChannel.get(channel);
    if (set === undefined) {
      set = new Set();
      this.#byChannel.set(channel, set);
    }
    set.add(connection);
  }

  remove(channel: string, connection: StreamConnection): void {
    const set = this.#byChannel.get(channel);
    if (set === undefined) return;
    set.delete(connection);
    if (set.size === 0) this.#byChannel.delete(channel);
  }

  subscribers(channel: string): ReadonlySet<StreamConnection> | undefined {
    return this.#byChannel.get(channel);
  }
}

/** Events read per catch-up step; bounds the work done in one turn of the event loop. */
const CATCH_UP_BATCH = 512;

// One serialisation per event, shared by every connection that sends it.
const wires = new WeakMap<StreamEvent, Buffer>();

function wireOf(event: StreamEvent): Buffer {
  let wire = wires.get(event);
  if (wire === undefined) {
    const { type, id, channel, at, data } = event;
    let text: string;
    try {
      text = JSON.stringify({ type, id, channel, at, data });
    } catch {
      // A publisher handed over a cycle or a BigInt: the event still arrives, so ids stay gap-free.
      text = JSON.stringify({ type, id, channel, at, data: null, dataError: 'unserialisable' });
    }
    wire = Buffer.from(text, 'utf8');
    wires.set(event, wire);
  }
  return wire;
}

function byteLengthOf(data: WebSocket.RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

function textOf(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return data instanceof ArrayBuffer ? Buffer.from(data).toString('utf8') : data.toString('utf8');
}

/** A close reason fits in 123 bytes (RFC 6455 section 5.5: control frames carry at most 125). */
function closeReason(text: string): string {
  let reason = text;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason;
}

/** Options for {@link StreamConnection}. */
export interface StreamConnectionOptions {
  readonly socket: WebSocket;
  readonly caller: ApiCaller;
  readonly journal: StreamJournal;
  readonly index: ChannelIndex;
  readonly limits: ConnectionLimits;
  readonly clock: Clock;
  readonly log: FastifyBaseLogger;
  readonly onSendMessage?: SendMessageHandler;
  /** Called once when the connection ends, however it ends. */
  readonly onClosed: (connection: StreamConnection) => void;
}

/** See the module comment. */
export class StreamConnection {
  readonly caller: ApiCaller;
  readonly #o: StreamConnectionOptions;
  readonly #socket: WebSocket;
  /** Per subscribed channel, the id up to which its events were delivered (or skipped). */
  readonly #floors = new Map<string, number>();
  /**
   * `live`: every published event of its channels has been written. `waiting`: the send buffer
   * is above the high-water mark; events are left in the journal until it drains.
   */
  #mode: 'live' | 'waiting' | 'closed' = 'live';
  /** While waiting: the lowest id that may still have to be delivered. */
  #next: number | undefined;
  #alive = true;
  #tokens: number;
  #refilledAt: number;
  #graceTimer: NodeJS.Timeout | undefined;

  constructor(options: StreamConnectionOptions) {
    this.#o = options;
    this.caller = options.caller;
    this.#socket = options.socket;
    this.#tokens = options.limits.messagesPerMinute;
    this.#refilledAt = options.clock.now();
    this.#socket.on('message', (data, isBinary) => this.#receive(data, isBinary));
    this.#socket.on('pong', () => {
      this.#alive = true;
    });
    this.#socket.on('close', () => this.#ended());
  }

  /** True once the connection has ended or is closing. */
  get closed(): boolean {
    return this.#mode === 'closed';
  }

  /** The channels this connection is subscribed to, sorted. */
  get channels(): string[] {
    return [...this.#floors.keys()].sort();
  }

  /** Hands a just-published event of a subscribed channel to the connection. Never throws. */
  offer(event: StreamEvent): void {
    if (this.#mode === 'live') {
      this.#deliver(event, undefined);
    } else if (this.#mode === 'waiting') {
      this.#next ??= event.id;
      this.#checkBehind();
    }
  }

  /**
   * One heartbeat: terminates a socket that did not answer the previous ping, else pings it.
   * A dead peer (or one that stopped reading) is gone within two intervals.
   */
  heartbeat(): void {
    if (this.#socket.readyState !== WebSocket.OPEN) return;
    if (!this.#alive) {
      this.#o.log.debug({ caller: this.caller.display }, 'stream: no pong, terminating');
      this.#socket.terminate();
      return;
    }
    this.#alive = false;
    this.#socket.ping();
  }

  /** Starts a closing handshake; the socket is cut if it does not finish within the grace. */
  close(code: number, reason: string): void {
    if (this.#mode === 'closed') return;
    this.#detach();
    try {
      this.#socket.close(code, closeReason(reason));
    } catch {
      this.#socket.terminate();
    }
    this.#graceTimer = setTimeout(() => this.#socket.terminate(), this.#o.limits.closeGraceMs);
    this.#graceTimer.unref();
  }

  /** Resolves once the socket is fully closed. */
  whenClosed(): Promise<void> {
    if (this.#socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => this.#socket.once('close', () => resolve()));
  }

  /** Cuts the socket at once (shutdown after the grace). */
  terminate(): void {
    this.#detach();
    this.#socket.terminate();
  }

  #detach(): void {
    if (this.#mode === 'closed') return;
    this.#mode = 'closed';
    for (const channel of this.#floors.keys()) this.#o.index.remove(channel, this);
    this.#o.onClosed(this);
  }

  #ended(): void {
    if (this.#graceTimer !== undefined) clearTimeout(this.#graceTimer);
    this.#detach();
  }

  // --- client messages ---

  #receive(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.#mode === 'closed') return;
    this.#alive = true;
    const size = byteLengthOf(data);
    if (size > this.#o.limits.maxMessageBytes) {
      // ws's maxPayload normally stops such a frame first; this covers fragmented messages.
      this.close(
        STREAM_CLOSE_CODES.messageTooBig,
        `message of ${size} bytes; at most ${this.#o.limits.maxMessageBytes}`,
      );
      return;
    }
    const retryAfterMs = this.#admit();
    if (retryAfterMs !== undefined) {
      this.#error({
        code: 'RATE_LIMITED',
        message: `at most ${this.#o.limits.messagesPerMinute} messages per minute; retry in ${Math.ceil(retryAfterMs / 1000)} s`,
        retryAfterMs,
      });
      return;
    }
    if (isBinary) {
      this.#error({
        code: 'INPUT_INVALID',
        message: 'binary frames are not accepted; send JSON text messages',
      });
      return;
    }
    const parsed = parseClientMessage(textOf(data));
    if (!parsed.ok) {
      this.#error({
        code: 'INPUT_INVALID',
        message: parsed.message,
        ...(parsed.requestId === undefined ? {} : { requestId: parsed.requestId }),
      });
      return;
    }
    this.#dispatch(parsed.message);
  }

  /** Token bucket: `messagesPerMinute` burst, refilled continuously. Undefined when admitted. */
  #admit(): number | undefined {
    const perMinute = this.#o.limits.messagesPerMinute;
    const perMs = perMinute / 60_000;
    const now = this.#o.clock.now();
    this.#tokens = Math.min(perMinute, this.#tokens + Math.max(0, now - this.#refilledAt) * perMs);
    this.#refilledAt = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return undefined;
    }
    return Math.ceil((1 - this.#tokens) / perMs);
  }

  #dispatch(message: ClientMessage): void {
    const requestId = message.requestId === undefined ? {} : { requestId: message.requestId };
    switch (message.type) {
      case 'ping':
        this.#control({ type: 'pong', at: isoTime(this.#o.clock), ...requestId });
        return;
      case 'subscribe':
        this.#subscribe(message.channels, message.lastId, message.epoch, requestId);
        return;
      case 'unsubscribe':
        for (const channel of message.channels) {
          if (this.#floors.delete(channel)) this.#o.index.remove(channel, this);
        }
        this.#subscribed(requestId);
        return;
      case 'send_message':
        void this.#sendMessage(message.conversationId, message.content, requestId);
        return;
    }
  }

  #subscribe(
    channels: readonly string[],
    lastId: number | undefined,
    epoch: string | undefined,
    requestId: { requestId?: string },
  ): void {
    const { journal } = this.#o;
    const added = [...new Set(channels)].filter((c) => !this.#floors.has(c));
    if (this.#floors.size + added.length > this.#o.limits.maxChannels) {
      this.#error({
        code: 'INPUT_INVALID',
        message: `at most ${this.#o.limits.maxChannels} channels per connection (${this.#floors.size} subscribed); unsubscribe some first`,
        ...requestId,
      });
      return;
    }
    const head = journal.lastId;
    let from = head;
    if (lastId !== undefined && added.length > 0) {
      const restarted = epoch !== undefined && epoch !== journal.epoch;
      const oldestId = journal.oldestId;
      if (restarted || lastId > head || lastId < oldestId - 1) {
        this.#error({
          code: 'RESUME_GAP',
          message: restarted
            ? 'the server restarted since that id; reload the state over the REST API'
            : `events after id ${lastId} are no longer kept (oldest kept: ${oldestId}); reload the state over the REST API`,
          oldestId,
          resync: true,
          ...requestId,
        });
      } else {
        from = lastId;
      }
    }
    // Registered before the backlog is read: an event published from here on either reaches
    // the connection live or is read from the journal, and the floor drops whatever it already got.
    for (const channel of added) {
      this.#floors.set(channel, from);
      this.#o.index.add(channel, this);
    }
    this.#subscribed(requestId);
    if (from < head) {
      if (this.#mode === 'live') this.#catchUp(from);
      else if (this.#mode === 'waiting') {
        this.#next = Math.min(this.#next ?? Number.POSITIVE_INFINITY, from + 1);
      }
    }
  }

  #subscribed(requestId: { requestId?: string }): void {
    this.#control({
      type: 'subscribed',
      channels: this.channels,
      lastId: this.#o.journal.lastId,
      epoch: this.#o.journal.epoch,
      ...requestId,
    });
  }

  async #sendMessage(
    conversationId: string,
    content: string,
    requestId: { requestId?: string },
  ): Promise<void> {
    if (!roleAtLeast(this.caller.role, 'operator')) {
      this.#error({
        code: 'FORBIDDEN',
        message: `send_message needs the operator or admin role; ${this.caller.display} is a ${this.caller.role}`,
        ...requestId,
      });
      return;
    }
    const send = this.#o.onSendMessage;
    if (send === undefined) {
      this.#error({
        code: 'UNAVAILABLE',
        message:
          'chat is not available on this server; use POST /api/v1/conversations/:id/messages',
        ...requestId,
      });
      return;
    }
    try {
      await send(this.caller, { conversationId, content });
    } catch (error) {
      if (isAgentvisorError(error)) {
        this.#error({
          code: error.code,
          message: error.message,
          ...(error.details === undefined ? {} : { details: error.details }),
          ...requestId,
        });
      } else {
        this.#o.log.error({ err: error }, 'stream: send_message failed');
        this.#error({
          code: 'INTERNAL',
          message: 'internal error; see the server log for details',
          ...requestId,
        });
      }
    }
  }

  // --- server messages ---

  #error(error: Omit<ErrorMessage, 'type'>): void {
    this.#control({ type: 'error', ...error });
  }

  /** Control messages are small and rare: written at once, behind whatever is already queued. */
  #control(message: ServerMessage): void {
    if (this.#mode === 'closed' || this.#socket.readyState !== WebSocket.OPEN) return;
    const text = JSON.stringify(message);
    const buffered = this.#socket.bufferedAmount;
    if (buffered + text.length > this.#o.limits.maxBufferedBytes) {
      this.#slow(`${buffered} bytes unsent`);
      return;
    }
    this.#socket.send(text);
  }

  /**
   * Writes one event unless its channel already got it. Returns false when the connection stopped
   * writing (high-water mark reached, or closed) and the caller must stop too.
   */
  #deliver(event: StreamEvent, nextAfter: (() => number | undefined) | undefined): boolean {
    const floor = this.#floors.get(event.channel);
    if (floor === undefined || event.id <= floor) return true;
    if (this.#socket.readyState !== WebSocket.OPEN) return false;
    const wire = wireOf(event);
    const buffered = this.#socket.bufferedAmount;
    if (buffered + wire.length > this.#o.limits.maxBufferedBytes) {
      this.#slow(`${buffered} bytes unsent`);
      return false;
    }
    this.#floors.set(event.channel, event.id);
    if (buffered + wire.length <= this.#o.limits.highWaterBytes) {
      this.#socket.send(wire, { binary: false });
      return true;
    }
    // The callback runs once this frame (and so everything before it) is handed to the kernel.
    this.#mode = 'waiting';
    this.#next = nextAfter?.();
    this.#socket.send(wire, { binary: false }, (error) => {
      if (error === undefined || error === null) this.#drained();
    });
    return false;
  }

  #drained(): void {
    if (this.#mode !== 'waiting') return;
    const next = this.#next;
    this.#next = undefined;
    this.#mode = 'live';
    if (next !== undefined) this.#catchUp(next - 1);
  }

  /** Delivers the journal's events after `from` on the subscribed channels, until caught up or paused. */
  #catchUp(from: number): void {
    let cursor = from;
    for (;;) {
      const channels = new Set(this.#floors.keys());
      const read = this.#o.journal.since(cursor, channels, { limit: CATCH_UP_BATCH });
      if (read.kind === 'gap') {
        this.#slow(`fell behind; events after ${cursor} are gone (oldest kept ${read.oldestId})`);
        return;
      }
      const { events, more, scannedTo } = read;
      for (let i = 0; i < events.length; i += 1) {
        // If this write pauses the connection, the next undelivered event is the next one read,
        // or (unknown yet) anything after the scan: the id to watch for eviction.
        const nextAfter = () => events[i + 1]?.id ?? (more ? scannedTo + 1 : undefined);
        if (!this.#deliver(events[i]!, nextAfter)) return;
      }
      cursor = scannedTo;
      if (!more) return;
    }
  }

  /** While waiting: the lowest undelivered id left the ring, so the client can never catch up. */
  #checkBehind(): void {
    const next = this.#next;
    if (next !== undefined && next < this.#o.journal.oldestId) {
      this.#slow(`fell behind; event ${next} is gone (oldest kept ${this.#o.journal.oldestId})`);
    }
  }

  #slow(detail: string): void {
    this.#o.log.warn({ caller: this.caller.display, detail }, 'stream: slow consumer closed');
    this.close(STREAM_CLOSE_CODES.slowConsumer, `slow consumer: ${detail}`);
  }
}

/**
 * @module The dashboard's live stream client against a scripted socket: batched subscriptions,
 * resuming from the last event id after a drop, a reported gap making views refetch, and a
 * session that ended stopping the reconnects.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  StreamClient,
  type StreamEvent,
  type StreamSocket,
} from '../../web/src/stream/stream-client.js';

class FakeSocket implements StreamSocket {
  readyState = 0;
  readonly sent: Record<string, unknown>[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly protocols: string[]) {}

  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }

  close(): void {
    this.readyState = 3;
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  receive(message: Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }

  drop(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

function setup() {
  const sockets: FakeSocket[] = [];
  const ended = vi.fn();
  const client = new StreamClient({
    environment: {
      url: 'ws://test/api/v1/stream',
      createSocket: (_url, protocols) => {
        const socket = new FakeSocket(protocols);
        sockets.push(socket);
        return socket;
      },
    },
    onSessionEnded: ended,
  });
  return { client, sockets, ended };
}

const event = (id: number, channel: string): Record<string, unknown> => ({
  type: 'agent_status',
  id,
  channel,
  at: '2026-01-01T00:00:00Z',
  data: { agent: 'coder' },
});

describe('StreamClient', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('subscribes the channels of every view in one message and delivers their events', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { client, sockets } = setup();
    client.start();
    const agents: StreamEvent[] = [];
    const tasks: StreamEvent[] = [];
    client.listen({ channels: ['agents'], onEvent: (e) => agents.push(e) });
    client.listen({ channels: ['tasks', 'conversation:nope'], onEvent: (e) => tasks.push(e) });
    const socket = sockets[0]!;
    expect(socket.protocols).toEqual(['agentvisor.v1']);
    socket.open();
    // Not a channel the server knows: left out, so it cannot spoil the batch.
    expect(socket.sent).toEqual([
      { type: 'subscribe', channels: ['agents', 'tasks'], requestId: 'subscribe-1' },
    ]);
    expect(warn).toHaveBeenCalledWith('stream: not a channel, ignored: conversation:nope');
    warn.mockRestore();
    socket.receive({ type: 'subscribed', channels: ['agents', 'tasks'], lastId: 7, epoch: 'e1' });
    expect(client.status).toBe('live');
    socket.receive(event(8, 'agents'));
    socket.receive(event(9, 'tasks'));
    expect(agents.map((e) => e.id)).toEqual([8]);
    expect(tasks.map((e) => e.id)).toEqual([9]);
    client.stop();
  });

  it('reconnects after a drop and resumes after the last event it saw', async () => {
    const { client, sockets } = setup();
    client.start();
    client.listen({ channels: ['agents'], onEvent: () => {} });
    sockets[0]!.open();
    sockets[0]!.receive({ type: 'subscribed', channels: ['agents'], lastId: 3, epoch: 'e1' });
    sockets[0]!.receive(event(5, 'agents'));
    sockets[0]!.drop();
    expect(client.status).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(600);
    expect(sockets).toHaveLength(2);
    sockets[1]!.open();
    expect(sockets[1]!.sent[0]).toMatchObject({
      type: 'subscribe',
      channels: ['agents'],
      lastId: 5,
      epoch: 'e1',
    });
    client.stop();
  });

  it('asks the views to refetch when the server cannot replay what was missed', () => {
    const { client, sockets } = setup();
    client.start();
    const resync = vi.fn();
    client.listen({ channels: ['agents'], onEvent: () => {}, onResync: resync });
    sockets[0]!.open();
    sockets[0]!.receive({ type: 'error', code: 'RESUME_GAP', message: 'gone', resync: true });
    expect(resync).toHaveBeenCalledOnce();
    client.stop();
  });

  it('unsubscribes a channel nobody listens to only after its grace', async () => {
    const { client, sockets } = setup();
    client.start();
    sockets[0]!.open();
    const stop = client.listen({ channels: ['runs'], onEvent: () => {} });
    await vi.advanceTimersByTimeAsync(50);
    expect(sockets[0]!.sent).toEqual([
      { type: 'subscribe', channels: ['runs'], requestId: 'subscribe-1' },
    ]);
    stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sockets[0]!.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(sockets[0]!.sent.at(-1)).toEqual({ type: 'unsubscribe', channels: ['runs'] });
    client.stop();
  });

  it('keeps the channels an older server knows when it refuses a newer one', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { client, sockets } = setup();
    client.start();
    const seen: number[] = [];
    client.listen({ channels: ['agents', 'alerts'], onEvent: (e) => seen.push(e.id) });
    const socket = sockets[0]!;
    socket.open();
    const refuse = (requestId: unknown) =>
      socket.receive({
        type: 'error',
        code: 'INPUT_INVALID',
        message: 'unknown channel',
        requestId,
      });
    refuse(socket.sent[0]!['requestId']);
    // One at a time now: the known one is taken, the unknown one given up.
    expect(socket.sent.slice(1).map((m) => m['channels'])).toEqual([['agents'], ['alerts']]);
    socket.receive({
      type: 'subscribed',
      channels: ['agents'],
      lastId: 1,
      epoch: 'e1',
      requestId: socket.sent[1]!['requestId'],
    });
    refuse(socket.sent[2]!['requestId']);
    expect(warn).toHaveBeenCalledWith('stream: the server refused channel alerts: unknown channel');
    socket.receive(event(2, 'agents'));
    expect(seen).toEqual([2]);
    warn.mockRestore();
    client.stop();
  });

  it('stops for good when the server says the session ended', async () => {
    const { client, sockets, ended } = setup();
    client.start();
    sockets[0]!.open();
    sockets[0]!.drop(4001, 'session ended');
    expect(client.status).toBe('ended');
    expect(ended).toHaveBeenCalledOnce();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(1);
  });

  it('finds a silently dead connection with its own ping', async () => {
    const { client, sockets } = setup();
    client.start();
    sockets[0]!.open();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(sockets[0]!.sent.at(-1)).toEqual({ type: 'ping' });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(client.status).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(600);
    expect(sockets).toHaveLength(2);
    client.stop();
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { AgentvisorError, ManualClock } from '../../../../src/core/index.js';
import {
  type ErrorMessage,
  type EventMessage,
  type ServerMessage,
  STREAM_CLOSE_CODES,
  StreamJournal,
  type SubscribedMessage,
} from '../../../../src/server/stream/index.js';
import {
  CALLERS,
  refusal,
  STREAM_SUBPROTOCOL,
  StreamClient,
  type StreamServer,
  startStreamServer,
} from './stream-client.js';

const CONVERSATION = '0190a0b0-0000-7000-8000-00000000000c';

let servers: StreamServer[] = [];
let clients: StreamClient[] = [];

async function server(options: Parameters<typeof startStreamServer>[0] = {}) {
  const s = await startStreamServer(options);
  servers.push(s);
  return s;
}

async function connect(s: StreamServer, options: Parameters<typeof StreamClient.connect>[1] = {}) {
  const c = await StreamClient.connect(s.url, { token: 'tok-viewer', ...options });
  clients.push(c);
  return c;
}

const isType =
  <T extends ServerMessage['type']>(type: T) =>
  (m: ServerMessage): boolean =>
    m.type === type;
const ids = (events: ServerMessage[]) => events.map((e) => (e as EventMessage).id);

afterEach(async () => {
  for (const c of clients) c.ws.terminate();
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  clients = [];
});

describe('stream route: subscriptions', () => {
  it('delivers the events of subscribed channels only, with their ids', async () => {
    const s = await server();
    const c = await connect(s);
    c.send({ type: 'subscribe', channels: ['tasks', `conversation:${CONVERSATION}`] });
    const subscribed = (await c.next(isType('subscribed'))) as SubscribedMessage;
    expect(subscribed.channels).toEqual([`conversation:${CONVERSATION}`, 'tasks']);
    expect(subscribed.epoch).toBe(s.journal.epoch);

    s.journal.publish('agents', 'agent_status', { agent: 'a' });
    s.journal.publish('tasks', 'task_update', { id: 't1', status: 'completed' });
    s.journal.publish(`conversation:${CONVERSATION}`, 'message_chunk', { content: 'Hi' });
    const events = await c.events(2);
    expect(events).toEqual([
      {
        type: 'task_update',
        id: 2,
        channel: 'tasks',
        at: expect.any(String),
        data: { id: 't1', status: 'completed' },
      },
      {
        type: 'message_chunk',
        id: 3,
        channel: `conversation:${CONVERSATION}`,
        at: expect.any(String),
        data: { content: 'Hi' },
      },
    ]);
  });

  it('stops a channel on unsubscribe and reports the remaining subscription', async () => {
    const s = await server();
    const c = await connect(s);
    c.send({ type: 'subscribe', channels: ['tasks', 'ledger'] });
    await c.next(isType('subscribed'));
    c.send({ type: 'unsubscribe', channels: ['tasks'], requestId: 'u1' });
    const after = (await c.next(isType('subscribed'))) as SubscribedMessage;
    expect(after).toMatchObject({ channels: ['ledger'], requestId: 'u1' });
    s.journal.publish('tasks', 'task_update', {});
    s.journal.publish('ledger', 'ledger_append', { seq: 1 });
    // One socket is ordered: had the tasks event been sent, it would arrive first.
    expect(await c.events(1)).toMatchObject([{ channel: 'ledger', id: 2 }]);
  });

  it('resumes after a reconnect with exactly the missed events: no gap, no duplicate', async () => {
    const s = await server();
    const first = await connect(s);
    first.send({ type: 'subscribe', channels: ['tasks', 'agents'] });
    const { epoch } = (await first.next(isType('subscribed'))) as SubscribedMessage;
    s.journal.publish('tasks', 'task_update', { n: 1 });
    s.journal.publish('ledger', 'ledger_append', { n: 2 });
    s.journal.publish('agents', 'agent_status', { n: 3 });
    const seen = await first.events(2);
    expect(ids(seen)).toEqual([1, 3]);
    await first.close();

    // Missed while away, on subscribed and other channels.
    for (let n = 4; n <= 9; n += 1) {
      s.journal.publish(n % 3 === 0 ? 'ledger' : n % 2 === 0 ? 'tasks' : 'agents', 'thought', {
        n,
      });
    }
    const second = await connect(s);
    second.send({ type: 'subscribe', channels: ['tasks', 'agents'], lastId: 3, epoch });
    // Published after the subscribe is sent but possibly before it is handled: still once.
    s.journal.publish('tasks', 'task_update', { n: 10 });
    const subscribed = (await second.next(isType('subscribed'))) as SubscribedMessage;
    expect(subscribed.lastId).toBeGreaterThanOrEqual(9);
    s.journal.publish('agents', 'agent_status', { n: 11 });
    const events = await second.events(6);
    expect(ids(events)).toEqual([4, 5, 7, 8, 10, 11]);
    expect(second.received.some((m) => m.type === 'error')).toBe(false);
  });

  it('replays a channel added to a live connection from the given id, once', async () => {
    const s = await server();
    const c = await connect(s);
    c.send({ type: 'subscribe', channels: ['tasks'] });
    await c.next(isType('subscribed'));
    s.journal.publish('tasks', 'task_update', { n: 1 });
    s.journal.publish('runs', 'run_event', { n: 2 });
    s.journal.publish('tasks', 'task_update', { n: 3 });
    expect(ids(await c.events(2))).toEqual([1, 3]);
    c.send({ type: 'subscribe', channels: ['runs', 'tasks'], lastId: 0 });
    await c.next(isType('subscribed'));
    s.journal.publish('tasks', 'task_update', { n: 4 });
    // Only the new channel is replayed; tasks 1 and 3 are not sent again.
    expect(ids(await c.events(2))).toEqual([2, 4]);
  });

  it('says RESUME_GAP with the oldest kept id when the last id is too old, then streams live', async () => {
    const s = await server({ journal: new StreamJournal({ capacity: 5 }) });
    for (let i = 0; i < 10; i += 1) s.journal.publish('tasks', 'task_update', { i });
    const c = await connect(s);
    c.send({ type: 'subscribe', channels: ['tasks'], lastId: 2, requestId: 'r' });
    const error = (await c.next(isType('error'))) as ErrorMessage;
    expect(error).toMatchObject({ code: 'RESUME_GAP', oldestId: 6, resync: true, requestId: 'r' });
    await c.next(isType('subscribed'));
    s.journal.publish('tasks', 'task_update', { i: 10 });
    expect(ids(await c.events(1))).toEqual([11]);
  });

  it('says RESUME_GAP for an id of another server run (epoch mismatch)', async () => {
    const s = await server();
    s.journal.publish('tasks', 'task_update', {});
    const c = await connect(s);
    c.send({ type: 'subscribe', channels: ['tasks'], lastId: 0, epoch: 'another-run' });
    expect(await c.next(isType('error'))).toMatchObject({ code: 'RESUME_GAP', resync: true });
  });
});

describe('stream route: refusals before the upgrade', () => {
  it('answers 401 to an upgrade without credentials', async () => {
    const s = await server();
    const answer = await refusal(s.url);
    expect(answer).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
    expect(s.route.connectionCount).toBe(0);
  });

  it('accepts the session cookie and the bearer subprotocol, and answers with agentvisor.v1', async () => {
    const s = await server();
    const byCookie = await StreamClient.connect(s.url, { session: 'session-alice' });
    clients.push(byCookie);
    const byProtocol = await StreamClient.connect(s.url, {
      protocols: [STREAM_SUBPROTOCOL, 'bearer.tok-operator'],
    });
    clients.push(byProtocol);
    expect(byProtocol.ws.protocol).toBe(STREAM_SUBPROTOCOL);
    expect(s.route.connectionCount).toBe(2);
    // A bearer subprotocol alone would make the server echo the token: refused.
    expect(await refusal(s.url, { protocols: ['bearer.tok-operator'] })).toMatchObject({
      status: 400,
      body: { code: 'INPUT_INVALID' },
    });
    expect(await refusal(s.url, { protocols: [STREAM_SUBPROTOCOL, 'bearer.wrong'] })).toMatchObject(
      { status: 401 },
    );
  });

  it('answers 403 to a cross-site origin, and accepts its own and listed origins', async () => {
    const s = await server({ allowedOrigins: ['http://localhost:5173'] });
    expect(
      await refusal(s.url, { token: 'tok-viewer', origin: 'https://evil.example' }),
    ).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    await connect(s, { origin: s.origin });
    await connect(s, { origin: 'http://localhost:5173' });
    expect(s.route.connectionCount).toBe(2);
  });

  it('answers 429 past the per-user connection cap', async () => {
    const s = await server({ limits: { connectionsPerUser: 2 } });
    await connect(s);
    await connect(s);
    expect(await refusal(s.url, { token: 'tok-viewer' })).toMatchObject({
      status: 429,
      body: { code: 'RATE_LIMITED' },
    });
    // Another user has their own allowance.
    await connect(s, { token: 'tok-operator' });
  });

  it('answers 426 to a plain HTTP request', async () => {
    const s = await server();
    const response = await s.app.inject({
      method: 'GET',
      url: '/api/v1/stream',
      headers: { authorization: 'Bearer tok-viewer' },
    });
    expect(response.statusCode).toBe(426);
  });
});

describe('stream route: client messages', () => {
  it('answers a bad message with INPUT_INVALID and keeps the socket open', async () => {
    const s = await server();
    const c = await connect(s);
    c.send('not json');
    expect(await c.next()).toMatchObject({ type: 'error', code: 'INPUT_INVALID' });
    c.send({ type: 'subscribe', channels: ['nope'], requestId: 'r2' });
    const error = (await c.next()) as ErrorMessage;
    expect(error).toMatchObject({ code: 'INPUT_INVALID', requestId: 'r2' });
    expect(error.message).toMatch(/unknown channel "nope"; allowed: agents/);
    c.send({ type: 'ping', requestId: 'p1' });
    expect(await c.next()).toMatchObject({ type: 'pong', requestId: 'p1' });
  });

  it('closes with 1009 on a message over the size limit', async () => {
    const s = await server({ limits: { maxMessageBytes: 1024 } });
    const c = await connect(s);
    c.send({ type: 'ping', requestId: 'x'.repeat(2000) });
    expect((await c.closed).code).toBe(STREAM_CLOSE_CODES.messageTooBig);
  });

  it('refuses send_message to a viewer and hands it to onSendMessage for an operator', async () => {
    const sent: unknown[] = [];
    const s = await server({
      onSendMessage: async (caller, message) => {
        if (message.content === 'fail') {
          throw new AgentvisorError('NOT_FOUND', `no conversation ${message.conversationId}`);
        }
        sent.push({ caller: caller.display, ...message });
      },
    });
    const viewer = await connect(s);
    viewer.send({ type: 'send_message', conversationId: CONVERSATION, content: 'hi' });
    expect(await viewer.next()).toMatchObject({ type: 'error', code: 'FORBIDDEN' });

    const operator = await connect(s, { token: 'tok-operator' });
    operator.send({
      type: 'send_message',
      conversationId: CONVERSATION,
      content: 'fail',
      requestId: 'm1',
    });
    expect(await operator.next()).toMatchObject({
      type: 'error',
      code: 'NOT_FOUND',
      requestId: 'm1',
      message: `no conversation ${CONVERSATION}`,
    });
    operator.send({ type: 'send_message', conversationId: CONVERSATION, content: 'hello' });
    operator.send({ type: 'ping' });
    await operator.next(isType('pong'));
    expect(sent).toEqual([
      { caller: CALLERS['tok-operator']!.display, conversationId: CONVERSATION, content: 'hello' },
    ]);
  });

  it('answers RATE_LIMITED with retryAfterMs past the message rate, until the window refills', async () => {
    const clock = new ManualClock(1_000_000);
    const s = await server({ clock, limits: { messagesPerMinute: 3 } });
    const c = await connect(s);
    for (let i = 0; i < 4; i += 1) c.send({ type: 'ping', requestId: `p${i}` });
    const answers = [await c.next(), await c.next(), await c.next(), await c.next()];
    expect(answers.map((m) => m.type)).toEqual(['pong', 'pong', 'pong', 'error']);
    expect(answers[3]).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 20_000 });
    clock.advance(20_000);
    c.send({ type: 'ping', requestId: 'again' });
    expect(await c.next()).toMatchObject({ type: 'pong', requestId: 'again' });
  });
});

describe('stream route: slow and dead clients, shutdown', () => {
  it('closes a client that stops reading with 4008, without ever blocking publish', async () => {
    const s = await server({
      journal: new StreamJournal({ capacity: 32 }),
      limits: { maxBufferedBytes: 256 * 1024 },
    });
    const c = await connect(s);
    c.send({ type: 'subscribe', channels: ['tasks'] });
    await c.next(isType('subscribed'));
    c.pause();
    const payload = 'x'.repeat(16 * 1024);
    let published = 0;
    // Kernel socket buffers absorb the first megabytes; the loop runs until the server gives up.
    while (s.route.connectionCount > 0 && published < 20_000) {
      s.journal.publish('tasks', 'task_update', { payload });
      published += 1;
    }
    expect(s.route.connectionCount).toBe(0);
    c.resume();
    const closed = await c.closed;
    expect(closed.code).toBe(STREAM_CLOSE_CODES.slowConsumer);
    expect(closed.reason).toMatch(/^slow consumer: /);
    // What did arrive arrived in order, without gaps, before the close.
    const got = ids(c.received.filter((m) => 'id' in m));
    expect(got).toEqual(got.map((_, i) => i + 1));
  });

  it('lets a client that reads catch up from the journal after a burst', async () => {
    const s = await server({
      journal: new StreamJournal({ capacity: 10_000 }),
      limits: { maxBufferedBytes: 64 * 1024 },
    });
    const c = await connect(s);
    c.send({ type: 'subscribe', channels: ['tasks'] });
    await c.next(isType('subscribed'));
    const payload = 'y'.repeat(1024);
    for (let i = 0; i < 10_000; i += 1) s.journal.publish('tasks', 'task_update', { payload });
    const events = await c.events(10_000);
    expect(ids(events)).toEqual(events.map((_, i) => i + 1));
    expect(s.route.connectionCount).toBe(1);
  });

  it('terminates a socket that does not answer pings', async () => {
    const s = await server({ limits: { heartbeatMs: 20 } });
    const c = await connect(s, { autoPong: false });
    const closed = await c.closed;
    expect(closed.code).toBe(1006);
    await vi.waitFor(() => expect(s.route.connectionCount).toBe(0));
  });

  it('keeps a socket that answers pings', async () => {
    const s = await server({ limits: { heartbeatMs: 20 } });
    const c = await connect(s);
    let pings = 0;
    c.ws.on('ping', () => {
      pings += 1;
    });
    await vi.waitFor(() => expect(pings).toBeGreaterThanOrEqual(3));
    expect(s.route.connectionCount).toBe(1);
  });

  it('closes the connections of a matching caller with 4001', async () => {
    const s = await server();
    const alice = await connect(s, { token: undefined, session: 'session-alice' });
    const other = await connect(s);
    expect(s.route.closeCallers((c) => c.sessionId === 'session-alice')).toBe(1);
    expect(await alice.closed).toEqual({ code: 4001, reason: 'session ended' });
    other.send({ type: 'ping' });
    expect(await other.next()).toMatchObject({ type: 'pong' });
  });

  it('closes every connection with 1001 when the app closes', async () => {
    const s = await server();
    const a = await connect(s);
    const b = await connect(s, { token: 'tok-operator' });
    await s.close();
    expect((await a.closed).code).toBe(STREAM_CLOSE_CODES.goingAway);
    expect((await b.closed).code).toBe(STREAM_CLOSE_CODES.goingAway);
    expect(s.route.connectionCount).toBe(0);
  });

  it('does not hang shutdown on a client that never answers the close', async () => {
    const s = await server({ limits: { closeGraceMs: 50 } });
    const c = await connect(s);
    c.pause();
    await s.close();
    expect(s.route.connectionCount).toBe(0);
  });
});

/**
 * Every provider against the stub server over real sockets: complete, stream, tool calls, and
 * each fault mapped to the right ProviderError failure, with the Provider stream contract
 * (reject before the first event, final error event after it) and the key never in a message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatRequest, ChatStreamEvent } from '../../../../src/gateway/chat-types.js';
import { ProviderError, type ProviderKind } from '../../../../src/gateway/provider.js';
import {
  type ClosableProvider,
  createProvider,
} from '../../../../src/gateway/providers/create-provider.js';
import { type StubProvider, startStubProvider } from '../../../support/stub-provider.js';

const KEY = 'sk-test-FAKE-KEY-0123456789abcdef';

const request: ChatRequest = {
  model: 'stub-model',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
  ],
  maxTokens: 50,
};

async function collect(events: AsyncIterable<ChatStreamEvent>): Promise<ChatStreamEvent[]> {
  const out: ChatStreamEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  const pe = err as ProviderError;
  expect(pe.message).not.toContain(KEY);
  expect(pe.message).not.toContain('0123456789abcdef');
  return pe;
}

const signal = () => AbortSignal.timeout(10_000);

describe.each<[ProviderKind, (url: string) => string]>([
  ['openai', (url) => `${url}/v1`],
  ['openai-compatible', (url) => `${url}/v1`],
  ['anthropic', (url) => url],
  ['gemini', (url) => url],
])('%s provider against the stub', (kind, base) => {
  let stub: StubProvider;
  let provider: ClosableProvider;
  let slow: ClosableProvider;

  beforeAll(async () => {
    stub = await startStubProvider();
    const env = { STUB_KEY: KEY };
    provider = createProvider(
      {
        name: 'p1',
        kind,
        base_url: base(stub.url),
        api_key_env: 'STUB_KEY',
        local: false,
        timeout_ms: 5_000,
      },
      env,
    );
    slow = createProvider(
      {
        name: 'p2',
        kind,
        base_url: base(stub.url),
        api_key_env: 'STUB_KEY',
        local: false,
        timeout_ms: 300,
      },
      env,
    );
  });
  afterAll(async () => {
    await provider.close();
    await slow.close();
    await stub.close();
  });

  it('completes a text answer with usage', async () => {
    stub.script({ kind: 'text', text: 'Hello there', usage: { input: 20, output: 3, cached: 4 } });
    const res = await provider.complete(request, { signal: signal() });
    expect(res.content).toBe('Hello there');
    expect(res.finishReason).toBe('stop');
    expect(res.toolCalls).toEqual([]);
    expect(res.usage).toEqual({ inputTokens: 20, outputTokens: 3, cachedInputTokens: 4 });
  });

  it('sends the key only in its header', async () => {
    await provider.complete(request, { signal: signal() });
    const sent = stub.requests.at(-1)!;
    const header =
      kind === 'anthropic'
        ? sent.headers['x-api-key']
        : kind === 'gemini'
          ? sent.headers['x-goog-api-key']
          : sent.headers.authorization;
    expect(header).toBe(kind.startsWith('openai') ? `Bearer ${KEY}` : KEY);
    expect(sent.path).not.toContain(KEY);
    expect(JSON.stringify(sent.body)).not.toContain(KEY);
  });

  it('answers with tool calls', async () => {
    stub.script({
      kind: 'tool_calls',
      calls: [
        { id: 'toolu_A1', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { id: 'toolu_B2', name: 'get_time', arguments: '{"tz":"CET"}' },
      ],
    });
    const res = await provider.complete(
      { ...request, tools: [{ name: 'get_weather', parameters: { type: 'object' } }] },
      { signal: signal() },
    );
    expect(res.finishReason).toBe('tool_calls');
    expect(res.toolCalls.map((c) => [c.name, c.arguments])).toEqual([
      ['get_weather', '{"city":"Paris"}'],
      ['get_time', '{"tz":"CET"}'],
    ]);
    if (kind === 'gemini')
      expect(res.toolCalls.map((c) => c.id)).toEqual(['call_stubresp1_0', 'call_stubresp1_1']);
    else expect(res.toolCalls.map((c) => c.id)).toEqual(['toolu_A1', 'toolu_B2']);
  });

  it('streams text and ends with one finish event', async () => {
    stub.script({ kind: 'text', text: 'Streaming works fine', usage: { input: 9, output: 4 } });
    const events = await collect(provider.stream(request, { signal: signal() }));
    expect(events[0]?.type).toBe('start');
    const text = events.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join('');
    expect(text).toBe('Streaming works fine');
    expect(events.at(-1)).toEqual({
      type: 'finish',
      finishReason: 'stop',
      usage: { inputTokens: 9, outputTokens: 4, cachedInputTokens: 0 },
    });
    expect(events.filter((e) => e.type === 'finish' || e.type === 'error')).toHaveLength(1);
  });

  it('streams tool calls', async () => {
    stub.script({
      kind: 'tool_calls',
      calls: [{ id: 'call_X', name: 'lookup', arguments: '{"q":"a b c d e"}' }],
    });
    const events = await collect(provider.stream(request, { signal: signal() }));
    const start = events.find((e) => e.type === 'tool_call_start');
    expect(start).toMatchObject({ index: 0, name: 'lookup' });
    const args = events
      .flatMap((e) => (e.type === 'tool_call_delta' ? [e.argumentsDelta] : []))
      .join('');
    expect(JSON.parse(args)).toEqual({ q: 'a b c d e' });
    expect(events.at(-1)).toMatchObject({ type: 'finish', finishReason: 'tool_calls' });
  });

  it('maps 429 with Retry-After seconds to rate_limited', async () => {
    stub.script({ kind: 'status', status: 429, retryAfter: '7' });
    const e = await failure(provider.complete(request, { signal: signal() }));
    expect([e.failure, e.status, e.retryAfterMs, e.retryable]).toEqual([
      'rate_limited',
      429,
      7000,
      true,
    ]);
  });

  it('maps 429 with an HTTP-date Retry-After', async () => {
    stub.script({
      kind: 'status',
      status: 429,
      retryAfter: new Date(Date.now() + 120_000).toUTCString(),
    });
    const e = await failure(provider.complete(request, { signal: signal() }));
    expect(e.failure).toBe('rate_limited');
    expect(e.retryAfterMs).toBeGreaterThan(60_000);
    expect(e.retryAfterMs).toBeLessThanOrEqual(120_000);
  });

  it.each([
    [500, 'server'],
    [503, 'server'],
    [529, 'server'],
    [401, 'auth'],
    [403, 'auth'],
    [400, 'bad_request'],
    [404, 'bad_request'],
    [422, 'bad_request'],
  ])('maps HTTP %i to %s', async (status, expected) => {
    stub.script({ kind: 'status', status, message: `Incorrect API key provided: ${KEY}` });
    const e = await failure(provider.complete(request, { signal: signal() }));
    expect(e.failure).toBe(expected);
    expect(e.status).toBe(status);
  });

  it('maps a connection reset to network', async () => {
    stub.script({ kind: 'reset' });
    expect((await failure(provider.complete(request, { signal: signal() }))).failure).toBe(
      'network',
    );
  });

  it('maps a hung provider to timeout (provider timeout)', async () => {
    stub.script({ kind: 'hang' });
    expect((await failure(slow.complete(request, { signal: signal() }))).failure).toBe('timeout');
  });

  it('maps an aborted signal to timeout', async () => {
    stub.script({ kind: 'hang' });
    const ac = new AbortController();
    const p = provider.complete(request, { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    expect((await failure(p)).failure).toBe('timeout');
  });

  it('waits for a slow first byte within the timeout', async () => {
    stub.script({ kind: 'delay', ms: 100, response: { kind: 'text', text: 'late but fine' } });
    expect((await provider.complete(request, { signal: signal() })).content).toBe('late but fine');
  });

  it('maps a malformed JSON answer to malformed', async () => {
    stub.script({ kind: 'malformed' });
    expect((await failure(provider.complete(request, { signal: signal() }))).failure).toBe(
      'malformed',
    );
  });

  it('rejects a stream that fails before its first event', async () => {
    for (const [fault, expected] of [
      [{ kind: 'status', status: 503 }, 'server'],
      [{ kind: 'reset' }, 'network'],
      [{ kind: 'status', status: 429, retryAfter: '2' }, 'rate_limited'],
    ] as const) {
      stub.script(fault);
      const e = await failure(collect(provider.stream(request, { signal: signal() })));
      expect(e.failure).toBe(expected);
    }
  });

  it('rejects a stream whose first event never comes', async () => {
    stub.script({ kind: 'hang' });
    expect((await failure(collect(slow.stream(request, { signal: signal() })))).failure).toBe(
      'timeout',
    );
  });

  it('ends a truncated stream with a truncated error event', async () => {
    stub.script({ kind: 'truncate' });
    const events = await collect(provider.stream(request, { signal: signal() }));
    expect(events[0]?.type).toBe('start');
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'truncated' });
    expect(events.some((e) => e.type === 'finish')).toBe(false);
  });

  it('ends a stream with malformed JSON after the first event with a malformed error event', async () => {
    stub.script({ kind: 'malformed' });
    const events = await collect(provider.stream(request, { signal: signal() }));
    expect(events[0]?.type).toBe('start');
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'malformed' });
  });

  it('ends a stream reset mid-way with an error event', async () => {
    stub.script({ kind: 'reset_mid_stream' });
    const events = await collect(provider.stream(request, { signal: signal() }));
    expect(events[0]?.type).toBe('start');
    const last = events.at(-1);
    expect(last?.type).toBe('error');
    expect(['network', 'truncated']).toContain(last?.type === 'error' ? last.code : '');
    expect(JSON.stringify(events)).not.toContain(KEY);
  });

  it('keeps working on the pooled connection after faults', async () => {
    const res = await Promise.all(
      Array.from({ length: 20 }, () => provider.complete(request, { signal: signal() })),
    );
    expect(res.every((r) => r.content === 'Hello from the stub.')).toBe(true);
  });
});

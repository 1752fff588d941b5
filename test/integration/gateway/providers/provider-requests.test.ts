/**
 * What each provider puts on the wire (paths, headers, translated bodies), embeddings for
 * OpenAI and Gemini, and the factory's key handling.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAgentvisorError } from '../../../../src/core/index.js';
import type { ChatRequest } from '../../../../src/gateway/chat-types.js';
import type { ProviderError } from '../../../../src/gateway/provider.js';
import { createProvider } from '../../../../src/gateway/providers/create-provider.js';
import { parseRetryAfter } from '../../../../src/gateway/providers/provider-http.js';
import { type StubProvider, startStubProvider } from '../../../support/stub-provider.js';

const signal = () => AbortSignal.timeout(10_000);
const conv: ChatRequest = {
  model: 'm1',
  messages: [
    { role: 'system', content: 'sys' },
    { role: 'user', content: [{ type: 'text', text: 'weather?' }] },
    {
      role: 'assistant',
      content: '',
      toolCalls: [{ id: 'c1', name: 'wx', arguments: '{"city":"Oslo"}' }],
    },
    { role: 'tool', toolCallId: 'c1', content: '{"temp":3}' },
  ],
  tools: [
    {
      name: 'wx',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' } },
        additionalProperties: false,
      },
    },
  ],
  toolChoice: 'auto',
  maxTokens: 64,
};

let stub: StubProvider;
beforeAll(async () => {
  stub = await startStubProvider();
});
afterAll(() => stub.close());

describe('request shapes', () => {
  it('openai: /v1/chat/completions with max_completion_tokens, stream_options when streaming', async () => {
    const p = createProvider(
      { name: 'o', kind: 'openai', base_url: `${stub.url}/v1`, local: false, timeout_ms: 5000 },
      {},
    );
    await p.complete(conv, { signal: signal() });
    for await (const _ of p.stream(conv, { signal: signal() })) {
      /* drain */
    }
    const [c, s] = stub.requests.slice(-2);
    expect(c?.path).toBe('/v1/chat/completions');
    expect(c?.headers.authorization).toBeUndefined();
    expect(c?.body).toMatchObject({
      model: 'm1',
      max_completion_tokens: 64,
      messages: [
        { role: 'system' },
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1' }] },
        { role: 'tool', tool_call_id: 'c1' },
      ],
    });
    expect(s?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    await p.close();
  });

  it('openai-compatible: max_tokens', async () => {
    const p = createProvider(
      {
        name: 'l',
        kind: 'openai-compatible',
        base_url: `${stub.url}/v1`,
        local: true,
        timeout_ms: 5000,
      },
      {},
    );
    await p.complete(conv, { signal: signal() });
    expect(stub.requests.at(-1)?.body).toMatchObject({ max_tokens: 64 });
    expect(p.local).toBe(true);
    await p.close();
  });

  it('anthropic: /v1/messages, version header, system hoisted, tool_result in a user turn', async () => {
    const p = createProvider(
      {
        name: 'a',
        kind: 'anthropic',
        base_url: `${stub.url}/v1`,
        api_key_env: 'K',
        local: false,
        timeout_ms: 5000,
      },
      { K: 'k-anthropic' },
    );
    await p.complete(conv, { signal: signal() });
    const r = stub.requests.at(-1)!;
    expect(r.path).toBe('/v1/messages');
    expect(r.headers['anthropic-version']).toBe('2023-06-01');
    expect(r.body).toMatchObject({
      system: 'sys',
      max_tokens: 64,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'weather?' }] },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 'c1', name: 'wx', input: { city: 'Oslo' } }],
        },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'c1', content: '{"temp":3}' }],
        },
      ],
      tool_choice: { type: 'auto' },
    });
    await p.close();
  });

  it('gemini: model path, functionResponse by name, schema reduced', async () => {
    const p = createProvider(
      {
        name: 'g',
        kind: 'gemini',
        base_url: stub.url,
        api_key_env: 'K',
        local: false,
        timeout_ms: 5000,
      },
      { K: 'k-gemini' },
    );
    await p.complete({ ...conv, model: 'models/gemini-x' }, { signal: signal() });
    for await (const _ of p.stream(conv, { signal: signal() })) {
      /* drain */
    }
    const [c, s] = stub.requests.slice(-2);
    expect(c?.path).toBe('/v1beta/models/gemini-x:generateContent');
    expect(s?.path).toBe('/v1beta/models/m1:streamGenerateContent?alt=sse');
    expect(c?.body).toMatchObject({
      systemInstruction: { parts: [{ text: 'sys' }] },
      contents: [
        { role: 'user', parts: [{ text: 'weather?' }] },
        { role: 'model', parts: [{ functionCall: { name: 'wx', args: { city: 'Oslo' } } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'wx', response: { temp: 3 } } }] },
      ],
      generationConfig: { maxOutputTokens: 64 },
    });
    const decl = (c!.body as { tools: { functionDeclarations: { parameters: object }[] }[] })
      .tools[0]!.functionDeclarations[0]!;
    expect(decl.parameters).toEqual({ type: 'object', properties: { city: { type: 'string' } } });
    await p.close();
  });
});

describe('embeddings', () => {
  it('openai /v1/embeddings keeps input order', async () => {
    const p = createProvider(
      { name: 'o', kind: 'openai', base_url: `${stub.url}/v1`, local: false, timeout_ms: 5000 },
      {},
    );
    const res = await p.embed!(
      { model: 'e1', input: ['a', 'bbb'], dimensions: 3 },
      { signal: signal() },
    );
    expect(res.embeddings.map((v) => v[0])).toEqual([1, 3]);
    expect(res.usage.inputTokens).toBe(4);
    expect(stub.requests.at(-1)).toMatchObject({
      path: '/v1/embeddings',
      body: { model: 'e1', input: ['a', 'bbb'], dimensions: 3 },
    });
    stub.script({ kind: 'malformed' });
    const err = await p.embed!({ model: 'e1', input: ['a'] }, { signal: signal() }).catch(
      (e: unknown) => e,
    );
    expect((err as ProviderError).failure).toBe('malformed');
    await p.close();
  });

  it('gemini batchEmbedContents', async () => {
    const p = createProvider(
      { name: 'g', kind: 'gemini', base_url: stub.url, local: false, timeout_ms: 5000 },
      {},
    );
    const res = await p.embed!(
      { model: 'text-embedding-004', input: ['xy', 'abcd'] },
      { signal: signal() },
    );
    expect(res.embeddings.map((v) => v[0])).toEqual([2, 4]);
    expect(stub.requests.at(-1)).toMatchObject({
      path: '/v1beta/models/text-embedding-004:batchEmbedContents',
      body: {
        requests: [
          { model: 'models/text-embedding-004', content: { parts: [{ text: 'xy' }] } },
          {},
        ],
      },
    });
    stub.script({ kind: 'status', status: 429, retryAfter: '1.5' });
    const err = await p.embed!({ model: 'e', input: ['a'] }, { signal: signal() }).catch(
      (e: unknown) => e,
    );
    expect([(err as ProviderError).failure, (err as ProviderError).retryAfterMs]).toEqual([
      'rate_limited',
      1500,
    ]);
    await p.close();
  });

  it('anthropic has no embed', () => {
    const p = createProvider({ name: 'a', kind: 'anthropic', local: false, timeout_ms: 5000 }, {});
    expect(p.embed).toBeUndefined();
  });
});

describe('factory and helpers', () => {
  it('refuses a configured but unset key variable, naming the variable', () => {
    let err: unknown;
    try {
      createProvider(
        {
          name: 'x',
          kind: 'openai',
          api_key_env: 'MISSING_KEY_VAR',
          local: false,
          timeout_ms: 1000,
        },
        {},
      );
    } catch (e) {
      err = e;
    }
    expect(isAgentvisorError(err, 'CONFIG_INVALID')).toBe(true);
    expect((err as Error).message).toContain('MISSING_KEY_VAR');
  });

  it('parses Retry-After forms', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:10 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

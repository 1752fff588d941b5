/**
 * The OpenAI-compatible endpoints driven by the official `openai` SDK as a real client: chat,
 * streaming, a tool-call round trip, embeddings, the model list, fallback to the second provider
 * with its header, and the ledger holding digests of the calls rather than prompt text.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEntries } from '../../../../src/ledger/index.js';
import { type EndpointHarness, startEndpoint } from './harness.js';

let h: EndpointHarness;
let client: OpenAI;

beforeAll(async () => {
  h = await startEndpoint();
  client = new OpenAI({ apiKey: h.secret, baseURL: `${h.baseUrl}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await h?.close();
});

describe('OpenAI-compatible endpoint', () => {
  it('answers a chat completion with provider and fallback headers', async () => {
    h.stub.script({ kind: 'text', text: 'Paris.', usage: { input: 20, output: 3 } });
    const { data, response } = await client.chat.completions
      .create({ model: 'fast', messages: [{ role: 'user', content: 'Capital of France?' }] })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]?.message.content).toBe('Paris.');
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.usage).toMatchObject({ prompt_tokens: 20, completion_tokens: 3, total_tokens: 23 });
    expect(response.headers.get('x-agentvisor-provider')).toBe('stub-openai');
    expect(response.headers.get('x-agentvisor-fallback')).toBe('false');
    expect(response.headers.get('x-request-id')).toBeTruthy();
    // The stub saw the provider model, not our alias.
    const sent = h.stub.requests.at(-1)?.body as { model: string; messages: unknown[] };
    expect(sent.model).toBe('gpt-4o-mini');
    expect(sent.messages).toEqual([{ role: 'user', content: 'Capital of France?' }]);
  });

  it('streams deltas over SSE with usage when asked', async () => {
    h.stub.script({ kind: 'text', text: 'one two three', usage: { input: 7, output: 3 } });
    const { data: stream, response } = await client.chat.completions
      .create({
        model: 'fast',
        messages: [{ role: 'user', content: 'count' }],
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse();
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-agentvisor-provider')).toBe('stub-openai');
    let text = '';
    const deltas: string[] = [];
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) {
        deltas.push(choice.delta.content);
        text += choice.delta.content;
      }
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('one two three');
    expect(deltas.length).toBeGreaterThan(1);
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 3 });
  });

  it('round-trips a tool call: the model calls, the client answers, the model concludes', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather for a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
    ];
    h.stub.script(
      {
        kind: 'tool_calls',
        calls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}' }],
      },
      { kind: 'text', text: 'It is 3 °C in Oslo.' },
    );
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'Weather in Oslo?' },
    ];
    const first = await client.chat.completions.create({ model: 'fast', messages, tools });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call).toMatchObject({
      id: 'call_1',
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
    });
    messages.push(first.choices[0]!.message, {
      role: 'tool',
      tool_call_id: 'call_1',
      content: '{"celsius":3}',
    });
    const second = await client.chat.completions.create({ model: 'fast', messages, tools });
    expect(second.choices[0]?.message.content).toBe('It is 3 °C in Oslo.');
    const sent = h.stub.requests.at(-1)?.body as { messages: Array<Record<string, unknown>> };
    expect(sent.messages[1]).toMatchObject({
      role: 'assistant',
      tool_calls: [
        { id: 'call_1', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
      ],
    });
    expect(sent.messages[2]).toEqual({
      role: 'tool',
      tool_call_id: 'call_1',
      content: '{"celsius":3}',
    });
  });

  it('streams a tool call as deltas the SDK reassembles', async () => {
    h.stub.script({
      kind: 'tool_calls',
      calls: [{ id: 'call_9', name: 'lookup', arguments: '{"q":"agentvisor"}' }],
    });
    const stream = await client.chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: 'look it up' }],
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
      stream: true,
    });
    let id: string | undefined;
    let name: string | undefined;
    let args = '';
    for await (const chunk of stream) {
      for (const tc of chunk.choices[0]?.delta.tool_calls ?? []) {
        id ??= tc.id;
        name ??= tc.function?.name;
        args += tc.function?.arguments ?? '';
      }
    }
    expect({ id, name, args }).toEqual({
      id: 'call_9',
      name: 'lookup',
      args: '{"q":"agentvisor"}',
    });
  });

  it('returns embeddings in input order', async () => {
    const { data, response } = await client.embeddings
      .create({ model: 'embed', input: ['a', 'abcd', 'ab'] })
      .withResponse();
    expect(data.object).toBe('list');
    // The stub's vectors start with the input's length.
    expect(data.data.map((d) => [d.index, d.embedding[0]])).toEqual([
      [0, 1],
      [1, 4],
      [2, 2],
    ]);
    expect(data.usage.prompt_tokens).toBe(6);
    expect(response.headers.get('x-agentvisor-provider')).toBe('stub-openai');
    // The SDK asked for base64 (its default); the stub was asked for floats.
    expect((h.stub.requests.at(-1)!.body as { encoding_format: string }).encoding_format).toBe(
      'float',
    );
  });

  it('returns float embeddings when the client asks for floats', async () => {
    const data = await client.embeddings.create({
      model: 'embed',
      input: 'abc',
      encoding_format: 'float',
    });
    expect(data.data[0]?.embedding).toEqual([3, 0.5, -0.25]);
  });

  it('lists the configured aliases', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids.sort()).toEqual(['embed', 'fast']);
  });

  it('falls back to the second provider when the first fails, and says so', async () => {
    // Two failures: the first attempt and its one retry.
    h.stub.script(
      { kind: 'status', status: 500 },
      { kind: 'status', status: 500 },
      { kind: 'text', text: 'from the fallback' },
    );
    const { data, response } = await client.chat.completions
      .create({ model: 'fast', messages: [{ role: 'user', content: 'hello' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('from the fallback');
    expect(response.headers.get('x-agentvisor-provider')).toBe('stub-anthropic');
    expect(response.headers.get('x-agentvisor-fallback')).toBe('true');
    expect(h.stub.requests.at(-1)?.path).toBe('/v1/messages');
  });

  it('records the calls in the ledger as digests, never the prompt text', async () => {
    const secretPrompt = 'a prompt that must not reach the ledger 7d3f';
    await client.chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: secretPrompt }],
    });
    // llm.complete answers before its entry is committed (record: 'after-reply'): wait for it.
    await h.system.ledger.flush();
    const entries = await listEntries(h.system.store, { type: 'op.call', limit: 1000 });
    const llm = entries.filter((e) => e.subject === 'llm.complete');
    expect(llm.length).toBeGreaterThanOrEqual(5);
    for (const e of llm) {
      expect(e.actor).toBe(`apikey:${h.keyId}`);
      expect(e.payload).not.toContain(secretPrompt);
      expect(e.payload).not.toContain('Capital of France');
      const payload = JSON.parse(e.payload) as Record<string, unknown>;
      expect(payload).toMatchObject({ alias: 'fast', outcome: 'ok' });
      expect(String(payload['prompt_sha256'])).toMatch(/^[0-9a-f]{64}$/);
      expect(payload).not.toHaveProperty('prompt');
    }
    expect(entries.some((e) => e.subject === 'llm.embed')).toBe(true);
  });
});

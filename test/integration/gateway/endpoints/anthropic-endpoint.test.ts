/**
 * The Anthropic-compatible endpoint driven by the official `@anthropic-ai/sdk` as a real client:
 * messages, streaming, a tool-use round trip, the model list in Anthropic's shape, and errors in
 * Anthropic's error format, including Fastify's own parse and body-limit errors.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EndpointHarness, startEndpoint } from './harness.js';

let h: EndpointHarness;
let client: Anthropic;

beforeAll(async () => {
  h = await startEndpoint();
  client = new Anthropic({ apiKey: h.secret, baseURL: h.baseUrl, maxRetries: 0 });
});
afterAll(async () => {
  await h?.close();
});

async function anthropicError(
  promise: Promise<unknown>,
): Promise<InstanceType<typeof Anthropic.APIError>> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Anthropic.APIError);
  return error as InstanceType<typeof Anthropic.APIError>;
}

describe('Anthropic-compatible endpoint', () => {
  it('answers a message with provider and fallback headers', async () => {
    h.stub.script({ kind: 'text', text: 'Bonjour.', usage: { input: 9, output: 2 } });
    const { data, response } = await client.messages
      .create({
        model: 'fast',
        max_tokens: 100,
        system: 'Answer in French.',
        messages: [{ role: 'user', content: 'Hello' }],
      })
      .withResponse();
    expect(data.type).toBe('message');
    expect(data.content).toEqual([{ type: 'text', text: 'Bonjour.' }]);
    expect(data.stop_reason).toBe('end_turn');
    expect(data.usage).toMatchObject({ input_tokens: 9, output_tokens: 2 });
    expect(response.headers.get('x-agentvisor-provider')).toBe('stub-openai');
    expect(response.headers.get('x-agentvisor-fallback')).toBe('false');
    // The system prompt reached the (OpenAI-format) provider as a system message.
    const sent = h.stub.requests.at(-1)?.body as { messages: unknown[] };
    expect(sent.messages[0]).toEqual({ role: 'system', content: 'Answer in French.' });
  });

  it('streams text deltas and a final message', async () => {
    h.stub.script({ kind: 'text', text: 'streamed answer here', usage: { input: 4, output: 3 } });
    const stream = client.messages.stream({
      model: 'fast',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'stream please' }],
    });
    const deltas: string[] = [];
    stream.on('text', (t) => deltas.push(t));
    const final = await stream.finalMessage();
    expect(deltas.join('')).toBe('streamed answer here');
    expect(deltas.length).toBeGreaterThan(1);
    expect(final.content).toEqual([{ type: 'text', text: 'streamed answer here' }]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBe(3);
  });

  it('round-trips a tool use: the model calls, the client answers, the model concludes', async () => {
    const tools: Anthropic.Tool[] = [
      {
        name: 'get_time',
        description: 'Current time in a zone',
        input_schema: { type: 'object', properties: { zone: { type: 'string' } } },
      },
    ];
    h.stub.script(
      {
        kind: 'tool_calls',
        calls: [{ id: 'toolu_1', name: 'get_time', arguments: '{"zone":"UTC"}' }],
      },
      { kind: 'text', text: 'It is noon UTC.' },
    );
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'What time is it?' }];
    const first = await client.messages.create({ model: 'fast', max_tokens: 100, messages, tools });
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((b) => b.type === 'tool_use');
    expect(use).toMatchObject({ id: 'toolu_1', name: 'get_time', input: { zone: 'UTC' } });
    messages.push(
      { role: 'assistant', content: first.content },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '12:00' }],
      },
    );
    const second = await client.messages.create({
      model: 'fast',
      max_tokens: 100,
      messages,
      tools,
    });
    expect(second.content).toEqual([{ type: 'text', text: 'It is noon UTC.' }]);
    const sent = h.stub.requests.at(-1)?.body as { messages: Array<Record<string, unknown>> };
    expect(sent.messages.at(-1)).toEqual({
      role: 'tool',
      tool_call_id: 'toolu_1',
      content: '12:00',
    });
  });

  it('streams a tool use the SDK reassembles into input', async () => {
    h.stub.script({
      kind: 'tool_calls',
      calls: [{ id: 'toolu_2', name: 'search', arguments: '{"q":"ledger"}' }],
    });
    const final = await client.messages
      .stream({
        model: 'fast',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'search' }],
        tools: [{ name: 'search', input_schema: { type: 'object' } }],
      })
      .finalMessage();
    expect(final.content).toEqual([
      { type: 'tool_use', id: 'toolu_2', name: 'search', input: { q: 'ledger' } },
    ]);
    expect(final.stop_reason).toBe('tool_use');
  });

  it('lists the aliases in Anthropic format', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) {
      expect(model.type).toBe('model');
      ids.push(model.id);
    }
    expect(ids.sort()).toEqual(['embed', 'fast']);
  });

  it('answers errors in Anthropic format with the mapped status', async () => {
    const unknown = await anthropicError(
      client.messages.create({
        model: 'no-such-model',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'x' }],
      }),
    );
    expect(unknown.status).toBe(404);
    expect(unknown.error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });

    const empty = await anthropicError(
      client.messages.create({ model: 'fast', max_tokens: 10, messages: [] }),
    );
    expect(empty.status).toBe(400);
    expect(empty.error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('messages') },
    });

    const badKey = new Anthropic({ apiKey: 'avk_not-a-key', baseURL: h.baseUrl, maxRetries: 0 });
    const unauthenticated = await anthropicError(
      badKey.messages.create({
        model: 'fast',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'x' }],
      }),
    );
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.error).toMatchObject({ error: { type: 'authentication_error' } });
  });

  it('answers Fastify parse and body-limit errors in Anthropic format', async () => {
    const headers = {
      'content-type': 'application/json',
      'x-api-key': h.secret,
      'anthropic-version': '2023-06-01',
    };
    const invalid = await fetch(`${h.baseUrl}/v1/messages`, {
      method: 'POST',
      headers,
      body: '{"model":',
    });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error' },
    });
    const big = await fetch(`${h.baseUrl}/v1/messages`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        model: 'fast',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'x'.repeat(100 * 1024) }],
      }),
    });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });
  });

  it('ends a stream that fails midway with an error event the SDK raises', async () => {
    // Both attempts at the first provider open normally, so the stream is committed to it; the
    // cut-off must surface as an error, not as a short but complete answer.
    h.stub.script({ kind: 'truncate' });
    const stream = client.messages.stream({
      model: 'fast',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'long answer please' }],
    });
    const error = await anthropicError(stream.finalMessage());
    expect(error.error).toMatchObject({ type: 'error', error: { type: expect.any(String) } });
    // The server still serves.
    const after = await client.messages.create({
      model: 'fast',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'still there?' }],
    });
    expect(after.content[0]).toMatchObject({ type: 'text' });
  });
});

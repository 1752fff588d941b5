/**
 * Stream decoders over recorded-shape SSE payloads (tool-call deltas by index, usage after the
 * finish chunk, Anthropic's event sequence, Gemini chunks), truncation, mid-stream errors, and
 * the encoders' output read back by the decoders, including the explicit error ending.
 */
import { describe, expect, it } from 'vitest';
import type { ChatStreamEvent } from '../../../../src/gateway/chat-types.js';
import { readSseEvents } from '../../../../src/gateway/sse/sse-reader.js';
import {
  AnthropicStreamDecoder,
  chatEventsToAnthropicSse,
} from '../../../../src/gateway/wire/anthropic-wire.js';
import { GeminiStreamDecoder } from '../../../../src/gateway/wire/gemini-wire.js';
import {
  chatEventsToOpenAISse,
  OpenAIStreamDecoder,
} from '../../../../src/gateway/wire/openai-wire.js';

const feedAll = (
  d: { feed(s: string): ChatStreamEvent[]; end(): ChatStreamEvent[] },
  data: unknown[],
) => [...data.flatMap((x) => d.feed(typeof x === 'string' ? x : JSON.stringify(x))), ...d.end()];

async function sseData(text: string): Promise<string[]> {
  const bytes = new TextEncoder().encode(text);
  // Split at awkward places, including mid-line, to exercise the framing.
  const chunks = [bytes.slice(0, 7), bytes.slice(7, 50), bytes.slice(50)];
  const out: string[] = [];
  for await (const e of readSseEvents(
    (async function* () {
      yield* chunks;
    })(),
  ))
    out.push(e.data);
  return out;
}

const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-x' };
const delta = (d: object, finish: string | null = null) => ({
  ...base,
  choices: [{ index: 0, delta: d, finish_reason: finish }],
});

describe('OpenAIStreamDecoder', () => {
  it('decodes text, parallel tool-call deltas by index and final usage', () => {
    const events = feedAll(new OpenAIStreamDecoder('p'), [
      delta({ role: 'assistant', content: '' }),
      delta({ content: 'Hi' }),
      delta({
        tool_calls: [
          { index: 0, id: 'call_a', type: 'function', function: { name: 'f', arguments: '' } },
        ],
      }),
      delta({
        tool_calls: [
          { index: 1, id: 'call_b', type: 'function', function: { name: 'g', arguments: '{"y"' } },
        ],
      }),
      delta({ tool_calls: [{ index: 0, function: { arguments: '{"x":1}' } }] }),
      delta({ tool_calls: [{ index: 1, function: { arguments: ':2}' } }] }),
      delta({}, 'tool_calls'),
      {
        ...base,
        choices: [],
        usage: {
          prompt_tokens: 10,
          completion_tokens: 5,
          prompt_tokens_details: { cached_tokens: 2 },
        },
      },
      '[DONE]',
    ]);
    expect(events).toEqual([
      { type: 'start', id: 'chatcmpl-1', model: 'gpt-x' },
      { type: 'text', text: 'Hi' },
      { type: 'tool_call_start', index: 0, id: 'call_a', name: 'f' },
      { type: 'tool_call_start', index: 1, id: 'call_b', name: 'g' },
      { type: 'tool_call_delta', index: 1, argumentsDelta: '{"y"' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{"x":1}' },
      { type: 'tool_call_delta', index: 1, argumentsDelta: ':2}' },
      {
        type: 'finish',
        finishReason: 'tool_calls',
        usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: 2 },
      },
    ]);
  });

  it('reports a stream without [DONE] as truncated, and an error chunk as an error', () => {
    expect(feedAll(new OpenAIStreamDecoder('p'), [delta({ content: 'a' })]).at(-1)).toMatchObject({
      type: 'error',
      code: 'truncated',
    });
    expect(
      feedAll(new OpenAIStreamDecoder('p'), [
        delta({ content: 'a' }),
        { error: { message: 'boom' } },
      ]).at(-1),
    ).toEqual({ type: 'error', code: 'server', message: 'p: boom' });
    expect(feedAll(new OpenAIStreamDecoder('p'), ['{nope']).at(-1)).toMatchObject({
      type: 'error',
      code: 'malformed',
    });
  });
});

describe('AnthropicStreamDecoder', () => {
  const recorded = [
    {
      type: 'message_start',
      message: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-x',
        content: [],
        usage: { input_tokens: 20, cache_read_input_tokens: 5, output_tokens: 1 },
      },
    },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'ping' },
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Let me check.' } },
    { type: 'content_block_stop', index: 0 },
    {
      type: 'content_block_start',
      index: 1,
      content_block: { type: 'tool_use', id: 'toolu_1', name: 'wx', input: {} },
    },
    {
      type: 'content_block_delta',
      index: 1,
      delta: { type: 'input_json_delta', partial_json: '{"city": ' },
    },
    {
      type: 'content_block_delta',
      index: 1,
      delta: { type: 'input_json_delta', partial_json: '"Oslo"}' },
    },
    { type: 'content_block_stop', index: 1 },
    {
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { output_tokens: 30 },
    },
    { type: 'message_stop' },
  ];

  it('decodes the recorded event sequence', () => {
    expect(feedAll(new AnthropicStreamDecoder('p'), recorded)).toEqual([
      { type: 'start', id: 'msg_1', model: 'claude-x' },
      { type: 'text', text: 'Let me check.' },
      { type: 'tool_call_start', index: 0, id: 'toolu_1', name: 'wx' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{"city": ' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '"Oslo"}' },
      {
        type: 'finish',
        finishReason: 'tool_calls',
        usage: { inputTokens: 25, outputTokens: 30, cachedInputTokens: 5 },
      },
    ]);
  });

  it('ends on an error event, and reports a missing message_stop as truncated', () => {
    const err = feedAll(new AnthropicStreamDecoder('p'), [
      recorded[0],
      { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    ]);
    expect(err.at(-1)).toEqual({ type: 'error', code: 'server', message: 'p: Overloaded' });
    expect(feedAll(new AnthropicStreamDecoder('p'), recorded.slice(0, 4)).at(-1)).toMatchObject({
      type: 'error',
      code: 'truncated',
    });
  });
});

describe('GeminiStreamDecoder', () => {
  it('decodes chunks with functionCall parts and ends on finishReason', () => {
    const events = feedAll(new GeminiStreamDecoder('p', 'gemini-x'), [
      { candidates: [{ content: { role: 'model', parts: [{ text: 'Sure' }] } }], responseId: 'R' },
      {
        candidates: [
          {
            content: {
              role: 'model',
              parts: [
                { functionCall: { name: 'wx', args: { city: 'Oslo' } } },
                { functionCall: { name: 'wx', args: {} } },
              ],
            },
            finishReason: 'STOP',
          },
        ],
        usageMetadata: { promptTokenCount: 8, candidatesTokenCount: 4, thoughtsTokenCount: 2 },
        responseId: 'R',
      },
    ]);
    expect(events).toEqual([
      { type: 'start', id: 'R', model: 'gemini-x' },
      { type: 'text', text: 'Sure' },
      { type: 'tool_call_start', index: 0, id: 'call_R_0', name: 'wx' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{"city":"Oslo"}' },
      { type: 'tool_call_start', index: 1, id: 'call_R_1', name: 'wx' },
      { type: 'tool_call_delta', index: 1, argumentsDelta: '{}' },
      {
        type: 'finish',
        finishReason: 'tool_calls',
        usage: { inputTokens: 8, outputTokens: 6, cachedInputTokens: 0 },
      },
    ]);
  });

  it('reports a body without finishReason as truncated', () => {
    expect(
      feedAll(new GeminiStreamDecoder('p'), [
        { candidates: [{ content: { parts: [{ text: 'a' }] } }] },
      ]).at(-1),
    ).toMatchObject({ type: 'error', code: 'truncated' });
  });
});

describe('encoders', () => {
  const events: ChatStreamEvent[] = [
    { type: 'start', id: 'id1', model: 'm' },
    { type: 'text', text: 'Hello ' },
    { type: 'text', text: 'world' },
    { type: 'tool_call_start', index: 0, id: 'c1', name: 'f' },
    { type: 'tool_call_delta', index: 0, argumentsDelta: '{"a":' },
    { type: 'tool_call_delta', index: 0, argumentsDelta: '1}' },
    {
      type: 'finish',
      finishReason: 'tool_calls',
      usage: { inputTokens: 9, outputTokens: 3, cachedInputTokens: 4 },
    },
  ];

  it('OpenAI SSE decodes back to the same events and ends with [DONE]', async () => {
    const text = chatEventsToOpenAISse(events, { includeUsage: true, created: 1 });
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(feedAll(new OpenAIStreamDecoder('p'), await sseData(text))).toEqual(events);
  });

  it('Anthropic SSE decodes back to the same events', async () => {
    const text = chatEventsToAnthropicSse(events);
    expect(text).toContain('event: message_stop\n');
    expect(feedAll(new AnthropicStreamDecoder('p'), await sseData(text))).toEqual(events);
  });

  it('a mid-stream failure is an explicit error, never a silent end', async () => {
    const failed: ChatStreamEvent[] = [
      events[0]!,
      events[1]!,
      { type: 'error', code: 'network', message: 'reset' },
    ];
    const o = chatEventsToOpenAISse(failed);
    expect(o).not.toContain('[DONE]');
    expect(o.trimEnd().split('\n').at(-1)).toBe(
      'data: {"error":{"message":"reset","type":"server_error","code":"network"}}',
    );
    const a = chatEventsToAnthropicSse(failed);
    expect(a).not.toContain('message_stop');
    expect(a).toContain(
      'event: error\ndata: {"type":"error","error":{"type":"api_error","message":"reset"}}',
    );
    expect(feedAll(new AnthropicStreamDecoder('p'), await sseData(a)).at(-1)).toEqual({
      type: 'error',
      code: 'server',
      message: 'p: reset',
    });
  });
});

/**
 * Conversations with tool calls survive internal → OpenAI → internal → Anthropic → internal →
 * Gemini → internal. Ids survive every hop but Gemini's, which replaces them with synthesised
 * `call_<turn>_<n>` ids (Gemini has none); results still point at the call they answer.
 * Argument text is generated as canonical JSON (`JSON.stringify`), the form Anthropic's and
 * Gemini's object-typed arguments come back in.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChatMessage, ChatRequest, ChatResponse } from '../../../../src/gateway/chat-types.js';
import {
  anthropicRequestToChat,
  anthropicResponseToChat,
  chatToAnthropicRequest,
  chatToAnthropicResponse,
} from '../../../../src/gateway/wire/anthropic-wire.js';
import {
  chatToGeminiRequest,
  chatToGeminiResponse,
  geminiRequestToChat,
  geminiResponseToChat,
} from '../../../../src/gateway/wire/gemini-wire.js';
import {
  chatToOpenAIRequest,
  chatToOpenAIResponse,
  openAIRequestToChat,
  openAIResponseToChat,
} from '../../../../src/gateway/wire/openai-wire.js';

const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,24}$/);
const name = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,20}$/);
const args = fc
  .dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 })
  .map((o) => JSON.stringify(o));
const call = fc.record({ id, name, arguments: args });

const turn = fc
  .tuple(
    fc.string({ minLength: 1 }),
    fc.uniqueArray(call, { minLength: 1, maxLength: 3, selector: (c) => c.id }),
    fc.array(fc.string(), { minLength: 3, maxLength: 3 }),
  )
  .map(([question, calls, results]): ChatMessage[] => [
    { role: 'user', content: [{ type: 'text', text: question }] },
    { role: 'assistant', content: '', toolCalls: calls },
    ...calls.map(
      (c, i): ChatMessage => ({
        role: 'tool',
        toolCallId: c.id,
        content: JSON.stringify({ r: results[i] }),
      }),
    ),
  ]);

const conversation = fc
  .array(turn, { minLength: 1, maxLength: 3 })
  .filter(
    (turns) =>
      new Set(
        turns.flatMap((t) =>
          t.flatMap((m) => (m.role === 'assistant' ? (m.toolCalls ?? []).map((c) => c.id) : [])),
        ),
      ).size === turns.flatMap((t) => t.filter((m) => m.role === 'tool')).length,
  )
  .map(
    (turns): ChatRequest => ({
      model: 'm',
      messages: [{ role: 'system', content: 'sys' }, ...turns.flat()],
    }),
  );

function calls(req: ChatRequest) {
  return req.messages.flatMap((m) => (m.role === 'assistant' ? (m.toolCalls ?? []) : []));
}
function results(req: ChatRequest) {
  return req.messages.flatMap((m) =>
    m.role === 'tool' ? [{ id: m.toolCallId, content: m.content }] : [],
  );
}

describe('tool-call conversations across wire formats', () => {
  it('keep ids (except through Gemini), names, argument text and result links', () => {
    fc.assert(
      fc.property(conversation, (req) => {
        const viaOpenAI = openAIRequestToChat(
          chatToOpenAIRequest(req, { model: 'm', stream: false }),
        );
        const viaAnthropic = anthropicRequestToChat(
          chatToAnthropicRequest(viaOpenAI, { model: 'm', stream: false }),
        );
        const viaGemini = geminiRequestToChat(
          chatToGeminiRequest(viaAnthropic, { model: 'm', stream: false }),
          { model: 'm', stream: false },
        );
        expect(calls(viaOpenAI)).toEqual(calls(req));
        expect(calls(viaAnthropic)).toEqual(calls(req));
        expect(results(viaAnthropic)).toEqual(results(req));
        // Gemini: same names and argument text; ids synthesised, results linked to them.
        expect(calls(viaGemini).map((c) => [c.name, c.arguments])).toEqual(
          calls(req).map((c) => [c.name, c.arguments]),
        );
        const byId = new Map(calls(viaGemini).map((c) => [c.id, c.name]));
        expect(byId.size).toBe(calls(req).length);
        const originalName = new Map(calls(req).map((c) => [c.id, c.name]));
        expect(results(viaGemini).map((r) => byId.get(r.id))).toEqual(
          results(req).map((r) => originalName.get(r.id)),
        );
        expect(results(viaGemini).map((r) => r.content)).toEqual(
          results(req).map((r) => r.content),
        );
        expect(viaGemini.messages[0]).toEqual({ role: 'system', content: 'sys' });
      }),
      { numRuns: 200 },
    );
  });

  it('keep an own "__proto__" key in tool arguments (found by the property above)', () => {
    const req: ChatRequest = {
      model: 'm',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'q' }] },
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ id: 'c1', name: 'A', arguments: '{"__proto__":[1],"b":2}' }],
        },
        { role: 'tool', toolCallId: 'c1', content: '{"r":""}' },
      ],
    };
    const viaAnthropic = anthropicRequestToChat(
      chatToAnthropicRequest(req, { model: 'm', stream: false }),
    );
    const viaGemini = geminiRequestToChat(
      chatToGeminiRequest(viaAnthropic, { model: 'm', stream: false }),
      { model: 'm', stream: false },
    );
    expect(calls(viaAnthropic)[0]?.arguments).toBe('{"__proto__":[1],"b":2}');
    expect(calls(viaGemini)[0]?.arguments).toBe('{"__proto__":[1],"b":2}');
  });

  it('responses round-trip through each format', () => {
    const res: ChatResponse = {
      id: 'r1',
      model: 'm',
      content: 'thinking aloud',
      toolCalls: [{ id: 'c9', name: 'f', arguments: '{"a":[1,2]}' }],
      finishReason: 'tool_calls',
      usage: { inputTokens: 100, outputTokens: 7, cachedInputTokens: 40 },
    };
    expect(openAIResponseToChat(chatToOpenAIResponse(res), 'p')).toEqual(res);
    expect(anthropicResponseToChat(chatToAnthropicResponse(res), 'p')).toEqual(res);
    expect(geminiResponseToChat(chatToGeminiResponse(res), 'p')).toEqual({
      ...res,
      toolCalls: [{ ...res.toolCalls[0], id: 'call_r1_0' }],
    });
  });

  it('maps finish reasons both ways', () => {
    for (const finishReason of ['stop', 'length', 'content_filter'] as const) {
      const res: ChatResponse = {
        id: 'r',
        model: 'm',
        content: 'x',
        toolCalls: [],
        finishReason,
        usage: { inputTokens: 1, outputTokens: 1, cachedInputTokens: 0 },
      };
      expect(openAIResponseToChat(chatToOpenAIResponse(res), 'p').finishReason).toBe(finishReason);
      expect(anthropicResponseToChat(chatToAnthropicResponse(res), 'p').finishReason).toBe(
        finishReason,
      );
      expect(geminiResponseToChat(chatToGeminiResponse(res), 'p').finishReason).toBe(finishReason);
    }
  });

  it('carries JSON output requests per format', () => {
    const req: ChatRequest = {
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }],
      responseFormat: {
        type: 'json_schema',
        name: 'out',
        schema: {
          type: 'object',
          properties: { a: { type: ['string', 'null'] } },
          additionalProperties: false,
        },
      },
    };
    expect(
      openAIRequestToChat(chatToOpenAIRequest(req, { model: 'm', stream: false })).responseFormat,
    ).toEqual(req.responseFormat);
    const a = chatToAnthropicRequest(req, { model: 'm', stream: false }) as { system: string };
    expect(a.system).toContain('"additionalProperties":false');
    const g = chatToGeminiRequest(req, { model: 'm', stream: false }) as {
      generationConfig: object;
    };
    expect(g.generationConfig).toEqual({
      responseMimeType: 'application/json',
      responseSchema: { type: 'object', properties: { a: { type: 'string', nullable: true } } },
    });
  });
});

/** Bad client input is INPUT_INVALID naming the field; bad provider answers are `malformed`. */
import { describe, expect, it } from 'vitest';
import { AgentvisorError } from '../../../../src/core/index.js';
import { ProviderError } from '../../../../src/gateway/provider.js';
import {
  anthropicRequestToChat,
  anthropicResponseToChat,
} from '../../../../src/gateway/wire/anthropic-wire.js';
import {
  geminiRequestToChat,
  geminiResponseToChat,
} from '../../../../src/gateway/wire/gemini-wire.js';
import {
  openAIEmbeddingRequestToInternal,
  openAIRequestToChat,
  openAIResponseToChat,
} from '../../../../src/gateway/wire/openai-wire.js';

function invalid(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AgentvisorError);
    expect((e as AgentvisorError).code).toBe('INPUT_INVALID');
    return (e as AgentvisorError).message;
  }
  throw new Error('expected INPUT_INVALID');
}

const user = { role: 'user', content: 'hi' };

describe('client request validation', () => {
  it('OpenAI', () => {
    expect(invalid(() => openAIRequestToChat({ model: 'm', messages: [] }))).toBe(
      'messages: expected at least one message',
    );
    expect(
      invalid(() =>
        openAIRequestToChat({ model: 'm', messages: [user, user, { role: 'user', content: 5 }] }),
      ),
    ).toBe('messages[2].content: expected a string or an array of content parts');
    expect(
      invalid(() =>
        openAIRequestToChat({
          model: 'm',
          messages: [{ role: 'user', content: [{ type: 'text', text: 1 }] }],
        }),
      ),
    ).toMatch(/^messages\[0\]\.content\[0\]\.text: /);
    expect(
      invalid(() => openAIRequestToChat({ model: 'm', messages: [{ role: 'robot' }] })),
    ).toMatch(/^messages\[0\]\.role: /);
    expect(invalid(() => openAIRequestToChat({ messages: [user] }))).toMatch(/^model: /);
    expect(
      invalid(() => openAIRequestToChat({ model: 'm', messages: [user], temperature: 'hot' })),
    ).toMatch(/^temperature: expected number/);
    expect(invalid(() => openAIRequestToChat('nope'))).toMatch(/^\(body\): expected object/);
    expect(
      invalid(() => openAIEmbeddingRequestToInternal({ model: 'e', input: [[1, 2]] })),
    ).toMatch(/^input/);
  });

  it('Anthropic', () => {
    expect(invalid(() => anthropicRequestToChat({ model: 'm', max_tokens: 5, messages: [] }))).toBe(
      'messages: expected at least one message',
    );
    expect(
      invalid(() =>
        anthropicRequestToChat({ model: 'm', messages: [{ role: 'system', content: 'x' }] }),
      ),
    ).toMatch(/^messages\[0\]\.role: /);
    expect(
      invalid(() =>
        anthropicRequestToChat({
          model: 'm',
          messages: [{ role: 'user', content: [{ type: 'tool_result' }] }],
        }),
      ),
    ).toMatch(/^messages\[0\]\.content\[0\]\.tool_use_id: /);
  });

  it('Gemini', () => {
    expect(
      invalid(() => geminiRequestToChat({ contents: [] }, { model: 'm', stream: false })),
    ).toBe('contents: expected at least one content');
    expect(
      invalid(() =>
        geminiRequestToChat(
          { contents: [{ role: 'user', parts: [{ text: 3 }] }] },
          { model: 'm', stream: false },
        ),
      ),
    ).toMatch(/^contents\[0\]\.parts\[0\]\.text: /);
  });

  it('maps tool results and system prompts from client formats', () => {
    const o = openAIRequestToChat({
      model: 'm',
      messages: [
        { role: 'developer', content: 'rules' },
        user,
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'ok' },
      ],
      stop: 'END',
      max_tokens: 9,
      stream: true,
      tool_choice: { type: 'function', function: { name: 'f' } },
    });
    expect(o).toMatchObject({
      stream: true,
      stop: ['END'],
      maxTokens: 9,
      toolChoice: { name: 'f' },
    });
    expect(o.messages[0]).toEqual({ role: 'system', content: 'rules' });
    expect(o.messages[3]).toEqual({ role: 'tool', toolCallId: 'c1', name: 'f', content: 'ok' });
    const a = anthropicRequestToChat({
      model: 'm',
      max_tokens: 5,
      system: [{ type: 'text', text: 'S' }],
      tool_choice: { type: 'any' },
      messages: [
        user,
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 't1', name: 'f', input: { a: 1 } }],
        },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 't1',
              content: [{ type: 'text', text: 'bad' }],
              is_error: true,
            },
            { type: 'text', text: 'and?' },
          ],
        },
      ],
    });
    expect(a.toolChoice).toBe('required');
    expect(a.messages.slice(3)).toEqual([
      { role: 'tool', toolCallId: 't1', name: 'f', content: 'bad', isError: true },
      { role: 'user', content: [{ type: 'text', text: 'and?' }] },
    ]);
  });
});

describe('provider answer validation', () => {
  it.each([
    ['openai', () => openAIResponseToChat({ id: 'x', model: 'm', choices: [] }, 'prov')],
    ['anthropic', () => anthropicResponseToChat({ id: 'x', content: 'no' }, 'prov')],
    ['gemini', () => geminiResponseToChat({ candidates: 'no' }, 'prov')],
  ])('%s malformed answer is a malformed ProviderError', (_, fn) => {
    let err: unknown;
    try {
      fn();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).failure).toBe('malformed');
    expect((err as ProviderError).provider).toBe('prov');
  });
});

/**
 * @module Anthropic Messages wire format, both directions: what our `/v1/messages` endpoint
 * accepts from and returns to Anthropic clients, and what the Anthropic provider sends and
 * receives. Pure translation plus two small stream state machines; no I/O.
 *
 * Structured output: the Messages API has no JSON mode. A `json_object` / `json_schema` request
 * becomes an extra system instruction (with the schema text for `json_schema`). We deliberately
 * do not force a tool: a forced tool would conflict with the caller's own tools and
 * `tool_choice`, and the answer would arrive as a `tool_use` block that both the complete and
 * the streaming path would have to turn back into text. The instruction is advisory; callers
 * needing a guarantee validate the JSON they receive.
 */
import { z } from 'zod';
import type {
  ChatMessage,
  ChatRequest,
  ChatResponse,
  ChatStreamEvent,
  ContentPart,
  FinishReason,
  ResponseFormat,
  ToolCall,
  ToolChoice,
  Usage,
} from '../chat-types.js';
import {
  argumentsToObject,
  count,
  defaultFinish,
  jsonObject,
  malformed,
  parseClientBody,
  parseJsonData,
  parseProviderBody,
  resolveToolNames,
  type StreamErrorCode,
} from './wire-common.js';

/** The API version header value this translator implements. */
export const ANTHROPIC_VERSION = '2023-06-01';

/** Anthropic requires `max_tokens`; used when the caller gave none. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

// ---------------------------------------------------------------- client request → internal

const textBlock = z.looseObject({ type: z.literal('text'), text: z.string() });
const imageBlock = z.looseObject({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [
    z.looseObject({ type: z.literal('base64'), media_type: z.string().min(1), data: z.string() }),
    z.looseObject({ type: z.literal('url'), url: z.string().min(1) }),
  ]),
});
const toolResultBlock = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z
    .union([z.string(), z.array(z.union([textBlock, imageBlock]))], {
      error: 'expected a string or an array of text blocks',
    })
    .optional(),
  is_error: z.boolean().optional(),
});
const toolUseBlock = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: jsonObject,
});
// Thinking blocks from earlier turns are accepted and dropped: they cannot be replayed to
// another provider and Anthropic itself ignores stale ones.
const thinkingBlock = z.looseObject({ type: z.enum(['thinking', 'redacted_thinking']) });
const userBlock = z.discriminatedUnion('type', [textBlock, imageBlock, toolResultBlock], {
  error: 'expected a text, image or tool_result block',
});
const assistantBlock = z.discriminatedUnion('type', [textBlock, toolUseBlock, thinkingBlock], {
  error: 'expected a text, tool_use or thinking block',
});
const messageSchema = z.discriminatedUnion(
  'role',
  [
    z.looseObject({
      role: z.literal('user'),
      content: z.union([z.string(), z.array(userBlock)], {
        error: 'expected a string or an array of content blocks',
      }),
    }),
    z.looseObject({
      role: z.literal('assistant'),
      content: z.union([z.string(), z.array(assistantBlock)], {
        error: 'expected a string or an array of content blocks',
      }),
    }),
  ],
  { error: 'expected role user or assistant (system goes in the top-level "system" field)' },
);
const requestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(messageSchema).min(1, 'expected at least one message'),
  system: z
    .union([z.string(), z.array(textBlock)], {
      error: 'expected a string or an array of text blocks',
    })
    .optional(),
  max_tokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  stop_sequences: z.array(z.string()).optional(),
  stream: z.boolean().optional(),
  tools: z
    .array(
      z.looseObject({
        name: z.string().min(1),
        description: z.string().optional(),
        input_schema: jsonObject,
      }),
    )
    .optional(),
  tool_choice: z
    .discriminatedUnion(
      'type',
      [
        z.looseObject({ type: z.literal('auto') }),
        z.looseObject({ type: z.literal('any') }),
        z.looseObject({ type: z.literal('none') }),
        z.looseObject({ type: z.literal('tool'), name: z.string().min(1) }),
      ],
      { error: 'expected type auto, any, none or tool' },
    )
    .optional(),
});

function blocksText(
  content: string | readonly { type: string; text?: string }[] | undefined,
): string {
  if (content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((b) => (b.type === 'text' ? (b.text ?? '') : '')).join('');
}

/**
 * Translates an Anthropic Messages request body (from a client) to a {@link ChatRequest}.
 * `tool_result` blocks become `tool` messages placed before the rest of their user turn.
 * Throws `INPUT_INVALID` naming the bad field.
 */
export function anthropicRequestToChat(body: unknown): ChatRequest & { stream: boolean } {
  const b = parseClientBody(requestSchema, body);
  const messages: ChatMessage[] = [];
  if (b.system !== undefined) {
    const text = blocksText(b.system);
    if (text !== '') messages.push({ role: 'system', content: text });
  }
  for (const m of b.messages) {
    if (m.role === 'assistant') {
      if (typeof m.content === 'string') {
        messages.push({ role: 'assistant', content: m.content });
        continue;
      }
      let text = '';
      const toolCalls: ToolCall[] = [];
      for (const block of m.content) {
        if (block.type === 'text') text += block.text;
        else if (block.type === 'tool_use')
          toolCalls.push({
            id: block.id,
            name: block.name,
            arguments: JSON.stringify(block.input),
          });
      }
      messages.push(
        toolCalls.length > 0
          ? { role: 'assistant', content: text, toolCalls }
          : { role: 'assistant', content: text },
      );
      continue;
    }
    if (typeof m.content === 'string') {
      messages.push({ role: 'user', content: [{ type: 'text', text: m.content }] });
      continue;
    }
    const parts: ContentPart[] = [];
    for (const block of m.content) {
      if (block.type === 'tool_result') {
        messages.push({
          role: 'tool',
          toolCallId: block.tool_use_id,
          content: blocksText(block.content),
          ...(block.is_error === true ? { isError: true } : {}),
        });
      } else if (block.type === 'text') {
        parts.push({ type: 'text', text: block.text });
      } else if (block.source.type === 'base64') {
        parts.push({ type: 'image', mediaType: block.source.media_type, data: block.source.data });
      } else {
        parts.push({ type: 'image', mediaType: 'image/jpeg', url: block.source.url });
      }
    }
    if (parts.length > 0) messages.push({ role: 'user', content: parts });
  }
  const tc = b.tool_choice;
  const toolChoice: ToolChoice | undefined =
    tc === undefined
      ? undefined
      : tc.type === 'tool'
        ? { name: tc.name }
        : tc.type === 'any'
          ? 'required'
          : tc.type;
  return {
    model: b.model,
    messages: resolveToolNames(messages),
    stream: b.stream === true,
    ...(b.tools !== undefined
      ? {
          tools: b.tools.map((t) => ({
            name: t.name,
            ...(t.description !== undefined ? { description: t.description } : {}),
            parameters: t.input_schema,
          })),
        }
      : {}),
    ...(toolChoice !== undefined ? { toolChoice } : {}),
    ...(b.max_tokens !== undefined ? { maxTokens: b.max_tokens } : {}),
    ...(b.temperature !== undefined ? { temperature: b.temperature } : {}),
    ...(b.top_p !== undefined ? { topP: b.top_p } : {}),
    ...(b.stop_sequences !== undefined ? { stop: b.stop_sequences } : {}),
  };
}

// ---------------------------------------------------------------- internal → provider request

/** The system instruction that stands in for a JSON mode (see the module comment). */
export function jsonInstruction(rf: ResponseFormat): string | undefined {
  if (rf.type === 'json_object') {
    return 'Respond with a single valid JSON object only: no prose, no Markdown code fences.';
  }
  if (rf.type === 'json_schema') {
    return (
      `Respond with a single valid JSON value only (no prose, no Markdown code fences) ` +
      `that conforms to this JSON Schema named "${rf.name}":\n${JSON.stringify(rf.schema)}`
    );
  }
  return undefined;
}

type Block = Record<string, unknown>;

function userPartToAnthropic(p: ContentPart): Block {
  if (p.type === 'text') return { type: 'text', text: p.text };
  return p.data !== undefined
    ? { type: 'image', source: { type: 'base64', media_type: p.mediaType, data: p.data } }
    : { type: 'image', source: { type: 'url', url: p.url ?? '' } };
}

/**
 * Builds the Messages body we send to Anthropic. All system messages are hoisted into the
 * top-level `system` (Anthropic has no system turns); consecutive tool results and user content
 * merge into one user turn with the `tool_result` blocks first, as the API requires. Argument
 * text travels as a parsed `input` object, so it comes back as `JSON.stringify` text: exact for
 * canonical JSON, whitespace-normalised otherwise.
 */
export function chatToAnthropicRequest(
  req: ChatRequest,
  opts: { model: string; stream: boolean },
): object {
  const system: string[] = [];
  const messages: { role: 'user' | 'assistant'; content: Block[] }[] = [];
  const push = (role: 'user' | 'assistant', blocks: Block[]): void => {
    const last = messages[messages.length - 1];
    if (last !== undefined && last.role === role) {
      // Tool results must lead their user turn.
      if (role === 'user' && blocks.some((b) => b['type'] === 'tool_result')) {
        const firstNonResult = last.content.findIndex((b) => b['type'] !== 'tool_result');
        if (firstNonResult >= 0) last.content.splice(firstNonResult, 0, ...blocks);
        else last.content.push(...blocks);
      } else last.content.push(...blocks);
    } else messages.push({ role, content: blocks });
  };
  for (const m of req.messages) {
    switch (m.role) {
      case 'system':
        system.push(m.content);
        break;
      case 'user':
        push('user', m.content.map(userPartToAnthropic));
        break;
      case 'assistant': {
        const blocks: Block[] = [];
        if (m.content !== '') blocks.push({ type: 'text', text: m.content });
        for (const c of m.toolCalls ?? [])
          blocks.push({
            type: 'tool_use',
            id: c.id,
            name: c.name,
            input: argumentsToObject(c.arguments),
          });
        // An empty assistant turn is rejected by the API; it carries nothing anyway.
        if (blocks.length > 0) push('assistant', blocks);
        break;
      }
      case 'tool':
        push('user', [
          {
            type: 'tool_result',
            tool_use_id: m.toolCallId,
            content: m.content,
            ...(m.isError === true ? { is_error: true } : {}),
          },
        ]);
        break;
    }
  }
  if (req.responseFormat !== undefined) {
    const instruction = jsonInstruction(req.responseFormat);
    if (instruction !== undefined) system.push(instruction);
  }
  const body: Record<string, unknown> = {
    model: opts.model,
    max_tokens: req.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
    messages,
  };
  if (system.length > 0) body['system'] = system.join('\n\n');
  if (req.tools !== undefined && req.tools.length > 0 && req.toolChoice !== 'none') {
    body['tools'] = req.tools.map((t) => ({
      name: t.name,
      ...(t.description !== undefined ? { description: t.description } : {}),
      input_schema: t.parameters,
    }));
    if (req.toolChoice !== undefined) {
      body['tool_choice'] =
        typeof req.toolChoice === 'object'
          ? { type: 'tool', name: req.toolChoice.name }
          : { type: req.toolChoice === 'required' ? 'any' : 'auto' };
    }
  }
  // Anthropic caps temperature at 1 where OpenAI allows 2; clamp rather than fail a fallback.
  if (req.temperature !== undefined) body['temperature'] = Math.min(req.temperature, 1);
  if (req.topP !== undefined) body['top_p'] = req.topP;
  if (req.stop !== undefined && req.stop.length > 0) body['stop_sequences'] = req.stop;
  if (opts.stream) body['stream'] = true;
  return body;
}

// ---------------------------------------------------------------- provider response → internal

const usageSchema = z.looseObject({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
});

const responseSchema = z.looseObject({
  id: z.string(),
  model: z.string(),
  content: z.array(
    z.looseObject({
      type: z.string(),
      text: z.string().optional(),
      id: z.string().optional(),
      name: z.string().optional(),
      input: z.unknown().optional(),
    }),
  ),
  stop_reason: z.string().nullish(),
  usage: usageSchema,
});

/** Maps Anthropic `stop_reason` to ours. */
export function anthropicFinishReason(
  reason: string | null | undefined,
  hasToolCalls: boolean,
): FinishReason {
  switch (reason) {
    case 'max_tokens':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    case 'end_turn':
    case 'stop_sequence':
    case 'pause_turn':
      return 'stop';
    default:
      return defaultFinish(hasToolCalls);
  }
}

/** Our finish reason as Anthropic `stop_reason`. */
export function finishToAnthropic(reason: FinishReason): string {
  switch (reason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    case 'stop':
      return 'end_turn';
  }
}

/**
 * Anthropic's `input_tokens` excludes cache reads and writes; ours includes them, with the
 * cache-read part as `cachedInputTokens`.
 */
function usageFromAnthropic(u: z.output<typeof usageSchema>): Usage {
  const cached = count(u.cache_read_input_tokens);
  return {
    inputTokens: count(u.input_tokens) + cached + count(u.cache_creation_input_tokens),
    outputTokens: count(u.output_tokens),
    cachedInputTokens: cached,
  };
}

function usageToAnthropic(u: Usage): object {
  return {
    input_tokens: Math.max(0, u.inputTokens - u.cachedInputTokens),
    output_tokens: u.outputTokens,
    cache_read_input_tokens: u.cachedInputTokens,
    cache_creation_input_tokens: 0,
  };
}

/** Translates an Anthropic Messages response. Throws a `malformed` ProviderError. */
export function anthropicResponseToChat(body: unknown, provider: string): ChatResponse {
  const b = parseProviderBody(responseSchema, body, provider);
  let content = '';
  const toolCalls: ToolCall[] = [];
  for (const block of b.content) {
    if (block.type === 'text') content += block.text ?? '';
    else if (block.type === 'tool_use') {
      if (block.id === undefined || block.name === undefined)
        throw malformed(provider, 'tool_use block without id or name');
      toolCalls.push({
        id: block.id,
        name: block.name,
        arguments: JSON.stringify(block.input ?? {}),
      });
    }
  }
  return {
    id: b.id,
    model: b.model,
    content,
    toolCalls,
    finishReason: anthropicFinishReason(b.stop_reason, toolCalls.length > 0),
    usage: usageFromAnthropic(b.usage),
  };
}

// ---------------------------------------------------------------- internal → client response

/** Builds the Messages answer our endpoint returns to Anthropic clients. */
export function chatToAnthropicResponse(
  res: ChatResponse,
  extras: { model?: string } = {},
): object {
  const content: Block[] = [];
  if (res.content !== '' || res.toolCalls.length === 0)
    content.push({ type: 'text', text: res.content });
  for (const c of res.toolCalls)
    content.push({
      type: 'tool_use',
      id: c.id,
      name: c.name,
      input: argumentsToObject(c.arguments),
    });
  return {
    id: res.id,
    type: 'message',
    role: 'assistant',
    model: extras.model ?? res.model,
    content,
    stop_reason: finishToAnthropic(res.finishReason),
    stop_sequence: null,
    usage: usageToAnthropic(res.usage),
  };
}

// ---------------------------------------------------------------- provider stream → internal

const USAGE_KEYS = [
  'input_tokens',
  'output_tokens',
  'cache_read_input_tokens',
  'cache_creation_input_tokens',
] as const;
const streamEventSchema = z.looseObject({ type: z.string() });
const messageStartSchema = z.looseObject({
  message: z.looseObject({ id: z.string(), model: z.string(), usage: usageSchema.optional() }),
});
const blockStartSchema = z.looseObject({
  index: z.number().int().min(0),
  content_block: z.looseObject({
    type: z.string(),
    id: z.string().optional(),
    name: z.string().optional(),
    text: z.string().optional(),
  }),
});
const blockDeltaSchema = z.looseObject({
  index: z.number().int().min(0),
  delta: z.looseObject({
    type: z.string(),
    text: z.string().optional(),
    partial_json: z.string().optional(),
  }),
});
const messageDeltaSchema = z.looseObject({
  delta: z.looseObject({ stop_reason: z.string().nullish() }),
  usage: usageSchema.partial().nullish(),
});
const errorEventSchema = z.looseObject({
  error: z.looseObject({ type: z.string().optional(), message: z.string().optional() }),
});

/** Maps an Anthropic error `type` to a failure kind. */
export function anthropicErrorCode(type: string | undefined): StreamErrorCode {
  switch (type) {
    case 'rate_limit_error':
      return 'rate_limited';
    case 'authentication_error':
    case 'permission_error':
      return 'auth';
    case 'invalid_request_error':
    case 'not_found_error':
    case 'request_too_large':
      return 'bad_request';
    default:
      return 'server';
  }
}

/**
 * Turns the `data:` payloads of an Anthropic streaming response into {@link ChatStreamEvent}s
 * (the payload's own `type` field names the event, so the `event:` line is not needed).
 * `finish` is emitted on `message_stop`; an `error` event ends the stream with an error event;
 * {@link AnthropicStreamDecoder.end} without `message_stop` yields a `truncated` error.
 */
export class AnthropicStreamDecoder {
  #done = false;
  #stop: string | null | undefined;
  #usage: z.output<typeof usageSchema> = {};
  /** Anthropic block index → our tool-call index (tool calls are numbered from 0). */
  readonly #toolIndex = new Map<number, number>();

  constructor(private readonly provider: string) {}

  /** True once the stream reached `message_stop` or an error. */
  get done(): boolean {
    return this.#done;
  }

  /** Decodes one SSE `data` payload. */
  feed(data: string): ChatStreamEvent[] {
    if (this.#done) return [];
    const json = parseJsonData(data);
    const head = streamEventSchema.safeParse(json);
    if (!head.success) return this.#fail('malformed', `${this.provider}: malformed stream event`);
    switch (head.data.type) {
      case 'message_start': {
        const p = messageStartSchema.safeParse(json);
        if (!p.success) return this.#fail('malformed', `${this.provider}: malformed message_start`);
        this.#usage = { ...(p.data.message.usage ?? {}) };
        return [{ type: 'start', id: p.data.message.id, model: p.data.message.model }];
      }
      case 'content_block_start': {
        const p = blockStartSchema.safeParse(json);
        if (!p.success)
          return this.#fail('malformed', `${this.provider}: malformed content_block_start`);
        const block = p.data.content_block;
        if (block.type === 'tool_use') {
          if (block.id === undefined || block.name === undefined)
            return this.#fail('malformed', `${this.provider}: tool_use block without id or name`);
          const index = this.#toolIndex.size;
          this.#toolIndex.set(p.data.index, index);
          return [{ type: 'tool_call_start', index, id: block.id, name: block.name }];
        }
        if (block.type === 'text' && block.text !== undefined && block.text !== '')
          return [{ type: 'text', text: block.text }];
        return [];
      }
      case 'content_block_delta': {
        const p = blockDeltaSchema.safeParse(json);
        if (!p.success)
          return this.#fail('malformed', `${this.provider}: malformed content_block_delta`);
        const d = p.data.delta;
        if (d.type === 'text_delta' && d.text !== undefined && d.text !== '')
          return [{ type: 'text', text: d.text }];
        if (
          d.type === 'input_json_delta' &&
          d.partial_json !== undefined &&
          d.partial_json !== ''
        ) {
          const index = this.#toolIndex.get(p.data.index);
          if (index === undefined)
            return this.#fail(
              'malformed',
              `${this.provider}: input_json_delta for an unknown block`,
            );
          return [{ type: 'tool_call_delta', index, argumentsDelta: d.partial_json }];
        }
        return [];
      }
      case 'message_delta': {
        const p = messageDeltaSchema.safeParse(json);
        if (!p.success) return this.#fail('malformed', `${this.provider}: malformed message_delta`);
        if (p.data.delta.stop_reason != null) this.#stop = p.data.delta.stop_reason;
        // Cumulative counts: later values replace earlier ones, absent ones are kept.
        const u = p.data.usage ?? {};
        for (const k of USAGE_KEYS) {
          const v = u[k];
          if (v != null) this.#usage[k] = v;
        }
        return [];
      }
      case 'message_stop':
        this.#done = true;
        return [
          {
            type: 'finish',
            finishReason: anthropicFinishReason(this.#stop, this.#toolIndex.size > 0),
            usage: usageFromAnthropic(this.#usage),
          },
        ];
      case 'error': {
        const p = errorEventSchema.safeParse(json);
        const type = p.success ? p.data.error.type : undefined;
        const message = p.success ? (p.data.error.message ?? 'stream error') : 'stream error';
        return this.#fail(anthropicErrorCode(type), `${this.provider}: ${message}`);
      }
      default:
        // ping, content_block_stop and event types added later carry nothing we need.
        return [];
    }
  }

  /** Call when the body ended; a stream without `message_stop` was cut off. */
  end(): ChatStreamEvent[] {
    if (this.#done) return [];
    return this.#fail('truncated', `${this.provider}: stream ended before message_stop`);
  }

  #fail(code: StreamErrorCode, message: string): ChatStreamEvent[] {
    this.#done = true;
    return [{ type: 'error', code, message }];
  }
}

// ---------------------------------------------------------------- internal stream → client SSE

function sse(event: string, data: object): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function anthropicErrorType(code: string): string {
  switch (code) {
    case 'rate_limited':
      return 'rate_limit_error';
    case 'auth':
      return 'authentication_error';
    case 'bad_request':
      return 'invalid_request_error';
    case 'server':
      return 'overloaded_error';
    default:
      return 'api_error';
  }
}

/**
 * Encodes {@link ChatStreamEvent}s as the SSE event sequence an Anthropic client expects:
 * `message_start`, content blocks (`content_block_start` / `_delta` / `_stop`), `message_delta`
 * with the stop reason and usage, `message_stop`. An `error` event becomes `event: error`, which
 * the official SDK raises, so a failed stream never looks complete. Input usage is only known at
 * the end of our streams, so `message_start` reports zeros and `message_delta` the full counts.
 */
export class AnthropicStreamEncoder {
  #blocks = 0;
  #open: number | undefined;
  #openIsText = false;
  readonly #toolBlocks = new Map<number, number>();

  constructor(private readonly opts: { model?: string } = {}) {}

  #close(): string {
    if (this.#open === undefined) return '';
    const out = sse('content_block_stop', { type: 'content_block_stop', index: this.#open });
    this.#open = undefined;
    return out;
  }

  /** Encodes one event as zero or more SSE events. */
  encode(event: ChatStreamEvent): string {
    switch (event.type) {
      case 'start':
        return sse('message_start', {
          type: 'message_start',
          message: {
            id: event.id,
            type: 'message',
            role: 'assistant',
            model: this.opts.model ?? event.model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: 0, output_tokens: 0 },
          },
        });
      case 'text': {
        let out = '';
        if (this.#open === undefined || !this.#openIsText) {
          out += this.#close();
          this.#open = this.#blocks++;
          this.#openIsText = true;
          out += sse('content_block_start', {
            type: 'content_block_start',
            index: this.#open,
            content_block: { type: 'text', text: '' },
          });
        }
        return (
          out +
          sse('content_block_delta', {
            type: 'content_block_delta',
            index: this.#open,
            delta: { type: 'text_delta', text: event.text },
          })
        );
      }
      case 'tool_call_start': {
        const out = this.#close();
        const index = this.#blocks++;
        this.#open = index;
        this.#openIsText = false;
        this.#toolBlocks.set(event.index, index);
        return (
          out +
          sse('content_block_start', {
            type: 'content_block_start',
            index,
            content_block: { type: 'tool_use', id: event.id, name: event.name, input: {} },
          })
        );
      }
      case 'tool_call_delta': {
        const index = this.#toolBlocks.get(event.index);
        if (index === undefined) return '';
        return sse('content_block_delta', {
          type: 'content_block_delta',
          index,
          delta: { type: 'input_json_delta', partial_json: event.argumentsDelta },
        });
      }
      case 'finish':
        return (
          this.#close() +
          sse('message_delta', {
            type: 'message_delta',
            delta: { stop_reason: finishToAnthropic(event.finishReason), stop_sequence: null },
            usage: usageToAnthropic(event.usage),
          }) +
          sse('message_stop', { type: 'message_stop' })
        );
      case 'error':
        return sse('error', {
          type: 'error',
          error: { type: anthropicErrorType(event.code), message: event.message },
        });
    }
  }
}

/** Encodes a whole event sequence; see {@link AnthropicStreamEncoder}. */
export function chatEventsToAnthropicSse(
  events: Iterable<ChatStreamEvent>,
  opts: { model?: string } = {},
): string {
  const enc = new AnthropicStreamEncoder(opts);
  let out = '';
  for (const e of events) out += enc.encode(e);
  return out;
}

/**
 * @module OpenAI Chat Completions and Embeddings wire format, both directions. Our HTTP endpoint
 * speaks it to OpenAI clients, and the OpenAI provider (also used for OpenAI-compatible servers
 * such as Ollama and vLLM) speaks it to the model. Pure functions and small state machines only:
 * no I/O, so every mapping is unit-tested against recorded shapes.
 */
import { z } from 'zod';
import type {
  ChatMessage,
  ChatRequest,
  ChatResponse,
  ChatStreamEvent,
  ContentPart,
  EmbeddingRequest,
  EmbeddingResponse,
  FinishReason,
  ResponseFormat,
  ToolCall,
  ToolChoice,
  Usage,
} from '../chat-types.js';
import {
  count,
  defaultFinish,
  imageFromUrl,
  jsonObject,
  malformed,
  parseClientBody,
  parseJsonData,
  parseProviderBody,
  resolveToolNames,
  type StreamErrorCode,
} from './wire-common.js';

// ---------------------------------------------------------------- client request → internal

const textPart = z.looseObject({ type: z.literal('text'), text: z.string() });
const contentPart = z.discriminatedUnion('type', [
  textPart,
  z.looseObject({
    type: z.literal('image_url'),
    image_url: z.looseObject({ url: z.string().min(1) }),
  }),
]);
const userContent = z.union([z.string(), z.array(contentPart)], {
  error: 'expected a string or an array of content parts',
});
const textContent = z.union([z.string(), z.array(textPart)], {
  error: 'expected a string or an array of text parts',
});
const toolCallSchema = z.looseObject({
  id: z.string().min(1),
  type: z.literal('function').optional(),
  function: z.looseObject({ name: z.string().min(1), arguments: z.string() }),
});
const messageSchema = z.discriminatedUnion(
  'role',
  [
    z.looseObject({ role: z.literal('system'), content: textContent }),
    z.looseObject({ role: z.literal('developer'), content: textContent }),
    z.looseObject({ role: z.literal('user'), content: userContent }),
    z.looseObject({
      role: z.literal('assistant'),
      content: textContent.nullish(),
      tool_calls: z.array(toolCallSchema).optional(),
    }),
    z.looseObject({
      role: z.literal('tool'),
      tool_call_id: z.string().min(1),
      content: textContent,
    }),
  ],
  { error: 'expected role system, developer, user, assistant or tool' },
);
const toolSchema = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: jsonObject.optional(),
  }),
});
const toolChoiceSchema = z.union(
  [
    z.enum(['auto', 'none', 'required']),
    z.looseObject({
      type: z.literal('function'),
      function: z.looseObject({ name: z.string().min(1) }),
    }),
  ],
  { error: 'expected "auto", "none", "required" or {type:"function",function:{name}}' },
);
const responseFormatSchema = z.discriminatedUnion(
  'type',
  [
    z.looseObject({ type: z.literal('text') }),
    z.looseObject({ type: z.literal('json_object') }),
    z.looseObject({
      type: z.literal('json_schema'),
      json_schema: z.looseObject({
        name: z.string().min(1),
        schema: jsonObject.optional(),
        strict: z.boolean().nullish(),
      }),
    }),
  ],
  { error: 'expected type text, json_object or json_schema' },
);
const requestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(messageSchema).min(1, 'expected at least one message'),
  tools: z.array(toolSchema).optional(),
  tool_choice: toolChoiceSchema.optional(),
  response_format: responseFormatSchema.optional(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  stream: z.boolean().nullish(),
});

function joinText(content: string | readonly { text: string }[] | null | undefined): string {
  if (content === null || content === undefined) return '';
  return typeof content === 'string' ? content : content.map((p) => p.text).join('');
}

/** One client message in our terms. */
function messageToChat(m: z.output<typeof messageSchema>): ChatMessage {
  switch (m.role) {
    case 'system':
    case 'developer':
      return { role: 'system', content: joinText(m.content) };
    case 'user':
      return {
        role: 'user',
        content:
          typeof m.content === 'string'
            ? [{ type: 'text', text: m.content }]
            : m.content.map(
                (p): ContentPart =>
                  p.type === 'text'
                    ? { type: 'text', text: p.text }
                    : imageFromUrl(p.image_url.url),
              ),
      };
    case 'assistant': {
      const toolCalls = (m.tool_calls ?? []).map(
        (c): ToolCall => ({ id: c.id, name: c.function.name, arguments: c.function.arguments }),
      );
      return toolCalls.length > 0
        ? { role: 'assistant', content: joinText(m.content), toolCalls }
        : { role: 'assistant', content: joinText(m.content) };
    }
    case 'tool':
      return { role: 'tool', toolCallId: m.tool_call_id, content: joinText(m.content) };
  }
}

/**
 * Translates an OpenAI Chat Completions request body (from a client) to a {@link ChatRequest}.
 * `developer` messages count as system messages; tool results get their tool's name from the
 * call they answer. Throws `INPUT_INVALID` naming the bad field.
 */
export function openAIRequestToChat(body: unknown): ChatRequest & { stream: boolean } {
  const b = parseClientBody(requestSchema, body);
  const messages: ChatMessage[] = b.messages.map(messageToChat);
  const rf = b.response_format;
  const responseFormat: ResponseFormat | undefined =
    rf === undefined
      ? undefined
      : rf.type === 'json_schema'
        ? {
            type: 'json_schema',
            name: rf.json_schema.name,
            schema: rf.json_schema.schema ?? {},
            ...(rf.json_schema.strict != null ? { strict: rf.json_schema.strict } : {}),
          }
        : { type: rf.type };
  const tc = b.tool_choice;
  const toolChoice: ToolChoice | undefined =
    tc === undefined ? undefined : typeof tc === 'string' ? tc : { name: tc.function.name };
  const maxTokens = b.max_completion_tokens ?? b.max_tokens;
  return {
    model: b.model,
    messages: resolveToolNames(messages),
    stream: b.stream === true,
    ...(b.tools !== undefined
      ? {
          tools: b.tools.map((t) => ({
            name: t.function.name,
            ...(t.function.description !== undefined
              ? { description: t.function.description }
              : {}),
            parameters: t.function.parameters ?? { type: 'object', properties: {} },
          })),
        }
      : {}),
    ...(toolChoice !== undefined ? { toolChoice } : {}),
    ...(responseFormat !== undefined ? { responseFormat } : {}),
    ...(maxTokens != null ? { maxTokens } : {}),
    ...(b.temperature != null ? { temperature: b.temperature } : {}),
    ...(b.top_p != null ? { topP: b.top_p } : {}),
    ...(b.stop != null ? { stop: typeof b.stop === 'string' ? [b.stop] : b.stop } : {}),
  };
}

// ---------------------------------------------------------------- internal → provider request

/** Options for {@link chatToOpenAIRequest}. */
export interface OpenAIRequestOptions {
  readonly model: string;
  readonly stream: boolean;
  /**
   * OpenAI's own API wants `max_completion_tokens` (reasoning models reject `max_tokens`);
   * OpenAI-compatible servers (Ollama, vLLM, llama.cpp) widely understand only `max_tokens`.
   * Defaults to `max_tokens`.
   */
  readonly maxTokensField?: 'max_tokens' | 'max_completion_tokens';
}

function userPartToOpenAI(p: ContentPart): object {
  if (p.type === 'text') return { type: 'text', text: p.text };
  const url = p.data !== undefined ? `data:${p.mediaType};base64,${p.data}` : (p.url ?? '');
  return { type: 'image_url', image_url: { url } };
}

/** One of our messages as a Chat Completions message. */
function messageToOpenAI(m: ChatMessage): object {
  switch (m.role) {
    case 'system':
      return { role: 'system', content: m.content };
    case 'user': {
      const only = m.content[0];
      return m.content.length === 1 && only?.type === 'text'
        ? { role: 'user', content: only.text }
        : { role: 'user', content: m.content.map(userPartToOpenAI) };
    }
    case 'assistant':
      return m.toolCalls !== undefined && m.toolCalls.length > 0
        ? {
            role: 'assistant',
            content: m.content === '' ? null : m.content,
            tool_calls: m.toolCalls.map((c) => ({
              id: c.id,
              type: 'function',
              function: { name: c.name, arguments: c.arguments },
            })),
          }
        : { role: 'assistant', content: m.content };
    case 'tool':
      return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
  }
}

/**
 * Builds the Chat Completions body we send to an OpenAI(-compatible) provider. Streams ask for
 * usage in the final chunk (`stream_options.include_usage`) so streamed calls are metered too.
 * OpenAI has no error flag on tool results, so `isError` is not carried.
 */
export function chatToOpenAIRequest(req: ChatRequest, opts: OpenAIRequestOptions): object {
  const messages = req.messages.map(messageToOpenAI);
  const body: Record<string, unknown> = { model: opts.model, messages };
  if (req.tools !== undefined && req.tools.length > 0) {
    body['tools'] = req.tools.map((t) => ({
      type: 'function',
      function: {
        name: t.name,
        ...(t.description !== undefined ? { description: t.description } : {}),
        parameters: t.parameters,
      },
    }));
  }
  if (req.toolChoice !== undefined) {
    body['tool_choice'] =
      typeof req.toolChoice === 'string'
        ? req.toolChoice
        : { type: 'function', function: { name: req.toolChoice.name } };
  }
  const rf = req.responseFormat;
  if (rf !== undefined) {
    body['response_format'] =
      rf.type === 'json_schema'
        ? {
            type: 'json_schema',
            json_schema: {
              name: rf.name,
              schema: rf.schema,
              ...(rf.strict !== undefined ? { strict: rf.strict } : {}),
            },
          }
        : { type: rf.type };
  }
  if (req.maxTokens !== undefined) body[opts.maxTokensField ?? 'max_tokens'] = req.maxTokens;
  if (req.temperature !== undefined) body['temperature'] = req.temperature;
  if (req.topP !== undefined) body['top_p'] = req.topP;
  if (req.stop !== undefined && req.stop.length > 0) body['stop'] = req.stop;
  if (opts.stream) {
    body['stream'] = true;
    body['stream_options'] = { include_usage: true };
  }
  return body;
}

// ---------------------------------------------------------------- provider response → internal

const usageSchema = z
  .looseObject({
    prompt_tokens: z.number().nullish(),
    completion_tokens: z.number().nullish(),
    prompt_tokens_details: z.looseObject({ cached_tokens: z.number().nullish() }).nullish(),
  })
  .nullish();

const responseSchema = z.looseObject({
  id: z.string(),
  model: z.string(),
  choices: z
    .array(
      z.looseObject({
        message: z.looseObject({
          content: z.string().nullish(),
          tool_calls: z
            .array(
              z.looseObject({
                id: z.string(),
                function: z.looseObject({ name: z.string(), arguments: z.string() }),
              }),
            )
            .nullish(),
        }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
  usage: usageSchema,
});

/** Maps OpenAI `finish_reason` to ours; unknown values count as a normal stop. */
export function openAIFinishReason(
  reason: string | null | undefined,
  hasToolCalls: boolean,
): FinishReason {
  switch (reason) {
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'content_filter':
      return 'content_filter';
    case 'stop':
      return 'stop';
    default:
      return defaultFinish(hasToolCalls);
  }
}

function usageFromOpenAI(u: z.output<typeof usageSchema>): Usage {
  return {
    inputTokens: count(u?.prompt_tokens),
    outputTokens: count(u?.completion_tokens),
    cachedInputTokens: count(u?.prompt_tokens_details?.cached_tokens),
  };
}

/**
 * Translates an OpenAI Chat Completions response to a {@link ChatResponse}; only the first
 * choice is used (the gateway never asks for `n > 1`). Throws a `malformed` ProviderError.
 */
export function openAIResponseToChat(body: unknown, provider: string): ChatResponse {
  const b = parseProviderBody(responseSchema, body, provider);
  const choice = b.choices[0]!;
  const toolCalls = (choice.message.tool_calls ?? []).map(
    (c): ToolCall => ({ id: c.id, name: c.function.name, arguments: c.function.arguments }),
  );
  return {
    id: b.id,
    model: b.model,
    content: choice.message.content ?? '',
    toolCalls,
    finishReason: openAIFinishReason(choice.finish_reason, toolCalls.length > 0),
    usage: usageFromOpenAI(b.usage),
  };
}

// ---------------------------------------------------------------- internal → client response

/** Optional fields of our OpenAI-format answers. */
export interface OpenAIResponseExtras {
  /** Model name to report (e.g. the alias the client asked for); defaults to the response's. */
  readonly model?: string;
  /** Unix seconds; defaults to now. */
  readonly created?: number;
}

function usageToOpenAI(u: Usage): object {
  return {
    prompt_tokens: u.inputTokens,
    completion_tokens: u.outputTokens,
    total_tokens: u.inputTokens + u.outputTokens,
    prompt_tokens_details: { cached_tokens: u.cachedInputTokens },
  };
}

/** Builds the `chat.completion` object our endpoint returns to OpenAI clients. */
export function chatToOpenAIResponse(res: ChatResponse, extras: OpenAIResponseExtras = {}): object {
  return {
    id: res.id,
    object: 'chat.completion',
    created: extras.created ?? Math.floor(Date.now() / 1000),
    model: extras.model ?? res.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: res.content === '' && res.toolCalls.length > 0 ? null : res.content,
          ...(res.toolCalls.length > 0
            ? {
                tool_calls: res.toolCalls.map((c) => ({
                  id: c.id,
                  type: 'function',
                  function: { name: c.name, arguments: c.arguments },
                })),
              }
            : {}),
          refusal: null,
        },
        logprobs: null,
        finish_reason: res.finishReason,
      },
    ],
    usage: usageToOpenAI(res.usage),
  };
}

// ---------------------------------------------------------------- provider stream → internal

const chunkSchema = z.looseObject({
  id: z.string().optional(),
  model: z.string().optional(),
  choices: z
    .array(
      z.looseObject({
        index: z.number().optional(),
        delta: z
          .looseObject({
            content: z.string().nullish(),
            tool_calls: z
              .array(
                z.looseObject({
                  index: z.number().int().min(0),
                  id: z.string().nullish(),
                  function: z
                    .looseObject({ name: z.string().nullish(), arguments: z.string().nullish() })
                    .nullish(),
                }),
              )
              .nullish(),
          })
          .nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: usageSchema,
  error: z.looseObject({ message: z.string().optional(), type: z.string().nullish() }).optional(),
});

/**
 * Turns the `data:` payloads of an OpenAI streaming response into {@link ChatStreamEvent}s.
 * `finish` is emitted on `[DONE]`, not on `finish_reason`, because with
 * `stream_options.include_usage` the usage arrives in one more chunk after it. Tool calls are
 * announced once their id and name are known; argument pieces that arrive earlier are held back.
 * Call {@link OpenAIStreamDecoder.end} when the body ends: without `[DONE]` it yields a
 * `truncated` error event.
 */
export class OpenAIStreamDecoder {
  #started = false;
  #done = false;
  #finish: string | undefined;
  #usage: Usage | undefined;
  readonly #tools = new Map<
    number,
    { id?: string; name?: string; pending: string; announced: boolean }
  >();

  constructor(private readonly provider: string) {}

  /** True once the stream reached `[DONE]` or an error. */
  get done(): boolean {
    return this.#done;
  }

  /** Decodes one SSE `data` payload. */
  feed(data: string): ChatStreamEvent[] {
    if (this.#done) return [];
    if (data.trim() === '[DONE]') {
      this.#done = true;
      const hasTools = this.#tools.size > 0;
      return [
        {
          type: 'finish',
          finishReason: openAIFinishReason(this.#finish, hasTools),
          usage: this.#usage ?? { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 },
        },
      ];
    }
    const parsed = chunkSchema.safeParse(parseJsonData(data));
    if (!parsed.success) return this.#fail('malformed', `${this.provider}: malformed stream chunk`);
    const chunk = parsed.data;
    if (chunk.error !== undefined) {
      return this.#fail('server', `${this.provider}: ${chunk.error.message ?? 'stream error'}`);
    }
    const out: ChatStreamEvent[] = [];
    if (!this.#started) {
      this.#started = true;
      out.push({ type: 'start', id: chunk.id ?? '', model: chunk.model ?? '' });
    }
    if (chunk.usage != null) this.#usage = usageFromOpenAI(chunk.usage);
    for (const choice of chunk.choices ?? []) {
      if ((choice.index ?? 0) !== 0) continue;
      const delta = choice.delta;
      if (delta?.content != null && delta.content !== '')
        out.push({ type: 'text', text: delta.content });
      for (const tc of delta?.tool_calls ?? []) {
        let t = this.#tools.get(tc.index);
        if (t === undefined) {
          t = { pending: '', announced: false };
          this.#tools.set(tc.index, t);
        }
        if (tc.id != null && tc.id !== '') t.id ??= tc.id;
        if (tc.function?.name != null && tc.function.name !== '') t.name ??= tc.function.name;
        const args = tc.function?.arguments ?? '';
        if (!t.announced && t.id !== undefined && t.name !== undefined) {
          t.announced = true;
          out.push({ type: 'tool_call_start', index: tc.index, id: t.id, name: t.name });
          if (t.pending !== '')
            out.push({ type: 'tool_call_delta', index: tc.index, argumentsDelta: t.pending });
          t.pending = '';
        }
        if (args !== '') {
          if (t.announced)
            out.push({ type: 'tool_call_delta', index: tc.index, argumentsDelta: args });
          else t.pending += args;
        }
      }
      if (choice.finish_reason != null) this.#finish = choice.finish_reason;
    }
    return out;
  }

  /** Call when the body ended; a stream without `[DONE]` was cut off. */
  end(): ChatStreamEvent[] {
    if (this.#done) return [];
    return this.#fail('truncated', `${this.provider}: stream ended before [DONE]`);
  }

  #fail(code: StreamErrorCode, message: string): ChatStreamEvent[] {
    this.#done = true;
    return [{ type: 'error', code, message }];
  }
}

// ---------------------------------------------------------------- internal stream → client SSE

/** Options for {@link OpenAIStreamEncoder}. */
export interface OpenAIEncoderOptions extends OpenAIResponseExtras {
  /** Send the usage chunk before `[DONE]` (the client set `stream_options.include_usage`). */
  readonly includeUsage?: boolean;
}

/**
 * Encodes {@link ChatStreamEvent}s as the SSE text an OpenAI client expects:
 * `data: {chat.completion.chunk}` lines, then `data: [DONE]`. An `error` event becomes a final
 * `data: {"error":{...}}` line (what OpenAI itself sends, and what the official SDK raises on),
 * with no `[DONE]`, so a failed stream never looks complete.
 */
export class OpenAIStreamEncoder {
  #id = '';
  #model: string;
  readonly #created: number;

  constructor(private readonly opts: OpenAIEncoderOptions = {}) {
    this.#model = opts.model ?? '';
    this.#created = opts.created ?? Math.floor(Date.now() / 1000);
  }

  #chunk(choices: object[], usage?: object): string {
    const chunk: Record<string, unknown> = {
      id: this.#id,
      object: 'chat.completion.chunk',
      created: this.#created,
      model: this.#model,
      choices,
    };
    if (usage !== undefined) chunk['usage'] = usage;
    return `data: ${JSON.stringify(chunk)}\n\n`;
  }

  /** Encodes one event as zero or more SSE lines. */
  encode(event: ChatStreamEvent): string {
    switch (event.type) {
      case 'start':
        this.#id = event.id;
        if (this.opts.model === undefined) this.#model = event.model;
        return this.#chunk([
          {
            index: 0,
            delta: { role: 'assistant', content: '' },
            logprobs: null,
            finish_reason: null,
          },
        ]);
      case 'text':
        return this.#chunk([
          { index: 0, delta: { content: event.text }, logprobs: null, finish_reason: null },
        ]);
      case 'tool_call_start':
        return this.#chunk([
          {
            index: 0,
            delta: {
              tool_calls: [
                {
                  index: event.index,
                  id: event.id,
                  type: 'function',
                  function: { name: event.name, arguments: '' },
                },
              ],
            },
            logprobs: null,
            finish_reason: null,
          },
        ]);
      case 'tool_call_delta':
        return this.#chunk([
          {
            index: 0,
            delta: {
              tool_calls: [{ index: event.index, function: { arguments: event.argumentsDelta } }],
            },
            logprobs: null,
            finish_reason: null,
          },
        ]);
      case 'finish': {
        let out = this.#chunk([
          { index: 0, delta: {}, logprobs: null, finish_reason: event.finishReason },
        ]);
        if (this.opts.includeUsage === true) out += this.#chunk([], usageToOpenAI(event.usage));
        return `${out}data: [DONE]\n\n`;
      }
      case 'error':
        return `data: ${JSON.stringify({
          error: { message: event.message, type: errorTypeFor(event.code), code: event.code },
        })}\n\n`;
    }
  }
}

function errorTypeFor(code: string): string {
  if (code === 'rate_limited') return 'rate_limit_error';
  if (code === 'bad_request') return 'invalid_request_error';
  if (code === 'auth') return 'authentication_error';
  return 'server_error';
}

/** Encodes a whole event sequence; see {@link OpenAIStreamEncoder}. */
export function chatEventsToOpenAISse(
  events: Iterable<ChatStreamEvent>,
  opts: OpenAIEncoderOptions = {},
): string {
  const enc = new OpenAIStreamEncoder(opts);
  let out = '';
  for (const e of events) out += enc.encode(e);
  return out;
}

// ---------------------------------------------------------------- embeddings

const embeddingRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1, 'expected at least one input')], {
    error: 'expected a string or an array of strings (token arrays are not supported)',
  }),
  dimensions: z.number().int().positive().optional(),
  encoding_format: z.literal('float', 'only "float" is supported').optional(),
});

/** Translates an OpenAI `/embeddings` request body (from a client). Throws `INPUT_INVALID`. */
export function openAIEmbeddingRequestToInternal(body: unknown): EmbeddingRequest {
  const b = parseClientBody(embeddingRequestSchema, body);
  return {
    model: b.model,
    input: typeof b.input === 'string' ? [b.input] : b.input,
    ...(b.dimensions !== undefined ? { dimensions: b.dimensions } : {}),
  };
}

/** Builds the `/embeddings` body we send to an OpenAI(-compatible) provider. */
export function internalToOpenAIEmbeddingRequest(
  req: EmbeddingRequest,
  opts: { model: string },
): object {
  return {
    model: opts.model,
    input: req.input,
    encoding_format: 'float',
    ...(req.dimensions !== undefined ? { dimensions: req.dimensions } : {}),
  };
}

const embeddingResponseSchema = z.looseObject({
  model: z.string(),
  data: z.array(z.looseObject({ index: z.number().int().min(0), embedding: z.array(z.number()) })),
  usage: z.looseObject({ prompt_tokens: z.number().nullish() }).nullish(),
});

/** Translates an OpenAI `/embeddings` response, ordering vectors by `index`. */
export function openAIEmbeddingResponseToInternal(
  body: unknown,
  provider: string,
  expected: number,
): EmbeddingResponse {
  const b = parseProviderBody(embeddingResponseSchema, body, provider);
  if (b.data.length !== expected) {
    throw malformed(provider, `expected ${expected} embeddings, got ${b.data.length}`);
  }
  const sorted = [...b.data].sort((x, y) => x.index - y.index);
  return {
    model: b.model,
    embeddings: sorted.map((d) => d.embedding),
    usage: { inputTokens: count(b.usage?.prompt_tokens) },
  };
}

/** Builds the `/embeddings` answer our endpoint returns to OpenAI clients. */
export function internalToOpenAIEmbeddingResponse(
  res: EmbeddingResponse,
  extras: { model?: string } = {},
): object {
  return {
    object: 'list',
    data: res.embeddings.map((embedding, index) => ({ object: 'embedding', index, embedding })),
    model: extras.model ?? res.model,
    usage: { prompt_tokens: res.usage.inputTokens, total_tokens: res.usage.inputTokens },
  };
}

/**
 * @module Gemini `generateContent` / `streamGenerateContent?alt=sse` / `batchEmbedContents` wire
 * format, both directions. Pure translation plus a stream decoder; no I/O.
 *
 * Tool call ids: Gemini's `functionCall` normally has no id, and results (`functionResponse`)
 * are matched to calls by name. When Gemini gives no id we synthesise a stable one:
 * `call_<responseId>_<n>` in answers (`call_<n>` when the answer has no `responseId`), and
 * `call_<turn>_<n>` when reading a Gemini-format conversation, `n` counting the calls of that
 * answer or turn from 0. Results are mapped back to their call by name (in order, for repeated
 * names). So ids survive every format except a trip through Gemini itself, where they are
 * replaced by these synthesised, conversation-unique ones; names and arguments survive.
 *
 * JSON Schemas (tool parameters, `responseSchema`) are reduced to the OpenAPI subset Gemini
 * accepts: unsupported keywords such as `additionalProperties` or `$schema` are dropped rather
 * than making Gemini refuse the whole request.
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
  argumentsToObject,
  count,
  jsonObject,
  malformed,
  parseClientBody,
  parseJsonData,
  parseProviderBody,
  resolveToolNames,
  type StreamErrorCode,
} from './wire-common.js';

/**
 * Gemini 3 refuses function-call history without a thought signature; history that did not come
 * from Gemini (or lost its signature in translation) carries this documented bypass value.
 */
export const GEMINI_SKIP_THOUGHT_SIGNATURE = 'skip_thought_signature_validator';

/** The id we give the `n`-th call of an answer or turn that Gemini left without ids. */
export function geminiCallId(scope: string | number | undefined, n: number): string {
  return scope === undefined || scope === '' ? `call_${n}` : `call_${scope}_${n}`;
}

// ---------------------------------------------------------------- schema reduction

const SCHEMA_KEYS = new Set([
  'type',
  'format',
  'title',
  'description',
  'nullable',
  'enum',
  'maxItems',
  'minItems',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'pattern',
  'example',
  'default',
  'minimum',
  'maximum',
  'propertyOrdering',
  'required',
]);

/** Reduces a JSON Schema to the OpenAPI subset Gemini's `Schema` accepts. */
export function toGeminiSchema(schema: unknown): Record<string, unknown> {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'type' && Array.isArray(value)) {
      // JSON Schema's ["string", "null"] is OpenAPI's type + nullable.
      const types = value.filter((t) => t !== 'null');
      if (types.length === 1) out['type'] = types[0];
      if (types.length !== value.length) out['nullable'] = true;
    } else if (key === 'properties' && typeof value === 'object' && value !== null) {
      out['properties'] = Object.fromEntries(
        Object.entries(value).map(([name, sub]) => [name, toGeminiSchema(sub)]),
      );
    } else if (key === 'items') {
      out['items'] = toGeminiSchema(value);
    } else if (key === 'anyOf' && Array.isArray(value)) {
      out['anyOf'] = value.map(toGeminiSchema);
    } else if (SCHEMA_KEYS.has(key)) {
      out[key] = value;
    }
  }
  return out;
}

// ---------------------------------------------------------------- internal → provider request

type Part = Record<string, unknown>;

function userPartToGemini(p: ContentPart): Part {
  if (p.type === 'text') return { text: p.text };
  return p.data !== undefined
    ? { inlineData: { mimeType: p.mediaType, data: p.data } }
    : { fileData: { mimeType: p.mediaType, fileUri: p.url ?? '' } };
}

function toolResultToResponse(content: string, isError: boolean): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    value = undefined;
  }
  if (isError) return { error: value ?? content };
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : { content };
}

function generationConfig(req: ChatRequest): Record<string, unknown> {
  const g: Record<string, unknown> = {};
  if (req.maxTokens !== undefined) g['maxOutputTokens'] = req.maxTokens;
  if (req.temperature !== undefined) g['temperature'] = req.temperature;
  if (req.topP !== undefined) g['topP'] = req.topP;
  if (req.stop !== undefined && req.stop.length > 0) g['stopSequences'] = req.stop;
  const rf = req.responseFormat;
  if (rf !== undefined && rf.type !== 'text') {
    g['responseMimeType'] = 'application/json';
    if (rf.type === 'json_schema') g['responseSchema'] = toGeminiSchema(rf.schema);
  }
  return g;
}

/**
 * Builds the `generateContent` body we send to Gemini (the model and streaming are in the URL,
 * so `opts` only documents intent). System messages become `systemInstruction`; tool results
 * become `functionResponse` parts named after their call (see the module comment).
 */
export function chatToGeminiRequest(
  req: ChatRequest,
  _opts: { model: string; stream: boolean },
): object {
  const system: string[] = [];
  const contents: { role: 'user' | 'model'; parts: Part[] }[] = [];
  const push = (role: 'user' | 'model', parts: Part[]): void => {
    const last = contents[contents.length - 1];
    if (last !== undefined && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  const messages = resolveToolNames([...req.messages]);
  for (const m of messages) {
    switch (m.role) {
      case 'system':
        system.push(m.content);
        break;
      case 'user':
        push('user', m.content.map(userPartToGemini));
        break;
      case 'assistant': {
        const parts: Part[] = [];
        if (m.content !== '') parts.push({ text: m.content });
        (m.toolCalls ?? []).forEach((c, i) => {
          parts.push({
            functionCall: { name: c.name, args: argumentsToObject(c.arguments) },
            ...(i === 0 ? { thoughtSignature: GEMINI_SKIP_THOUGHT_SIGNATURE } : {}),
          });
        });
        if (parts.length > 0) push('model', parts);
        break;
      }
      case 'tool':
        push('user', [
          {
            functionResponse: {
              name: m.name ?? m.toolCallId,
              response: toolResultToResponse(m.content, m.isError === true),
            },
          },
        ]);
        break;
    }
  }
  const body: Record<string, unknown> = { contents };
  if (system.length > 0) body['systemInstruction'] = { parts: [{ text: system.join('\n\n') }] };
  if (req.tools !== undefined && req.tools.length > 0) {
    body['tools'] = [
      {
        functionDeclarations: req.tools.map((t) => ({
          name: t.name,
          ...(t.description !== undefined ? { description: t.description } : {}),
          parameters: toGeminiSchema(t.parameters),
        })),
      },
    ];
  }
  const tc = req.toolChoice;
  if (tc !== undefined) {
    body['toolConfig'] = {
      functionCallingConfig:
        typeof tc === 'object'
          ? { mode: 'ANY', allowedFunctionNames: [tc.name] }
          : { mode: tc === 'required' ? 'ANY' : tc === 'none' ? 'NONE' : 'AUTO' },
    };
  }
  const g = generationConfig(req);
  if (Object.keys(g).length > 0) body['generationConfig'] = g;
  return body;
}

// ---------------------------------------------------------------- client request → internal

const partSchema = z.looseObject({
  text: z.string().optional(),
  thought: z.boolean().optional(),
  inlineData: z.looseObject({ mimeType: z.string(), data: z.string() }).optional(),
  fileData: z.looseObject({ mimeType: z.string().optional(), fileUri: z.string() }).optional(),
  functionCall: z
    .looseObject({
      id: z.string().optional(),
      name: z.string().min(1),
      args: jsonObject.optional(),
    })
    .optional(),
  functionResponse: z
    .looseObject({
      id: z.string().optional(),
      name: z.string().min(1),
      response: jsonObject.optional(),
    })
    .optional(),
});
const requestSchema = z.looseObject({
  contents: z
    .array(
      z.looseObject({
        role: z.enum(['user', 'model', 'function'], 'expected role user or model').optional(),
        parts: z.array(partSchema).min(1, 'expected at least one part'),
      }),
    )
    .min(1, 'expected at least one content'),
  systemInstruction: z.looseObject({ parts: z.array(partSchema) }).optional(),
  tools: z
    .array(
      z.looseObject({
        functionDeclarations: z
          .array(
            z.looseObject({
              name: z.string().min(1),
              description: z.string().optional(),
              parameters: jsonObject.optional(),
              parametersJsonSchema: jsonObject.optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
  toolConfig: z
    .looseObject({
      functionCallingConfig: z
        .looseObject({
          mode: z.enum(['AUTO', 'ANY', 'NONE', 'VALIDATED', 'MODE_UNSPECIFIED']).optional(),
          allowedFunctionNames: z.array(z.string()).optional(),
        })
        .optional(),
    })
    .optional(),
  generationConfig: z
    .looseObject({
      maxOutputTokens: z.number().int().positive().optional(),
      temperature: z.number().min(0).max(2).optional(),
      topP: z.number().min(0).max(1).optional(),
      stopSequences: z.array(z.string()).optional(),
      responseMimeType: z.string().optional(),
      responseSchema: jsonObject.optional(),
      responseJsonSchema: jsonObject.optional(),
    })
    .optional(),
});

function responseToToolContent(response: Record<string, unknown> | undefined): {
  content: string;
  isError: boolean;
} {
  const r = response ?? {};
  const keys = Object.keys(r);
  if (keys.length === 1 && keys[0] === 'content' && typeof r['content'] === 'string')
    return { content: r['content'], isError: false };
  if (keys.length === 1 && keys[0] === 'error')
    return {
      content: typeof r['error'] === 'string' ? r['error'] : JSON.stringify(r['error']),
      isError: true,
    };
  return { content: JSON.stringify(r), isError: false };
}

/**
 * Translates a Gemini `generateContent` request body to a {@link ChatRequest}. Gemini carries
 * the model and streaming in the URL, so they are passed in. Calls without ids get
 * `call_<turn>_<n>`; each `functionResponse` takes the id of the earliest unanswered call of
 * the same name in the preceding model turn. Throws `INPUT_INVALID` naming the bad field.
 */
export function geminiRequestToChat(
  body: unknown,
  opts: { model: string; stream: boolean },
): ChatRequest & { stream: boolean } {
  const b = parseClientBody(requestSchema, body);
  const messages: ChatMessage[] = [];
  const sys = (b.systemInstruction?.parts ?? []).map((p) => p.text ?? '').join('');
  if (sys !== '') messages.push({ role: 'system', content: sys });
  let lastCalls: ToolCall[] = [];
  b.contents.forEach((c, turn) => {
    if (c.role === 'model') {
      let text = '';
      const toolCalls: ToolCall[] = [];
      for (const p of c.parts) {
        if (p.functionCall !== undefined) {
          toolCalls.push({
            id: p.functionCall.id ?? geminiCallId(turn, toolCalls.length),
            name: p.functionCall.name,
            arguments: JSON.stringify(p.functionCall.args ?? {}),
          });
        } else if (p.text !== undefined && p.thought !== true) text += p.text;
      }
      lastCalls = toolCalls;
      messages.push(
        toolCalls.length > 0
          ? { role: 'assistant', content: text, toolCalls }
          : { role: 'assistant', content: text },
      );
      return;
    }
    const answered = new Set<string>();
    const parts: ContentPart[] = [];
    c.parts.forEach((p, n) => {
      if (p.functionResponse !== undefined) {
        const fr = p.functionResponse;
        const call = lastCalls.find((k) => k.name === fr.name && !answered.has(k.id));
        const id = fr.id ?? call?.id ?? geminiCallId(turn, n);
        answered.add(id);
        const { content, isError } = responseToToolContent(fr.response);
        messages.push({
          role: 'tool',
          toolCallId: id,
          name: fr.name,
          content,
          ...(isError ? { isError } : {}),
        });
      } else if (p.text !== undefined) parts.push({ type: 'text', text: p.text });
      else if (p.inlineData !== undefined)
        parts.push({ type: 'image', mediaType: p.inlineData.mimeType, data: p.inlineData.data });
      else if (p.fileData !== undefined)
        parts.push({
          type: 'image',
          mediaType: p.fileData.mimeType ?? 'image/jpeg',
          url: p.fileData.fileUri,
        });
    });
    if (parts.length > 0) messages.push({ role: 'user', content: parts });
  });
  const tools = (b.tools ?? []).flatMap((t) =>
    (t.functionDeclarations ?? []).map((f) => ({
      name: f.name,
      ...(f.description !== undefined ? { description: f.description } : {}),
      parameters: f.parametersJsonSchema ?? f.parameters ?? { type: 'object', properties: {} },
    })),
  );
  const fc = b.toolConfig?.functionCallingConfig;
  const toolChoice: ToolChoice | undefined =
    fc?.mode === undefined
      ? undefined
      : fc.mode === 'NONE'
        ? 'none'
        : fc.mode === 'ANY'
          ? fc.allowedFunctionNames?.length === 1
            ? { name: fc.allowedFunctionNames[0]! }
            : 'required'
          : 'auto';
  const g = b.generationConfig;
  const schema = g?.responseJsonSchema ?? g?.responseSchema;
  const responseFormat: ResponseFormat | undefined =
    g?.responseMimeType !== 'application/json'
      ? undefined
      : schema !== undefined
        ? { type: 'json_schema', name: 'response', schema }
        : { type: 'json_object' };
  return {
    model: opts.model,
    messages,
    stream: opts.stream,
    ...(tools.length > 0 ? { tools } : {}),
    ...(toolChoice !== undefined ? { toolChoice } : {}),
    ...(responseFormat !== undefined ? { responseFormat } : {}),
    ...(g?.maxOutputTokens !== undefined ? { maxTokens: g.maxOutputTokens } : {}),
    ...(g?.temperature !== undefined ? { temperature: g.temperature } : {}),
    ...(g?.topP !== undefined ? { topP: g.topP } : {}),
    ...(g?.stopSequences !== undefined ? { stop: g.stopSequences } : {}),
  };
}

// ---------------------------------------------------------------- provider response → internal

const usageSchema = z
  .looseObject({
    promptTokenCount: z.number().nullish(),
    candidatesTokenCount: z.number().nullish(),
    cachedContentTokenCount: z.number().nullish(),
    thoughtsTokenCount: z.number().nullish(),
  })
  .nullish();

const responseSchema = z.looseObject({
  candidates: z
    .array(
      z.looseObject({
        content: z.looseObject({ parts: z.array(partSchema).nullish() }).nullish(),
        finishReason: z.string().nullish(),
      }),
    )
    .nullish(),
  usageMetadata: usageSchema,
  modelVersion: z.string().nullish(),
  responseId: z.string().nullish(),
  error: z
    .looseObject({ message: z.string().optional(), status: z.string().optional() })
    .optional(),
});

/** Maps Gemini `finishReason`; Gemini says STOP even when it called functions. */
export function geminiFinishReason(
  reason: string | null | undefined,
  hasToolCalls: boolean,
): FinishReason {
  if (hasToolCalls) return 'tool_calls';
  switch (reason) {
    case 'MAX_TOKENS':
      return 'length';
    case 'SAFETY':
    case 'RECITATION':
    case 'BLOCKLIST':
    case 'PROHIBITED_CONTENT':
    case 'SPII':
    case 'IMAGE_SAFETY':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/** Thinking tokens are billed as output, so they count as output here. */
function usageFromGemini(u: z.output<typeof usageSchema>): Usage {
  return {
    inputTokens: count(u?.promptTokenCount),
    outputTokens: count(u?.candidatesTokenCount) + count(u?.thoughtsTokenCount),
    cachedInputTokens: count(u?.cachedContentTokenCount),
  };
}

/**
 * Translates a Gemini `generateContent` response (first candidate). A prompt blocked before any
 * candidate is an empty `content_filter` answer. Throws a `malformed` ProviderError.
 */
export function geminiResponseToChat(body: unknown, provider: string, model = ''): ChatResponse {
  const b = parseProviderBody(responseSchema, body, provider);
  if (b.error !== undefined)
    throw malformed(provider, `error object in a 200 answer: ${b.error.message ?? ''}`);
  const cand = b.candidates?.[0];
  let content = '';
  const toolCalls: ToolCall[] = [];
  for (const p of cand?.content?.parts ?? []) {
    if (p.functionCall !== undefined) {
      toolCalls.push({
        id: p.functionCall.id ?? geminiCallId(b.responseId ?? undefined, toolCalls.length),
        name: p.functionCall.name,
        arguments: JSON.stringify(p.functionCall.args ?? {}),
      });
    } else if (p.text !== undefined && p.thought !== true) content += p.text;
  }
  return {
    id: b.responseId ?? '',
    model: b.modelVersion ?? model,
    content,
    toolCalls,
    finishReason:
      cand === undefined
        ? 'content_filter'
        : geminiFinishReason(cand.finishReason, toolCalls.length > 0),
    usage: usageFromGemini(b.usageMetadata),
  };
}

// ---------------------------------------------------------------- internal → client response

function finishToGemini(reason: FinishReason): string {
  if (reason === 'length') return 'MAX_TOKENS';
  if (reason === 'content_filter') return 'SAFETY';
  return 'STOP';
}

/** Builds a Gemini `generateContent` answer (for Gemini-format clients and tests). */
export function chatToGeminiResponse(res: ChatResponse, extras: { model?: string } = {}): object {
  const parts: Part[] = [];
  if (res.content !== '') parts.push({ text: res.content });
  for (const c of res.toolCalls)
    parts.push({ functionCall: { name: c.name, args: argumentsToObject(c.arguments) } });
  return {
    candidates: [
      {
        content: { role: 'model', parts },
        finishReason: finishToGemini(res.finishReason),
        index: 0,
      },
    ],
    usageMetadata: {
      promptTokenCount: res.usage.inputTokens,
      candidatesTokenCount: res.usage.outputTokens,
      cachedContentTokenCount: res.usage.cachedInputTokens,
      totalTokenCount: res.usage.inputTokens + res.usage.outputTokens,
    },
    modelVersion: extras.model ?? res.model,
    responseId: res.id,
  };
}

// ---------------------------------------------------------------- provider stream → internal

/**
 * Turns the `data:` payloads of `streamGenerateContent?alt=sse` into {@link ChatStreamEvent}s.
 * Gemini has no terminal event: the chunk carrying `finishReason` is the last one, so `finish`
 * is emitted by {@link GeminiStreamDecoder.end} when that was seen, and a `truncated` error
 * otherwise. Each `functionCall` part arrives whole and becomes a start plus one delta.
 */
export class GeminiStreamDecoder {
  #started = false;
  #done = false;
  #finish: string | undefined;
  #usage: Usage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
  #tools = 0;
  #responseId: string | undefined;

  constructor(
    private readonly provider: string,
    private readonly model = '',
  ) {}

  /** True once an error ended the stream or {@link GeminiStreamDecoder.end} ran. */
  get done(): boolean {
    return this.#done;
  }

  /** Decodes one SSE `data` payload. */
  feed(data: string): ChatStreamEvent[] {
    if (this.#done) return [];
    const parsed = responseSchema.safeParse(parseJsonData(data));
    if (!parsed.success) return this.#fail('malformed', `${this.provider}: malformed stream chunk`);
    const chunk = parsed.data;
    if (chunk.error !== undefined) {
      const code: StreamErrorCode =
        chunk.error.status === 'RESOURCE_EXHAUSTED' ? 'rate_limited' : 'server';
      return this.#fail(code, `${this.provider}: ${chunk.error.message ?? 'stream error'}`);
    }
    const out: ChatStreamEvent[] = [];
    if (!this.#started) {
      this.#started = true;
      this.#responseId = chunk.responseId ?? undefined;
      out.push({
        type: 'start',
        id: chunk.responseId ?? '',
        model: chunk.modelVersion ?? this.model,
      });
    }
    const cand = chunk.candidates?.[0];
    for (const p of cand?.content?.parts ?? []) {
      if (p.functionCall !== undefined) {
        const index = this.#tools++;
        out.push({
          type: 'tool_call_start',
          index,
          id: p.functionCall.id ?? geminiCallId(this.#responseId, index),
          name: p.functionCall.name,
        });
        out.push({
          type: 'tool_call_delta',
          index,
          argumentsDelta: JSON.stringify(p.functionCall.args ?? {}),
        });
      } else if (p.text !== undefined && p.text !== '' && p.thought !== true)
        out.push({ type: 'text', text: p.text });
    }
    if (cand?.finishReason != null) this.#finish = cand.finishReason;
    if (chunk.usageMetadata != null) this.#usage = usageFromGemini(chunk.usageMetadata);
    return out;
  }

  /** Call when the body ended: `finish` if a finish reason was seen, else a `truncated` error. */
  end(): ChatStreamEvent[] {
    if (this.#done) return [];
    if (this.#finish === undefined)
      return this.#fail('truncated', `${this.provider}: stream ended without a finishReason`);
    this.#done = true;
    return [
      {
        type: 'finish',
        finishReason: geminiFinishReason(this.#finish, this.#tools > 0),
        usage: this.#usage,
      },
    ];
  }

  #fail(code: StreamErrorCode, message: string): ChatStreamEvent[] {
    this.#done = true;
    return [{ type: 'error', code, message }];
  }
}

// ---------------------------------------------------------------- embeddings

/** Strips a leading `models/`, so both spellings of a Gemini model name work. */
export function geminiModelName(model: string): string {
  return model.startsWith('models/') ? model.slice('models/'.length) : model;
}

/** Builds the `batchEmbedContents` body for an {@link EmbeddingRequest}. */
export function internalToGeminiEmbeddingRequest(
  req: EmbeddingRequest,
  opts: { model: string },
): object {
  const model = `models/${geminiModelName(opts.model)}`;
  return {
    requests: req.input.map((text) => ({
      model,
      content: { parts: [{ text }] },
      ...(req.dimensions !== undefined ? { outputDimensionality: req.dimensions } : {}),
    })),
  };
}

const embedResponseSchema = z.looseObject({
  embeddings: z.array(z.looseObject({ values: z.array(z.number()) })),
});

/**
 * Translates a `batchEmbedContents` response. Gemini reports no token usage for embeddings,
 * so `inputTokens` is 0.
 */
export function geminiEmbeddingResponseToInternal(
  body: unknown,
  provider: string,
  opts: { model: string; expected: number },
): EmbeddingResponse {
  const b = parseProviderBody(embedResponseSchema, body, provider);
  if (b.embeddings.length !== opts.expected)
    throw malformed(provider, `expected ${opts.expected} embeddings, got ${b.embeddings.length}`);
  return {
    model: opts.model,
    embeddings: b.embeddings.map((e) => e.values),
    usage: { inputTokens: 0 },
  };
}

/**
 * @module A real HTTP server that impersonates OpenAI, Anthropic and Gemini at their real paths,
 * so provider code is tested over real sockets (keep-alive, chunked SSE, resets, timeouts)
 * without the network. Bodies are hand-written in each provider's recorded shapes, independent
 * of the gateway's own wire encoders, so an encoder bug cannot hide a matching decoder bug.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Token counts a scripted answer reports. */
export interface StubUsage {
  readonly input: number;
  readonly output: number;
  readonly cached?: number;
}

/** One scripted answer or fault; consumed by the next request, whatever its path. */
export type StubResponse =
  | { readonly kind: 'text'; readonly text: string; readonly usage?: StubUsage }
  | {
      readonly kind: 'tool_calls';
      readonly calls: readonly {
        readonly id: string;
        readonly name: string;
        readonly arguments: string;
      }[];
      readonly text?: string;
      readonly usage?: StubUsage;
    }
  /** An HTTP error status with a JSON error body, optionally with `Retry-After`. */
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly retryAfter?: string;
      readonly message?: string;
    }
  /** Destroys the socket before answering (connection reset). */
  | { readonly kind: 'reset' }
  /** Never answers (the client's timeout or abort must end the call). */
  | { readonly kind: 'hang' }
  /** Waits `ms` before sending anything, then answers `response`. */
  | { readonly kind: 'delay'; readonly ms: number; readonly response: StubResponse }
  /** A 200 whose body is not valid JSON; in a stream, a valid first event then invalid JSON. */
  | { readonly kind: 'malformed' }
  /** A stream that sends a first event and some text, then ends without its terminal event. */
  | { readonly kind: 'truncate' }
  /** A stream that sends a first event and some text, then destroys the socket. */
  | { readonly kind: 'reset_mid_stream' };

/** A request the stub received. */
export interface RecordedRequest {
  readonly method: string;
  /** Path including the query string. */
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  /** The parsed JSON body, or the raw text when it was not JSON. */
  readonly body: unknown;
}

/** A running stub; see {@link startStubProvider}. */
export interface StubProvider {
  /** `http://127.0.0.1:<port>` (OpenAI base: `${url}/v1`; Anthropic and Gemini: `url`). */
  readonly url: string;
  /** Queues answers; each request takes the next one, then the default text answer. */
  script(...responses: StubResponse[]): void;
  /**
   * Queues answers for requests whose raw body contains `marker` (an agent's name in its
   * system prompt, say); such requests take from this queue before the shared one. Lets tests
   * with several agents calling at once script each of them.
   */
  scriptFor(marker: string, ...responses: StubResponse[]): void;
  /** Every request received, in order (empty when started with `record: false`). */
  readonly requests: RecordedRequest[];
  /** Closes the server and every open connection (including hung ones). */
  close(): Promise<void>;
}

const DEFAULT_TEXT = 'Hello from the stub.';
const DEFAULT_USAGE: StubUsage = { input: 12, output: 5 };

type Format = 'openai' | 'anthropic' | 'gemini';

function routeOf(
  method: string,
  path: string,
): { format: Format; op: string; model?: string } | undefined {
  const p = path.split('?')[0]!;
  if (method === 'GET' && p === '/v1/models') return { format: 'openai', op: 'models' };
  if (method !== 'POST') return undefined;
  if (p === '/v1/chat/completions') return { format: 'openai', op: 'chat' };
  if (p === '/v1/embeddings') return { format: 'openai', op: 'embed' };
  if (p === '/v1/messages') return { format: 'anthropic', op: 'chat' };
  const m =
    /^\/v1beta\/models\/([^:]+):(generateContent|streamGenerateContent|batchEmbedContents)$/.exec(
      p,
    );
  if (m === null) return undefined;
  const op =
    m[2] === 'generateContent' ? 'chat' : m[2] === 'streamGenerateContent' ? 'stream' : 'embed';
  return { format: 'gemini', op, model: decodeURIComponent(m[1]!) };
}

// ------------------------------------------------------------ recorded-shape bodies

function openaiChat(r: Answer, model: string): object {
  const tools = r.calls.map((c) => ({
    id: c.id,
    type: 'function',
    function: { name: c.name, arguments: c.arguments },
  }));
  return {
    id: 'chatcmpl-stub1',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: r.text === '' && tools.length > 0 ? null : r.text,
          ...(tools.length > 0 ? { tool_calls: tools } : {}),
          refusal: null,
        },
        logprobs: null,
        finish_reason: tools.length > 0 ? 'tool_calls' : 'stop',
      },
    ],
    usage: {
      prompt_tokens: r.usage.input,
      completion_tokens: r.usage.output,
      total_tokens: r.usage.input + r.usage.output,
      prompt_tokens_details: { cached_tokens: r.usage.cached ?? 0 },
    },
  };
}

function openaiStream(
  r: Answer,
  model: string,
): { first: string[]; rest: string[]; end: string[] } {
  const base = {
    id: 'chatcmpl-stub1',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model,
  };
  const chunk = (delta: object, finish: string | null = null) =>
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
  const first = [chunk({ role: 'assistant', content: '' })];
  const rest: string[] = [];
  for (const piece of split(r.text)) rest.push(chunk({ content: piece }));
  r.calls.forEach((c, index) => {
    rest.push(
      chunk({
        tool_calls: [
          { index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } },
        ],
      }),
    );
    for (const piece of split(c.arguments))
      rest.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  const end = [
    chunk({}, r.calls.length > 0 ? 'tool_calls' : 'stop'),
    `data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: r.usage.input, completion_tokens: r.usage.output, total_tokens: r.usage.input + r.usage.output, prompt_tokens_details: { cached_tokens: r.usage.cached ?? 0 } } })}\n\n`,
    'data: [DONE]\n\n',
  ];
  return { first, rest, end };
}

function anthropicChat(r: Answer, model: string): object {
  const content: object[] = [];
  if (r.text !== '') content.push({ type: 'text', text: r.text });
  for (const c of r.calls)
    content.push({
      type: 'tool_use',
      id: c.id,
      name: c.name,
      input: JSON.parse(c.arguments || '{}'),
    });
  return {
    id: 'msg_stub1',
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: r.calls.length > 0 ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: {
      input_tokens: r.usage.input - (r.usage.cached ?? 0),
      output_tokens: r.usage.output,
      cache_read_input_tokens: r.usage.cached ?? 0,
      cache_creation_input_tokens: 0,
    },
  };
}

function anthropicStream(
  r: Answer,
  model: string,
): { first: string[]; rest: string[]; end: string[] } {
  const ev = (name: string, data: object) =>
    `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;
  const first = [
    ev('message_start', {
      message: {
        id: 'msg_stub1',
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: r.usage.input - (r.usage.cached ?? 0),
          cache_read_input_tokens: r.usage.cached ?? 0,
          cache_creation_input_tokens: 0,
          output_tokens: 1,
        },
      },
    }),
  ];
  const rest: string[] = [];
  let index = 0;
  if (r.text !== '') {
    rest.push(
      ev('content_block_start', { index, content_block: { type: 'text', text: '' } }),
      ev('ping', {}),
    );
    for (const piece of split(r.text))
      rest.push(ev('content_block_delta', { index, delta: { type: 'text_delta', text: piece } }));
    rest.push(ev('content_block_stop', { index }));
    index++;
  }
  for (const c of r.calls) {
    rest.push(
      ev('content_block_start', {
        index,
        content_block: { type: 'tool_use', id: c.id, name: c.name, input: {} },
      }),
    );
    for (const piece of split(c.arguments))
      rest.push(
        ev('content_block_delta', {
          index,
          delta: { type: 'input_json_delta', partial_json: piece },
        }),
      );
    rest.push(ev('content_block_stop', { index }));
    index++;
  }
  const end = [
    ev('message_delta', {
      delta: { stop_reason: r.calls.length > 0 ? 'tool_use' : 'end_turn', stop_sequence: null },
      usage: { output_tokens: r.usage.output },
    }),
    ev('message_stop', {}),
  ];
  return { first, rest, end };
}

function geminiUsage(r: Answer): object {
  return {
    promptTokenCount: r.usage.input,
    candidatesTokenCount: r.usage.output,
    totalTokenCount: r.usage.input + r.usage.output,
    ...(r.usage.cached ? { cachedContentTokenCount: r.usage.cached } : {}),
  };
}

function geminiChat(r: Answer, model: string): object {
  const parts: object[] = [];
  if (r.text !== '') parts.push({ text: r.text });
  for (const c of r.calls)
    parts.push({ functionCall: { name: c.name, args: JSON.parse(c.arguments || '{}') } });
  return {
    candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
    usageMetadata: geminiUsage(r),
    modelVersion: model,
    responseId: 'stubresp1',
  };
}

function geminiStream(
  r: Answer,
  model: string,
): { first: string[]; rest: string[]; end: string[] } {
  const chunk = (parts: object[], last: boolean) =>
    `data: ${JSON.stringify({ candidates: [{ content: { role: 'model', parts }, ...(last ? { finishReason: 'STOP' } : {}), index: 0 }], ...(last ? { usageMetadata: geminiUsage(r) } : {}), modelVersion: model, responseId: 'stubresp1' })}\r\n\r\n`;
  const pieces = split(r.text);
  const first = [chunk(pieces.length > 0 ? [{ text: pieces[0] }] : [{ text: '' }], false)];
  const rest = pieces.slice(1).map((t) => chunk([{ text: t }], false));
  const calls = r.calls.map((c) => ({
    functionCall: { name: c.name, args: JSON.parse(c.arguments || '{}') },
  }));
  return { first, rest, end: [chunk(calls, true)] };
}

/** Splits text into a few pieces so streams have several deltas. */
function split(text: string): string[] {
  if (text === '') return [];
  const n = Math.min(3, text.length);
  const size = Math.ceil(text.length / n);
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

interface Answer {
  text: string;
  calls: readonly { id: string; name: string; arguments: string }[];
  usage: StubUsage;
}

function errorBody(format: Format, status: number, message: string): object {
  if (format === 'anthropic')
    return {
      type: 'error',
      error: {
        type:
          status === 429
            ? 'rate_limit_error'
            : status >= 500
              ? 'api_error'
              : 'invalid_request_error',
        message,
      },
    };
  if (format === 'gemini')
    return {
      error: { code: status, message, status: status === 429 ? 'RESOURCE_EXHAUSTED' : 'INTERNAL' },
    };
  return {
    error: { message, type: status === 429 ? 'rate_limit_error' : 'server_error', code: null },
  };
}

function embedBody(format: Format, body: unknown, model: string): object {
  const b = (body ?? {}) as {
    input?: unknown;
    requests?: { content?: { parts?: { text?: string }[] } }[];
  };
  const texts =
    format === 'gemini'
      ? (b.requests ?? []).map((q) => q.content?.parts?.[0]?.text ?? '')
      : Array.isArray(b.input)
        ? (b.input as string[])
        : [String(b.input ?? '')];
  // Deterministic vectors derived from the input, so tests can check order.
  const vec = (t: string) => [t.length, 0.5, -0.25];
  if (format === 'gemini') return { embeddings: texts.map((t) => ({ values: vec(t) })) };
  return {
    object: 'list',
    data: texts.map((t, index) => ({ object: 'embedding', index, embedding: vec(t) })),
    model,
    usage: { prompt_tokens: texts.length * 2, total_tokens: texts.length * 2 },
  };
}

/**
 * Starts the stub on 127.0.0.1 with an ephemeral port.
 *
 * Paths: `POST /v1/chat/completions`, `POST /v1/embeddings`, `GET /v1/models` (OpenAI);
 * `POST /v1/messages` (Anthropic); `POST /v1beta/models/{model}:generateContent`,
 * `:streamGenerateContent?alt=sse`, `:batchEmbedContents` (Gemini). Streaming is chosen by the
 * body's `stream: true` (OpenAI, Anthropic) or the Gemini stream path.
 *
 * Each request takes the next {@link StubResponse} queued with `script()`; with the queue empty
 * it answers a fixed short text (precomputed bytes per format, cheap enough for benchmarks).
 *
 * @param options.record keep {@link RecordedRequest}s (default true; turn off for benchmarks).
 */
export async function startStubProvider(options: { record?: boolean } = {}): Promise<StubProvider> {
  const record = options.record ?? true;
  const queue: StubResponse[] = [];
  const routed = new Map<string, StubResponse[]>();
  const next = (raw: string): StubResponse | undefined => {
    for (const [marker, answers] of routed) {
      if (answers.length > 0 && raw.includes(marker)) return answers.shift();
    }
    return queue.shift();
  };
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const defaultAnswer: Answer = { text: DEFAULT_TEXT, calls: [], usage: DEFAULT_USAGE };
  const cache = new Map<string, Buffer>();

  const sendJson = (
    res: ServerResponse,
    status: number,
    body: object | Buffer,
    headers: Record<string, string> = {},
  ) => {
    const buf = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': String(buf.length),
      ...headers,
    });
    res.end(buf);
  };

  const answerOf = (r: StubResponse | undefined): Answer | undefined => {
    if (r === undefined) return defaultAnswer;
    if (r.kind === 'text') return { text: r.text, calls: [], usage: r.usage ?? DEFAULT_USAGE };
    if (r.kind === 'tool_calls')
      return { text: r.text ?? '', calls: r.calls, usage: r.usage ?? DEFAULT_USAGE };
    return undefined;
  };

  const respond = (
    req: IncomingMessage,
    res: ServerResponse,
    body: unknown,
    scripted: StubResponse | undefined,
  ): void => {
    const route = routeOf(req.method ?? 'GET', req.url ?? '/');
    if (route === undefined) {
      sendJson(res, 404, { error: { message: `no route ${req.method} ${req.url}` } });
      return;
    }
    const { format } = route;
    if (scripted?.kind === 'delay') {
      const t = setTimeout(() => {
        timers.delete(t);
        respond(req, res, body, scripted.response);
      }, scripted.ms);
      timers.add(t);
      return;
    }
    if (scripted?.kind === 'hang') return;
    if (scripted?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (scripted?.kind === 'status') {
      sendJson(
        res,
        scripted.status,
        errorBody(format, scripted.status, scripted.message ?? `stub status ${scripted.status}`),
        scripted.retryAfter !== undefined ? { 'retry-after': scripted.retryAfter } : {},
      );
      return;
    }
    if (route.op === 'models') {
      sendJson(res, 200, {
        object: 'list',
        data: [{ id: 'stub-model', object: 'model', created: 0, owned_by: 'stub' }],
      });
      return;
    }
    const b = (body ?? {}) as { model?: string; stream?: boolean };
    const model = route.model ?? b.model ?? 'stub-model';
    if (route.op === 'embed') {
      if (scripted?.kind === 'malformed') {
        sendJson(res, 200, Buffer.from('{"object":"list","data":['));
        return;
      }
      sendJson(res, 200, embedBody(format, body, model));
      return;
    }
    const streaming = route.op === 'stream' || b.stream === true;
    if (!streaming) {
      if (scripted?.kind === 'malformed' || scripted?.kind === 'truncate') {
        sendJson(res, 200, Buffer.from('{"id":"x","choices":[{'));
        return;
      }
      if (scripted?.kind === 'reset_mid_stream') {
        req.socket.destroy();
        return;
      }
      const answer = answerOf(scripted)!;
      if (scripted === undefined) {
        const key = `${format}:${model}`;
        let buf = cache.get(key);
        if (buf === undefined) {
          buf = Buffer.from(
            JSON.stringify(
              format === 'openai'
                ? openaiChat(answer, model)
                : format === 'anthropic'
                  ? anthropicChat(answer, model)
                  : geminiChat(answer, model),
            ),
          );
          cache.set(key, buf);
        }
        sendJson(res, 200, buf);
        return;
      }
      sendJson(
        res,
        200,
        format === 'openai'
          ? openaiChat(answer, model)
          : format === 'anthropic'
            ? anthropicChat(answer, model)
            : geminiChat(answer, model),
      );
      return;
    }
    const answer = answerOf(scripted) ?? {
      text: 'partial answer text',
      calls: [],
      usage: DEFAULT_USAGE,
    };
    const s =
      format === 'openai'
        ? openaiStream(answer, model)
        : format === 'anthropic'
          ? anthropicStream(answer, model)
          : geminiStream(answer, model);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const line of s.first) res.write(line);
    if (scripted?.kind === 'malformed') {
      res.write('data: {"this is": not json\n\n');
      res.end();
      return;
    }
    for (const line of s.rest) res.write(line);
    if (scripted?.kind === 'truncate') {
      res.end();
      return;
    }
    if (scripted?.kind === 'reset_mid_stream') {
      // Give the written events a moment to leave before the reset.
      const t = setTimeout(() => {
        timers.delete(t);
        req.socket.destroy();
      }, 20);
      timers.add(t);
      return;
    }
    for (const line of s.end) res.write(line);
    res.end();
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = raw;
      if (raw !== '') {
        try {
          body = JSON.parse(raw) as unknown;
        } catch {
          /* recorded as text */
        }
      } else body = undefined;
      if (record)
        requests.push({
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body,
        });
      respond(req, res, body, next(raw));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    script: (...responses) => {
      queue.push(...responses);
    },
    scriptFor: (marker, ...responses) => {
      routed.set(marker, [...(routed.get(marker) ?? []), ...responses]);
    },
    requests,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

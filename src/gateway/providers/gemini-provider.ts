/**
 * @module The Gemini provider (Generative Language API, v1beta): `generateContent`,
 * `streamGenerateContent?alt=sse` and `batchEmbedContents`. Translation lives in the wire
 * module, HTTP in {@link ProviderHttp}.
 */
import type {
  ChatRequest,
  ChatResponse,
  ChatStreamEvent,
  EmbeddingRequest,
  EmbeddingResponse,
} from '../chat-types.js';
import type { Provider, ProviderCallOptions, ProviderKind } from '../provider.js';
import {
  chatToGeminiRequest,
  GeminiStreamDecoder,
  geminiEmbeddingResponseToInternal,
  geminiModelName,
  geminiResponseToChat,
  internalToGeminiEmbeddingRequest,
} from '../wire/gemini-wire.js';
import { ProviderHttp } from './provider-http.js';

/** Gemini's API origin; requests go to `<base>/v1beta/models/...`. */
export const GEMINI_DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com';

/** Options for {@link GeminiProvider}. */
export interface GeminiProviderOptions {
  readonly name: string;
  /** API base without the version path; a trailing `/v1beta` is tolerated. */
  readonly baseUrl: string;
  readonly apiKey?: string;
  readonly local: boolean;
  readonly timeoutMs: number;
}

function modelPath(model: string, method: string): string {
  return `/v1beta/models/${encodeURIComponent(geminiModelName(model))}:${method}`;
}

/** A {@link Provider} speaking the Gemini API. */
export class GeminiProvider implements Provider {
  readonly name: string;
  readonly kind: ProviderKind = 'gemini';
  readonly local: boolean;
  readonly #http: ProviderHttp;

  constructor(opts: GeminiProviderOptions) {
    this.name = opts.name;
    this.local = opts.local;
    this.#http = new ProviderHttp({
      provider: opts.name,
      baseUrl: opts.baseUrl.replace(/\/+$/, '').replace(/\/v1beta$/, ''),
      // The header, not the `?key=` query parameter: URLs end up in logs.
      headers: opts.apiKey !== undefined ? { 'x-goog-api-key': opts.apiKey } : {},
      timeoutMs: opts.timeoutMs,
      ...(opts.apiKey !== undefined ? { secret: opts.apiKey } : {}),
    });
  }

  /** Calls `models/{model}:generateContent`. */
  async complete(request: ChatRequest, options: ProviderCallOptions): Promise<ChatResponse> {
    const body = await this.#http.postJson(
      modelPath(request.model, 'generateContent'),
      chatToGeminiRequest(request, { model: request.model, stream: false }),
      options.signal,
    );
    return geminiResponseToChat(body, this.name, request.model);
  }

  /** Streams `models/{model}:streamGenerateContent?alt=sse`; see {@link Provider.stream}. */
  stream(request: ChatRequest, options: ProviderCallOptions): AsyncIterable<ChatStreamEvent> {
    return this.#http.postStream(
      `${modelPath(request.model, 'streamGenerateContent')}?alt=sse`,
      chatToGeminiRequest(request, { model: request.model, stream: true }),
      options.signal,
      new GeminiStreamDecoder(this.name, request.model),
    );
  }

  /** Calls `models/{model}:batchEmbedContents`. */
  async embed(request: EmbeddingRequest, options: ProviderCallOptions): Promise<EmbeddingResponse> {
    const body = await this.#http.postJson(
      modelPath(request.model, 'batchEmbedContents'),
      internalToGeminiEmbeddingRequest(request, { model: request.model }),
      options.signal,
    );
    return geminiEmbeddingResponseToInternal(body, this.name, {
      model: request.model,
      expected: request.input.length,
    });
  }

  /** Closes pooled connections (on gateway shutdown). */
  close(): Promise<void> {
    return this.#http.close();
  }
}

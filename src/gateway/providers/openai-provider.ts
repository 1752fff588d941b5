/**
 * @module The OpenAI provider, also used for OpenAI-compatible servers (Ollama, vLLM,
 * llama.cpp, LM Studio) through their `base_url`. Chat Completions for chat, `/embeddings` for
 * vectors; translation lives in the wire module, HTTP in {@link ProviderHttp}.
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
  chatToOpenAIRequest,
  internalToOpenAIEmbeddingRequest,
  OpenAIStreamDecoder,
  openAIEmbeddingResponseToInternal,
  openAIResponseToChat,
} from '../wire/openai-wire.js';
import { ProviderHttp } from './provider-http.js';

/** OpenAI's API base; `base_url` overrides it (and is required for openai-compatible). */
export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** Options for {@link OpenAIProvider}. */
export interface OpenAIProviderOptions {
  readonly name: string;
  readonly kind: Extract<ProviderKind, 'openai' | 'openai-compatible'>;
  /** API base including the version path, e.g. `http://127.0.0.1:11434/v1`. */
  readonly baseUrl: string;
  readonly apiKey?: string;
  readonly local: boolean;
  readonly timeoutMs: number;
}

/** A {@link Provider} speaking OpenAI Chat Completions. */
export class OpenAIProvider implements Provider {
  readonly name: string;
  readonly kind: ProviderKind;
  readonly local: boolean;
  readonly #http: ProviderHttp;

  constructor(opts: OpenAIProviderOptions) {
    this.name = opts.name;
    this.kind = opts.kind;
    this.local = opts.local;
    this.#http = new ProviderHttp({
      provider: opts.name,
      baseUrl: opts.baseUrl,
      headers: opts.apiKey === undefined ? {} : { authorization: `Bearer ${opts.apiKey}` },
      timeoutMs: opts.timeoutMs,
      ...(opts.apiKey !== undefined ? { secret: opts.apiKey } : {}),
    });
  }

  #body(request: ChatRequest, stream: boolean): object {
    return chatToOpenAIRequest(request, {
      model: request.model,
      stream,
      maxTokensField: this.kind === 'openai' ? 'max_completion_tokens' : 'max_tokens',
    });
  }

  /** Calls `/chat/completions`. */
  async complete(request: ChatRequest, options: ProviderCallOptions): Promise<ChatResponse> {
    const body = await this.#http.postJson(
      '/chat/completions',
      this.#body(request, false),
      options.signal,
    );
    return openAIResponseToChat(body, this.name);
  }

  /** Streams `/chat/completions`; see {@link Provider.stream} for the failure contract. */
  stream(request: ChatRequest, options: ProviderCallOptions): AsyncIterable<ChatStreamEvent> {
    return this.#http.postStream(
      '/chat/completions',
      this.#body(request, true),
      options.signal,
      new OpenAIStreamDecoder(this.name),
    );
  }

  /** Calls `/embeddings`. */
  async embed(request: EmbeddingRequest, options: ProviderCallOptions): Promise<EmbeddingResponse> {
    const body = await this.#http.postJson(
      '/embeddings',
      internalToOpenAIEmbeddingRequest(request, { model: request.model }),
      options.signal,
    );
    return openAIEmbeddingResponseToInternal(body, this.name, request.input.length);
  }

  /** Closes pooled connections (on gateway shutdown). */
  close(): Promise<void> {
    return this.#http.close();
  }
}

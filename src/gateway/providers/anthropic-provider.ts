/**
 * @module The Anthropic provider: Messages API for chat (no embeddings API exists, so `embed`
 * is absent). Translation lives in the wire module, HTTP in {@link ProviderHttp}.
 */
import type { ChatRequest, ChatResponse, ChatStreamEvent } from '../chat-types.js';
import type { Provider, ProviderCallOptions, ProviderKind } from '../provider.js';
import {
  ANTHROPIC_VERSION,
  AnthropicStreamDecoder,
  anthropicResponseToChat,
  chatToAnthropicRequest,
} from '../wire/anthropic-wire.js';
import { ProviderHttp } from './provider-http.js';

/** Anthropic's API origin; requests go to `<base>/v1/messages`. */
export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com';

/** Options for {@link AnthropicProvider}. */
export interface AnthropicProviderOptions {
  readonly name: string;
  /** API base without the version path; a trailing `/v1` is tolerated. */
  readonly baseUrl: string;
  readonly apiKey?: string;
  readonly local: boolean;
  readonly timeoutMs: number;
}

/** A {@link Provider} speaking the Anthropic Messages API. */
export class AnthropicProvider implements Provider {
  readonly name: string;
  readonly kind: ProviderKind = 'anthropic';
  readonly local: boolean;
  readonly #http: ProviderHttp;

  constructor(opts: AnthropicProviderOptions) {
    this.name = opts.name;
    this.local = opts.local;
    this.#http = new ProviderHttp({
      provider: opts.name,
      baseUrl: opts.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, ''),
      headers: {
        'anthropic-version': ANTHROPIC_VERSION,
        ...(opts.apiKey !== undefined ? { 'x-api-key': opts.apiKey } : {}),
      },
      timeoutMs: opts.timeoutMs,
      ...(opts.apiKey !== undefined ? { secret: opts.apiKey } : {}),
    });
  }

  /** Calls `/v1/messages`. */
  async complete(request: ChatRequest, options: ProviderCallOptions): Promise<ChatResponse> {
    const body = await this.#http.postJson(
      '/v1/messages',
      chatToAnthropicRequest(request, { model: request.model, stream: false }),
      options.signal,
    );
    return anthropicResponseToChat(body, this.name);
  }

  /** Streams `/v1/messages`; see {@link Provider.stream} for the failure contract. */
  stream(request: ChatRequest, options: ProviderCallOptions): AsyncIterable<ChatStreamEvent> {
    return this.#http.postStream(
      '/v1/messages',
      chatToAnthropicRequest(request, { model: request.model, stream: true }),
      options.signal,
      new AnthropicStreamDecoder(this.name),
    );
  }

  /** Closes pooled connections (on gateway shutdown). */
  close(): Promise<void> {
    return this.#http.close();
  }
}

/**
 * @module The `Provider` seam: one small interface over Anthropic, OpenAI, Gemini and any
 * OpenAI-compatible server. Providers speak HTTP and translate wire formats; retries, circuit
 * breakers, fallback, limits and accounting live above them in the gateway, once for all.
 */
import type {
  ChatRequest,
  ChatResponse,
  ChatStreamEvent,
  EmbeddingRequest,
  EmbeddingResponse,
} from './chat-types.js';

/** The wire protocols a provider can speak. */
export type ProviderKind = 'anthropic' | 'openai' | 'gemini' | 'openai-compatible';

/** Per-call options. The signal fires on the gateway's timeout or the caller's disconnect. */
export interface ProviderCallOptions {
  readonly signal: AbortSignal;
}

/**
 * How a provider call failed, as the gateway needs to know it: whether to retry, to fall back,
 * or to give the caller the provider's own refusal.
 */
export type ProviderFailure =
  /** 429: slow down; `retryAfterMs` when the provider said. */
  | 'rate_limited'
  /** 5xx, overloaded. */
  | 'server'
  | 'timeout'
  /** Connection refused or reset, DNS, TLS. */
  | 'network'
  /** The provider answered something that is not its documented format. */
  | 'malformed'
  /** 401/403: our key is wrong; retrying will not help, another provider might. */
  | 'auth'
  /** 400/404/422: the request itself is wrong for this provider. */
  | 'bad_request';

/** A failed provider call. Never contains the provider key or request bodies. */
export class ProviderError extends Error {
  readonly provider: string;
  readonly failure: ProviderFailure;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(options: {
    provider: string;
    failure: ProviderFailure;
    message: string;
    status?: number;
    retryAfterMs?: number;
    cause?: unknown;
  }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProviderError';
    this.provider = options.provider;
    this.failure = options.failure;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** Worth trying the same provider again (after backoff). */
  get retryable(): boolean {
    return (
      this.failure === 'rate_limited' ||
      this.failure === 'server' ||
      this.failure === 'timeout' ||
      this.failure === 'network'
    );
  }
}

/**
 * A model provider. `stream` must throw (reject on the first `next()`) when the call fails before
 * any event, so the gateway can fall back; once an event has been yielded, a failure is reported
 * as a final `error` event instead.
 */
export interface Provider {
  /** The configured name, e.g. `openai` or `local-ollama`. */
  readonly name: string;
  readonly kind: ProviderKind;
  /** Runs on this machine or network (Ollama, llama.cpp, vLLM): eligible for `local-only`. */
  readonly local: boolean;
  complete(request: ChatRequest, options: ProviderCallOptions): Promise<ChatResponse>;
  stream(request: ChatRequest, options: ProviderCallOptions): AsyncIterable<ChatStreamEvent>;
  /** Absent when the provider has no embeddings API (Anthropic). */
  embed?(request: EmbeddingRequest, options: ProviderCallOptions): Promise<EmbeddingResponse>;
}

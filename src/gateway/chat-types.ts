/**
 * @module The gateway's own, provider-neutral shape of a chat call. Every wire format (OpenAI
 * Chat Completions, Anthropic Messages, Gemini generateContent) is translated to and from these
 * types exactly once, so a tool call made through one format round-trips losslessly through any
 * other: tool call ids, names and argument text are carried verbatim.
 */

/** A piece of user content. */
export type ContentPart =
  | { readonly type: 'text'; readonly text: string }
  /** An image, inline (base64 `data`) or by `url`. */
  | {
      readonly type: 'image';
      readonly mediaType: string;
      readonly data?: string;
      readonly url?: string;
    };

/** A tool call the model made. `arguments` is the JSON text as the model produced it. */
export interface ToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}

/** One message of a conversation. */
export type ChatMessage =
  | { readonly role: 'system'; readonly content: string }
  | { readonly role: 'user'; readonly content: readonly ContentPart[] }
  | {
      readonly role: 'assistant';
      readonly content: string;
      readonly toolCalls?: readonly ToolCall[];
    }
  | {
      readonly role: 'tool';
      readonly toolCallId: string;
      /** The tool's name; Gemini needs it, the others ignore it. */
      readonly name?: string;
      readonly content: string;
      readonly isError?: boolean;
    };

/** A tool the model may call; `parameters` is a JSON Schema object. */
export interface ToolDefinition {
  readonly name: string;
  readonly description?: string;
  readonly parameters: Readonly<Record<string, unknown>>;
}

/** Whether and which tool the model must call. */
export type ToolChoice = 'auto' | 'none' | 'required' | { readonly name: string };

/** Structured output. */
export type ResponseFormat =
  | { readonly type: 'text' }
  | { readonly type: 'json_object' }
  | {
      readonly type: 'json_schema';
      readonly name: string;
      readonly schema: Readonly<Record<string, unknown>>;
      readonly strict?: boolean;
    };

/** A chat request in the gateway's own terms. `model` is an alias or a provider model name. */
export interface ChatRequest {
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly tools?: readonly ToolDefinition[];
  readonly toolChoice?: ToolChoice;
  readonly responseFormat?: ResponseFormat;
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly stop?: readonly string[];
}

/** Token counts. `cachedInputTokens` is the part of `inputTokens` served from a prompt cache. */
export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedInputTokens: number;
}

/** Why the model stopped. */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/** A complete (non-streamed) answer. */
export interface ChatResponse {
  readonly id: string;
  /** The provider's model name that answered. */
  readonly model: string;
  readonly content: string;
  readonly toolCalls: readonly ToolCall[];
  readonly finishReason: FinishReason;
  readonly usage: Usage;
}

/**
 * A streamed answer, as events. A provider stream either fails before its first event (and the
 * gateway may fall back) or ends with exactly one `finish` or one `error` event: a stream is
 * never silently truncated.
 */
export type ChatStreamEvent =
  | { readonly type: 'start'; readonly id: string; readonly model: string }
  | { readonly type: 'text'; readonly text: string }
  | {
      readonly type: 'tool_call_start';
      readonly index: number;
      readonly id: string;
      readonly name: string;
    }
  | { readonly type: 'tool_call_delta'; readonly index: number; readonly argumentsDelta: string }
  | { readonly type: 'finish'; readonly finishReason: FinishReason; readonly usage: Usage }
  | { readonly type: 'error'; readonly code: string; readonly message: string };

/** An embeddings request. */
export interface EmbeddingRequest {
  readonly model: string;
  readonly input: readonly string[];
  readonly dimensions?: number;
}

/** Embeddings, one vector per input, in order. */
export interface EmbeddingResponse {
  readonly model: string;
  readonly embeddings: readonly (readonly number[])[];
  readonly usage: { readonly inputTokens: number };
}

/** Zero usage, for providers that report none. */
export const NO_USAGE: Usage = Object.freeze({
  inputTokens: 0,
  outputTokens: 0,
  cachedInputTokens: 0,
});

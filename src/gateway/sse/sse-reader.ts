/**
 * @module Reads a streamed HTTP body (an undici response body, or any async iterable of bytes)
 * as Server-Sent Events, using `eventsource-parser` for the framing rules (multi-line data,
 * comments, CRLF, chunks split anywhere, even inside a UTF-8 character).
 *
 * The reader only frames: it ends when the body ends and throws when the body fails (connection
 * reset, body timeout). Whether the stream ended properly is protocol knowledge, so the wire
 * decoders decide it (`[DONE]`, `message_stop`, a Gemini `finishReason`) in their `end()`.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { ChatStreamEvent } from '../chat-types.js';

export type { EventSourceMessage } from 'eventsource-parser';

/** What every wire stream decoder offers; see the `*StreamDecoder` classes. */
export interface ChatStreamDecoder {
  /** Decodes one event's `data`. */
  feed(data: string): ChatStreamEvent[];
  /** Called when the body ended: `finish`, or a `truncated` error when the terminal event is missing. */
  end(): ChatStreamEvent[];
  /** True once the decoder emitted its final event. */
  readonly done: boolean;
}

/**
 * Yields the SSE events of `body` in order. Incomplete trailing events (no blank line before the
 * end) are dropped, as the SSE specification says; the decoder's `end()` then reports truncation.
 * Errors of the body itself propagate to the caller.
 */
export async function* readSseEvents(
  body: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<EventSourceMessage, void, undefined> {
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => queue.push(event) });
  const utf8 = new TextDecoder();
  for await (const chunk of body) {
    parser.feed(typeof chunk === 'string' ? chunk : utf8.decode(chunk, { stream: true }));
    // Index loop + reset instead of shift(): O(1) per event on the hot path.
    for (let i = 0; i < queue.length; i++) yield queue[i]!;
    queue.length = 0;
  }
  parser.feed(utf8.decode());
  for (const event of queue) yield event;
}

/**
 * Runs a whole SSE body through a decoder and yields chat events, ending with the decoder's
 * `end()` events. Body errors propagate (the provider decides whether they become a rejection or
 * a final `error` event, depending on whether anything was yielded yet).
 */
export async function* decodeSseBody(
  body: AsyncIterable<Uint8Array | string>,
  decoder: ChatStreamDecoder,
): AsyncGenerator<ChatStreamEvent, void, undefined> {
  for await (const event of readSseEvents(body)) {
    if (decoder.done) continue;
    yield* decoder.feed(event.data);
  }
  yield* decoder.end();
}

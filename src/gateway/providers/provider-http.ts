/**
 * @module The HTTP layer every provider shares: one keep-alive undici `Pool` per provider
 * origin (built once, so a call costs no client construction), status and socket-error mapping
 * to {@link ProviderError} failures, `Retry-After` parsing, and the streaming loop that enforces
 * the {@link Provider} contract (reject before the first event, then end with `finish` or
 * `error`). Keys live only in the header map given at construction and are scrubbed from every
 * message built from provider output.
 */
import { Pool } from 'undici';
import type { ChatStreamEvent } from '../chat-types.js';
import { ProviderError, type ProviderFailure } from '../provider.js';
import { type ChatStreamDecoder, decodeSseBody } from '../sse/sse-reader.js';

/** Options for {@link ProviderHttp}. */
export interface ProviderHttpOptions {
  readonly provider: string;
  /** Base URL; its origin gets the pool, its path prefixes every request path. */
  readonly baseUrl: string;
  /** Sent with every request (content type, auth, version headers). */
  readonly headers: Readonly<Record<string, string>>;
  /** Time to response headers, and the longest silence between body chunks. */
  readonly timeoutMs: number;
  /** The API key, only so it can be scrubbed from messages. */
  readonly secret?: string;
}

/**
 * Parses `Retry-After` (delay seconds, possibly fractional, or an HTTP-date) into milliseconds
 * from `now`; undefined when absent or unreadable.
 */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now: number = Date.now(),
): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (v === undefined || v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The failure kind for an HTTP status. */
export function failureForStatus(status: number): ProviderFailure {
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'auth';
  if (status >= 500) return 'server';
  return 'bad_request';
}

const KEYISH = /\b(?:sk|key|AIza)[-_A-Za-z0-9*.]{6,}/g;

/** One provider's pooled HTTP client. */
export class ProviderHttp {
  readonly provider: string;
  readonly #pool: Pool;
  readonly #basePath: string;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #timeoutMs: number;
  readonly #secret: string | undefined;

  constructor(opts: ProviderHttpOptions) {
    const url = new URL(opts.baseUrl);
    this.provider = opts.provider;
    this.#basePath = url.pathname.replace(/\/+$/, '');
    this.#headers = { 'content-type': 'application/json', ...opts.headers };
    this.#timeoutMs = opts.timeoutMs;
    this.#secret = opts.secret === '' ? undefined : opts.secret;
    // Unlimited connections: LLM calls last seconds, so 1,000 req/s means thousands in flight;
    // keep-alive reuse, not a connection cap, is what keeps the per-call overhead low.
    this.#pool = new Pool(url.origin, { pipelining: 1, keepAliveTimeout: 30_000 });
  }

  /** Removes the key (and anything key-shaped, such as a provider's masked echo of it). */
  redact(text: string): string {
    const s = this.#secret === undefined ? text : text.split(this.#secret).join('[redacted]');
    return s.replace(KEYISH, '[redacted]');
  }

  /** POSTs JSON and returns the parsed JSON answer; any failure is a {@link ProviderError}. */
  async postJson(path: string, body: object, signal: AbortSignal): Promise<unknown> {
    const res = await this.#send(path, body, signal);
    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      throw this.fromException(err, signal);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new ProviderError({
        provider: this.provider,
        failure: 'malformed',
        message: `${this.provider}: answer is not JSON (HTTP ${res.statusCode})`,
        status: res.statusCode,
        cause: err,
      });
    }
  }

  /**
   * POSTs JSON and streams the SSE answer through `decoder`. Rejects (on the first `next()`)
   * when the call fails or the stream fails before its first event, so the gateway can fall
   * back; afterwards a failure becomes one final `error` event. The body is drained after the
   * terminal event so the connection returns to the pool, and destroyed if the consumer stops
   * early.
   */
  async *postStream(
    path: string,
    body: object,
    signal: AbortSignal,
    decoder: ChatStreamDecoder,
  ): AsyncGenerator<ChatStreamEvent, void, undefined> {
    const res = await this.#send(path, body, signal);
    const events = decodeSseBody(res.body, decoder);
    let yielded = false;
    let finished = false;
    try {
      while (true) {
        let next: IteratorResult<ChatStreamEvent, void>;
        try {
          next = await events.next();
        } catch (err) {
          const e = this.fromException(err, signal);
          if (!yielded) throw e;
          finished = true;
          yield { type: 'error', code: e.failure, message: e.message };
          return;
        }
        if (next.done === true) {
          finished = true;
          return;
        }
        const event = next.value;
        if (event.type === 'error') {
          const message = this.redact(event.message);
          if (!yielded) {
            throw new ProviderError({
              provider: this.provider,
              failure: event.code === 'truncated' ? 'network' : (event.code as ProviderFailure),
              message,
            });
          }
          finished = true;
          yield { type: 'error', code: event.code, message };
          await this.#drain(events);
          return;
        }
        yielded = true;
        if (event.type === 'finish') {
          finished = true;
          yield event;
          await this.#drain(events);
          return;
        }
        yield event;
      }
    } finally {
      if (!finished || !res.body.readableEnded) res.body.destroy();
    }
  }

  async #drain(events: AsyncGenerator<ChatStreamEvent, void, undefined>): Promise<void> {
    try {
      while ((await events.next()).done !== true) {
        /* the decoder is done; remaining bytes only need reading */
      }
    } catch {
      /* the answer is complete; a late socket error does not change it */
    }
  }

  async #send(path: string, body: object, signal: AbortSignal) {
    let res: Awaited<ReturnType<Pool['request']>>;
    try {
      res = await this.#pool.request({
        method: 'POST',
        path: this.#basePath + path,
        headers: this.#headers,
        body: JSON.stringify(body),
        signal,
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      });
    } catch (err) {
      throw this.fromException(err, signal);
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return res;
    let detail = '';
    try {
      detail = errorDetail(await res.body.text());
    } catch {
      /* the status says enough */
    }
    const failure = failureForStatus(res.statusCode);
    // OpenAI also sends a millisecond variant; prefer it when present.
    const ms = Number(res.headers['retry-after-ms']);
    const retryAfterMs =
      Number.isFinite(ms) && ms >= 0 && res.headers['retry-after-ms'] !== undefined
        ? ms
        : parseRetryAfter(res.headers['retry-after']);
    // Auth failures never echo the provider's text: it may quote (part of) the key.
    const message =
      failure === 'auth'
        ? `${this.provider}: authentication failed (HTTP ${res.statusCode}); check the configured key`
        : this.redact(
            `${this.provider}: HTTP ${res.statusCode}${detail === '' ? '' : `: ${detail}`}`,
          );
    throw new ProviderError({
      provider: this.provider,
      failure,
      message,
      status: res.statusCode,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }

  /** Maps a thrown error (socket, timeout, abort) to a {@link ProviderError}. */
  fromException(err: unknown, signal: AbortSignal): ProviderError {
    if (err instanceof ProviderError) return err;
    const code = (err as { code?: unknown } | null)?.code;
    const timedOut =
      signal.aborted || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
    const what = timedOut
      ? signal.aborted
        ? 'call aborted (timeout or caller gone)'
        : `no answer within the timeout (${String(code)})`
      : `connection failed (${typeof code === 'string' ? code : 'network error'})`;
    return new ProviderError({
      provider: this.provider,
      failure: timedOut ? 'timeout' : 'network',
      message: this.redact(`${this.provider}: ${what}`),
      cause: err,
    });
  }

  /** Closes the pool's connections. */
  async close(): Promise<void> {
    await this.#pool.close();
  }
}

/** The human part of a provider's error body (`{error:{message}}` in all three formats). */
function errorDetail(text: string): string {
  let msg = text;
  try {
    const j = JSON.parse(text) as unknown;
    const root = Array.isArray(j) ? (j[0] as unknown) : j;
    const e = (root as { error?: { message?: unknown } } | null)?.error;
    if (typeof e?.message === 'string') msg = e.message;
    else if (typeof (root as { message?: unknown } | null)?.message === 'string')
      msg = (root as { message: string }).message;
  } catch {
    /* not JSON: keep the text */
  }
  msg = msg.replace(/\s+/g, ' ').trim();
  return msg.length > 300 ? `${msg.slice(0, 300)}…` : msg;
}

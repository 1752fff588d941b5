/**
 * @module The dashboard's one way to call the REST API: `fetch` with the session cookie
 * (`credentials: 'same-origin'`), the session's CSRF token on every change, JSON in and out, and
 * every failure turned into an {@link ApiError} carrying the server's `{code, message}` so a view
 * can show the user what went wrong and what to do.
 */

/** Where the REST API lives. */
export const API_PREFIX = '/api/v1';

/** A failed call: the server's error code and message, or a network failure (`NETWORK`). */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: unknown;
  /** Seconds from a `Retry-After` header (429, 503). */
  readonly retryAfterSeconds: number | undefined;

  constructor(options: {
    code: string;
    message: string;
    status: number;
    details?: unknown;
    retryAfterSeconds?: number;
  }) {
    super(options.message);
    this.name = 'ApiError';
    this.code = options.code;
    this.status = options.status;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** True when `error` is an {@link ApiError} with one of `codes`. */
export function isApiError(error: unknown, ...codes: string[]): error is ApiError {
  return error instanceof ApiError && (codes.length === 0 || codes.includes(error.code));
}

/** The text to show a person for any thrown value. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

// The reference page (/api/v1/reference) reads the token from here to try out changes.
const CSRF_STORAGE_KEY = 'agentvisor.csrf';
let csrfToken: string | undefined;
let onUnauthenticated: (() => void) | undefined;

/** Remembers the session's CSRF token (or forgets it on sign-out). */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
  try {
    if (token === undefined) sessionStorage.removeItem(CSRF_STORAGE_KEY);
    else sessionStorage.setItem(CSRF_STORAGE_KEY, token);
  } catch {
    // Storage may be disabled; the dashboard keeps the token in memory regardless.
  }
}

/** Called when any call answers 401: the session ended elsewhere (expiry, logout, disabled). */
export function setUnauthenticatedHandler(handler: (() => void) | undefined): void {
  onUnauthenticated = handler;
}

/** Query values; `undefined`, `null` and `''` are left out. */
export type Query = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** Options of one call. */
export interface ApiCallOptions {
  readonly method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly query?: Query;
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  /** Do not report a 401 to the session (the session's own calls). */
  readonly quiet401?: boolean;
}

/** The URL of an API path: `/agents` is under `/api/v1`; `/health/...` is the server's own. */
export function apiUrl(path: string, query?: Query): string {
  const base =
    path.startsWith('/health/') || path.startsWith(API_PREFIX) ? path : API_PREFIX + path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? base : `${base}?${text}`;
}

/**
 * Calls the API and returns the parsed JSON answer (`undefined` for 204).
 *
 * @example
 * const { agents } = await api<{ agents: Agent[] }>('/agents');
 * await api('/agents/coder/restart', { method: 'POST', body: { reason: 'stuck' } });
 */
export async function api<T>(path: string, options: ApiCallOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken !== undefined) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(apiUrl(path, options.query), {
      method,
      headers,
      credentials: 'same-origin',
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError({
      code: 'NETWORK',
      status: 0,
      message: `Cannot reach the Agentvisor server (${errorText(error)}). Is it running?`,
    });
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const record = (body ?? {}) as { code?: unknown; message?: unknown; details?: unknown };
    const retry = Number(response.headers.get('retry-after'));
    const error = new ApiError({
      code: typeof record.code === 'string' ? record.code : `HTTP_${response.status}`,
      status: response.status,
      message:
        typeof record.message === 'string'
          ? record.message
          : `${method} ${path} failed with HTTP ${response.status}`,
      details: record.details,
      ...(Number.isFinite(retry) && retry > 0 ? { retryAfterSeconds: retry } : {}),
    });
    if (response.status === 401 && options.quiet401 !== true) onUnauthenticated?.();
    throw error;
  }
  if (body === undefined && text !== '') {
    throw new ApiError({
      code: 'BAD_RESPONSE',
      status: response.status,
      message: `${method} ${path}: the server answered with something other than JSON`,
    });
  }
  return body as T;
}

/**
 * Saves `data` as a JSON file in the browser's downloads.
 *
 * @example
 * downloadJson(proof, 'inclusion-proof-42.json');
 */
export function downloadJson(data: unknown, filename: string): void {
  const blob = new Blob([`${JSON.stringify(data, null, 2)}\n`], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

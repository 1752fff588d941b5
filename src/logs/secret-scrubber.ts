/**
 * @module What keeps secrets out of stored logs. Two passes: by key, every field whose name is
 * the last part of one of the process logger's redacted paths (`password`, `token`,
 * `authorization` ...) is blanked at any depth; by value, every string (the message included)
 * loses what looks like a credential: Agentvisor's own tokens (`avk_` API keys, `avo_` operator
 * tokens, `avs_` session tokens), provider keys (`sk-...`), Bearer credentials and `key=value`
 * pairs, through telemetry's {@link redact}.
 */
import { REDACTED, redact } from '../telemetry/index.js';

// Agentvisor's token shapes (API key, operator token, session token): the prefix and a run of
// base64url characters. Telemetry's pattern covers `avk_` only; operator and session tokens are
// added here.
const AGENTVISOR_TOKEN = /(?<![A-Za-z0-9])av[kos]_[A-Za-z0-9_-]{8,}/g;

/** Deeper structures are cut here: a log field is a summary, not a dump. */
const MAX_DEPTH = 8;

/**
 * `text` with every secret-looking part replaced by `[redacted]`.
 *
 * @example
 * scrubSecrets('calling with avo_abcdefghijklmnop'); // 'calling with [redacted]'
 */
export function scrubSecrets(text: string): string {
  const own = text.includes('av') ? text.replace(AGENTVISOR_TOKEN, REDACTED) : text;
  return redact(own);
}

/** A key as compared: lower case, without `_` and `-` (`apiKey`, `api_key`, `API-KEY` agree). */
function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

/**
 * The field names redacted at any depth, from pino redaction paths (`*.password`,
 * `req.headers.cookie` ...): the last part of each path.
 */
export function redactedKeysOf(paths: readonly string[]): ReadonlySet<string> {
  const keys = new Set<string>();
  for (const p of paths) {
    const last = p.split('.').at(-1);
    if (last !== undefined && last !== '*' && last !== '') keys.add(normaliseKey(last));
  }
  return keys;
}

/**
 * A JSON-safe copy of `value` with redacted keys blanked and every string scrubbed. Functions,
 * symbols and cycles become short markers; bigints become strings.
 */
export function redactValue(value: unknown, keys: ReadonlySet<string>): unknown {
  return copy(value, keys, 0, new WeakSet());
}

function copy(
  value: unknown,
  keys: ReadonlySet<string>,
  depth: number,
  seen: WeakSet<object>,
): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value === undefined) return undefined;
  if (typeof value !== 'object') return `[${typeof value}]`;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[truncated]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => copy(v, keys, depth + 1, seen) ?? null);
    if (value instanceof Date) return value.toISOString();
    if (value instanceof Error) {
      return { type: value.name, message: scrubSecrets(value.message) };
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (keys.has(normaliseKey(k))) {
        out[k] = REDACTED;
        continue;
      }
      const c = copy(v, keys, depth + 1, seen);
      if (c !== undefined) out[k] = c;
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/**
 * @module Keeping notifiers' secrets out of logs, errors and ledger entries. A notifier knows
 * its secrets (a webhook URL with its token, its path and query, header values, an SMTP
 * password); every text it produces for the outside passes {@link scrubSecrets}, which removes
 * them by value and then applies the telemetry redactor for anything that merely looks like a
 * credential. Where a URL must be named, {@link displayUrl} shows its origin only.
 */
import { REDACTED, redact } from '../telemetry/index.js';

/** The secret parts of a URL: the whole, its path and query, its user info. */
export function urlSecrets(url: string): string[] {
  const out = [url];
  try {
    const u = new URL(url);
    const rest = `${u.pathname}${u.search}`;
    if (rest.length > 1) out.push(rest, decodeURIComponent(rest));
    if (u.search.length > 1) out.push(u.search.slice(1));
    if (u.password !== '') out.push(u.password, decodeURIComponent(u.password));
    if (u.username !== '') out.push(u.username);
    for (const part of u.pathname.split('/')) if (part.length >= 8) out.push(part);
  } catch {
    // Not a URL: the whole string is the secret.
  }
  return out;
}

/** A URL's origin (scheme, host, port): what may be shown of a secret URL. */
export function displayUrl(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

/**
 * Removes every given secret (longest first, so a secret that contains another goes whole),
 * then anything credential-shaped. Secrets shorter than 4 characters are not searched for: they
 * would erase ordinary words, and are too short to be worth stealing.
 *
 * @example
 * scrubSecrets('POST https://hooks.example/T0/B1/xyz failed', ['https://hooks.example/T0/B1/xyz']);
 * // 'POST [redacted] failed'
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  const sorted = [...new Set(secrets)]
    .filter((s) => s.length >= 4)
    .sort((a, b) => b.length - a.length);
  for (const secret of sorted) out = out.split(secret).join(REDACTED);
  return redact(out);
}

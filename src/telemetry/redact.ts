/**
 * @module Secret redaction for telemetry text. Anything that looks like a credential (provider
 * API keys, Bearer/Basic credentials, `key=` / `token=` / `password=` values, long hex or base64
 * blobs) becomes `[redacted]` before it reaches the event ring buffer, so a snapshot, the CLI's
 * `status` view or a support bundle can never leak one. Over-redaction is the accepted failure
 * mode: a long random-looking identifier is lost, a secret is not kept.
 */

/** What a redacted secret is replaced with. */
export const REDACTED = '[redacted]';

// Provider key shapes. The look-behind keeps "task-..." from reading as an "sk-" key.
const PROVIDER_KEY =
  '(?<![A-Za-z0-9])(?:sk-[A-Za-z0-9_-]{16,}|avk_[A-Za-z0-9_-]{16,}|(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{10,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35})';
// An HTTP credential after its scheme word; the scheme stays so the text still reads.
const AUTH_SCHEME = String.raw`\b(Bearer|Basic|Token)\s+([A-Za-z0-9._~+/=-]+)`;
// `name=value`, `name: value`, `"name":"value"`, in any case (`DB_PASSWORD=`): the name
// stays, the value goes. The value is a quoted string or a run up to whitespace, a quote or `&`
// (the URL query separator). `_` may precede the name, so `DB_PASSWORD` is caught.
const NAMED_VALUE = String.raw`(?<![A-Za-z0-9])((?:api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key|client[_-]?secret|access[_-]?token|refresh[_-]?token|id[_-]?token|auth[_-]?token|authorization|password|passwd|pwd|passphrase|secret|token|key)["']?\s*[=:]\s*(?:(?:Bearer|Basic|Token)\s+)?)("[^"]*"|'[^']*'|[^\s"'&]+)`;
// 32+ hex digits: SHA digests, raw keys, session ids.
const HEX_BLOB = '[0-9A-Fa-f]{32,}';
// 40+ base64/base64url characters; kept only when it mixes character classes (see below).
const BASE64_BLOB = '[A-Za-z0-9+/_-]{40,}={0,2}';

const NAMED = new RegExp(NAMED_VALUE, 'gi');
// Case-sensitive: "Basic information" in prose is not a credential, "Basic dXNlcjpw" is.
const SECRET = new RegExp(
  // Base64 before hex: a hex run inside a longer base64 run must not end the match early and
  // leave the run's tail behind.
  `${PROVIDER_KEY}|${AUTH_SCHEME}|(${BASE64_BLOB})|(${HEX_BLOB})`,
  'g',
);
// Every pattern above needs a 15-character token run (see `hasTokenRun`) or one of these
// words; text with neither, like most lifecycle details, skips the two full scans.
const SECRET_WORD = /bearer|basic|token|key|pass|secret|auth|pwd/i;
const TOKEN_RUN = 15;

/**
 * True when `text` has 15 consecutive base64/base64url characters. A hand loop: V8 took about
 * 1 µs for the equivalent `/[A-Za-z0-9+/_-]{15}/` on a 64-character line, this takes a tenth.
 */
function hasTokenRun(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const token =
      (c >= 97 && c <= 122) || // a-z
      (c >= 65 && c <= 90) || // A-Z
      (c >= 48 && c <= 57) || // 0-9
      c === 43 || // +
      c === 47 || // /
      c === 95 || // _
      c === 45; // -
    run = token ? run + 1 : 0;
    if (run >= TOKEN_RUN) return true;
  }
  return false;
}

const HEX_RUN = new RegExp(HEX_BLOB);

/** True when a base64-alphabet run mixes at least two of upper case, lower case and digits. */
function looksRandom(run: string): boolean {
  let classes = 0;
  if (/[a-z]/.test(run)) classes++;
  if (/[A-Z]/.test(run)) classes++;
  if (/[0-9]/.test(run)) classes++;
  // A 40-character base64 string of random bytes has all three classes with overwhelming
  // probability; a long kebab-case name has one. Two is the line.
  return classes >= 2;
}

function replaceNamed(_match: string, name: string): string {
  return `${name}${REDACTED}`;
}

function replaceSecret(
  match: string,
  scheme: string | undefined,
  _credential: string | undefined,
  base64: string | undefined,
): string {
  if (scheme !== undefined) return `${scheme} ${REDACTED}`;
  if (base64 !== undefined && !looksRandom(base64) && !HEX_RUN.test(base64)) return match;
  return REDACTED;
}

/**
 * Replaces every secret-looking part of `text` with {@link REDACTED}. Returns `text` itself
 * (the same string) when nothing matched, so callers can compare by identity.
 *
 * @example
 * redact('got Authorization: Bearer abc.def.ghi'); // 'got Authorization: Bearer [redacted]'
 * redact('retry token=s3cr3t&x=1'); // 'retry token=[redacted]&x=1'
 */
export function redact(text: string): string {
  if (!hasTokenRun(text) && !SECRET_WORD.test(text)) return text;
  // Both regexes are global; `replace` resets their lastIndex, so they hold no state between calls.
  const out = text
    .replace(NAMED, replaceNamed)
    .replace(SECRET, replaceSecret as (match: string, ...groups: string[]) => string);
  return out === text ? text : out;
}

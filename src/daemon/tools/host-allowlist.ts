/**
 * @module Matching URLs against an HTTP host allowlist. Entries are `host` (any port),
 * `host:port` (that port only; the scheme's default port counts when the URL names none) or
 * `*.domain` (any subdomain of `domain`, not `domain` itself). Hosts compare case-insensitively.
 */

interface HostRule {
  host: string;
  wildcard: boolean;
  port: number | undefined;
}

function parseRule(entry: string): HostRule {
  const text = entry.trim().toLowerCase();
  // IPv6 literals keep their brackets, as URL.hostname does; the port follows the bracket.
  const match = /^(\[[^\]]+\])(?::(\d+))?$/.exec(text) ?? /^([^:]+)(?::(\d+))?$/.exec(text);
  const host = match?.[1] ?? text;
  const port = match?.[2] === undefined ? undefined : Number(match[2]);
  const wildcard = host.startsWith('*.');
  return { host: wildcard ? host.slice(1) : host, wildcard, port };
}

function defaultPort(protocol: string): number {
  return protocol === 'https:' ? 443 : 80;
}

/**
 * True when `url`'s host (and port, if the entry names one) is on `allowlist`.
 *
 * @example
 * hostAllowed(new URL('https://api.example.com/v1'), ['*.example.com']); // true
 */
export function hostAllowed(url: URL, allowlist: readonly string[]): boolean {
  const host = url.hostname.toLowerCase();
  const port = url.port === '' ? defaultPort(url.protocol) : Number(url.port);
  return allowlist.some((entry) => {
    const rule = parseRule(entry);
    if (rule.port !== undefined && rule.port !== port) return false;
    return rule.wildcard
      ? host.endsWith(rule.host) && host.length > rule.host.length
      : host === rule.host;
  });
}

/**
 * @module Scope patterns and resource values. One definition of "matches" shared by the fast
 * matcher and the Cedar translation: `*` in a pattern stands for any run of characters (Cedar's
 * `like`), and a path pattern also covers everything below it. Resource values are normalised
 * first (paths lexically, hosts lower-cased, commands to their program name), so both engines
 * see the same string.
 */
import path from 'node:path';
import type { ResourceKind } from './policy-types.js';

/**
 * The canonical form of a resource value, or `undefined` when it cannot be in any scope: an
 * empty value, or a path that climbs above its start (`../x`), which no lexical prefix may hold.
 *
 * @example
 * normalizeResourceValue('path', '/workspace/a/../b/'); // '/workspace/b'
 * normalizeResourceValue('command', '/usr/bin/git status'); // 'git'
 */
export function normalizeResourceValue(kind: ResourceKind, value: string): string | undefined {
  const text = value.trim();
  if (text === '') return undefined;
  switch (kind) {
    case 'path': {
      const normal = stripTrailingSlash(path.posix.normalize(text));
      if (normal === '..' || normal.startsWith('../')) return undefined;
      return normal;
    }
    case 'host':
      return stripTrailingDot(text.toLowerCase());
    case 'command':
      return programName(text);
    case 'model':
      return text;
  }
}

/** The canonical form of a pattern of a given kind (same rules as values, `*` kept). */
export function normalizePattern(kind: ResourceKind, pattern: string): string {
  const text = pattern.trim();
  switch (kind) {
    case 'path':
      return stripTrailingSlash(path.posix.normalize(text));
    case 'host':
      return stripTrailingDot(text.toLowerCase());
    case 'command':
      return programName(text);
    case 'model':
      return text;
  }
}

function stripTrailingSlash(p: string): string {
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

function stripTrailingDot(host: string): string {
  return host.length > 1 && host.endsWith('.') ? host.slice(0, -1) : host;
}

function programName(command: string): string {
  const first = command.split(/\s+/, 1)[0] ?? command;
  const slash = first.lastIndexOf('/');
  return slash >= 0 && slash < first.length - 1 ? first.slice(slash + 1) : first;
}

/**
 * The `like` patterns a normalised scope pattern stands for: itself, and for a path also the
 * same pattern followed by `/*` (everything below it). The root `/` needs only `/*`.
 */
export function likePatterns(kind: ResourceKind, normalPattern: string): string[] {
  if (kind !== 'path') return [normalPattern];
  if (normalPattern === '/') return ['/*'];
  return [normalPattern, `${normalPattern}/*`];
}

/** A compiled `like` pattern: true when the whole value fits it. */
export type ValueMatcher = (value: string) => boolean;

/**
 * Compiles a `like` pattern (`*` = any run, everything else literal) into the cheapest test
 * that decides it: equality, prefix, suffix, or a left-to-right scan of its literal pieces.
 */
export function compileLike(pattern: string): ValueMatcher {
  const pieces = pattern.split('*');
  if (pieces.length === 1) return (v) => v === pattern;
  const first = pieces[0] ?? '';
  const last = pieces[pieces.length - 1] ?? '';
  const middle = pieces.slice(1, -1).filter((p) => p !== '');
  const minLength = first.length + last.length;
  if (middle.length === 0) {
    if (last === '') return (v) => v.startsWith(first);
    if (first === '') return (v) => v.endsWith(last);
    return (v) => v.length >= minLength && v.startsWith(first) && v.endsWith(last);
  }
  return (v) => {
    if (v.length < minLength || !v.startsWith(first) || !v.endsWith(last)) return false;
    // Greedy-leftmost placement of each middle piece is optimal for `*`-only patterns.
    let at = first.length;
    const end = v.length - last.length;
    for (const piece of middle) {
      const found = v.indexOf(piece, at);
      if (found < 0 || found + piece.length > end) return false;
      at = found + piece.length;
    }
    return true;
  };
}

/**
 * True when a normalised value is matched by a normalised scope pattern.
 *
 * @example
 * patternMatches('path', '/workspace', '/workspace/src/a.ts'); // true
 * patternMatches('host', '*.example.com', 'example.com'); // false
 */
export function patternMatches(kind: ResourceKind, normalPattern: string, value: string): boolean {
  return likePatterns(kind, normalPattern).some((p) => compileLike(p)(value));
}

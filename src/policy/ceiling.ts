/**
 * @module The ceiling: the most an agent may hold without a human admin. Also decides whether a
 * grant stays within it, which is what separates a routine patch from a privilege escalation.
 */
import { levelGrants } from './permission-levels.js';
import type {
  CapabilityGrant,
  CapabilityScope,
  PolicyCeiling,
  ResourceKind,
} from './policy-types.js';
import { ADMIN_CAPABILITY, RESOURCE_KINDS, SCOPE_KEY } from './policy-types.js';
import { normalizePattern, patternMatches } from './scope-pattern.js';

/** The grants a ceiling stands for. */
export function ceilingGrants(ceiling: PolicyCeiling): readonly CapabilityGrant[] {
  return ceiling.kind === 'level' ? levelGrants(ceiling.level) : ceiling.grants;
}

/**
 * True when every request `grant` allows is also allowed by some grant of `ceiling`. `admin`
 * is never within a ceiling: only a human admin grants it. A pattern is covered when a ceiling
 * pattern matches it read literally (its `*` as a plain character); that is sound because a
 * ceiling literal piece can never span the pattern's `*`, so whatever that `*` becomes, the
 * ceiling pattern still matches.
 *
 * @example
 * withinCeiling({ capability: 'fs.read', scope: { paths: ['/workspace/src'] } },
 *   [{ capability: 'fs.read', scope: { paths: ['/workspace'] } }]); // true
 */
export function withinCeiling(
  grant: CapabilityGrant,
  ceiling: readonly CapabilityGrant[],
): boolean {
  if (grant.capability === ADMIN_CAPABILITY) return false;
  return ceiling.some(
    (c) =>
      c.capability === ADMIN_CAPABILITY ||
      (c.capability === grant.capability && scopeCovers(c.scope, grant.scope)),
  );
}

function scopeCovers(outer: CapabilityScope | undefined, inner: CapabilityScope | undefined) {
  if (outer === undefined) return true;
  if (inner === undefined) return false;
  return RESOURCE_KINDS.every((kind) => listCovers(kind, outer, inner));
}

function listCovers(kind: ResourceKind, outer: CapabilityScope, inner: CapabilityScope): boolean {
  const wanted = inner[SCOPE_KEY[kind]];
  if (wanted === undefined || wanted.length === 0) return true;
  const held = (outer[SCOPE_KEY[kind]] ?? []).map((p) => normalizePattern(kind, p));
  return wanted.every((p) => {
    const literal = normalizePattern(kind, p);
    return held.some((h) => patternMatches(kind, h, literal));
  });
}

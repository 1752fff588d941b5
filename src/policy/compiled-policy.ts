/**
 * @module A policy compiled for the gate's fast path: grants merged per capability into
 * matcher functions, the ceiling likewise, and a per-policy decision cache. A patch never edits
 * a compiled policy: it compiles a new one, so the old cache is dropped with it.
 */
import { ceilingGrants } from './ceiling.js';
import type {
  AgentPolicy,
  CapabilityGrant,
  Decision,
  ResourceKind,
  ResourceRef,
} from './policy-types.js';
import { ADMIN_CAPABILITY, RESOURCE_KINDS, SCOPE_KEY } from './policy-types.js';
import {
  compileLike,
  likePatterns,
  normalizePattern,
  normalizeResourceValue,
  type ValueMatcher,
} from './scope-pattern.js';

/** One capability's merged grants: unscoped, or the matchers per resource kind. */
interface Rule {
  readonly unscoped: boolean;
  readonly matchers: Partial<Record<ResourceKind, ValueMatcher[]>>;
  /** Patterns as written, for deny messages. */
  readonly shown: Partial<Record<ResourceKind, string[]>>;
}

/** A set of grants ready to be tested. */
interface RuleSet {
  readonly admin: boolean;
  readonly rules: ReadonlyMap<string, Rule>;
}

/** Decisions kept per compiled policy; beyond this the cache starts over (bounded memory). */
const CACHE_LIMIT = 4096;

const ALLOW: Decision = Object.freeze({ kind: 'allow' });

function compileRules(grants: readonly CapabilityGrant[], now: number): RuleSet {
  let admin = false;
  const rules = new Map<
    string,
    { unscoped: boolean; matchers: Rule['matchers']; shown: Rule['shown'] }
  >();
  for (const grant of grants) {
    if (grant.expiresAt !== undefined && grant.expiresAt <= now) continue;
    if (grant.capability === ADMIN_CAPABILITY) admin = true;
    let rule = rules.get(grant.capability);
    if (rule === undefined) {
      rule = { unscoped: false, matchers: {}, shown: {} };
      rules.set(grant.capability, rule);
    }
    if (grant.scope === undefined) {
      rule.unscoped = true;
      continue;
    }
    for (const kind of RESOURCE_KINDS) {
      for (const pattern of grant.scope[SCOPE_KEY[kind]] ?? []) {
        const normal = normalizePattern(kind, pattern);
        const shown = rule.shown[kind] ?? [];
        const matchers = rule.matchers[kind] ?? [];
        shown.push(pattern);
        for (const like of likePatterns(kind, normal)) matchers.push(compileLike(like));
        rule.shown[kind] = shown;
        rule.matchers[kind] = matchers;
      }
    }
  }
  return { admin, rules };
}

function permits(set: RuleSet, action: string, resource: ResourceRef | undefined): boolean {
  if (set.admin) return true;
  const rule = set.rules.get(action);
  if (rule === undefined) return false;
  if (rule.unscoped) return true;
  if (resource === undefined) return false;
  const matchers = rule.matchers[resource.kind];
  if (matchers === undefined) return false;
  for (const m of matchers) if (m(resource.value)) return true;
  return false;
}

/** The earliest expiry still ahead, after which the policy must be compiled again. */
function nextExpiry(grants: readonly CapabilityGrant[], now: number): number {
  let next = Number.POSITIVE_INFINITY;
  for (const g of grants) {
    if (g.expiresAt !== undefined && g.expiresAt > now && g.expiresAt < next) next = g.expiresAt;
  }
  return next;
}

/**
 * One agent's policy, compiled at a moment (`now` decides which temporary grants count).
 *
 * @example
 * const compiled = new CompiledPolicy(policy, Date.now());
 * compiled.decide('fs.read', { kind: 'path', value: '/workspace/a.md' }); // { kind: 'allow' }
 */
export class CompiledPolicy {
  readonly policy: AgentPolicy;
  /** Epoch ms at which a temporary grant lapses; the engine recompiles then. */
  readonly validUntil: number;
  readonly #grants: RuleSet;
  readonly #ceiling: RuleSet;
  readonly #cache = new Map<string, Decision>();
  readonly #who: string;

  constructor(policy: AgentPolicy, now: number) {
    this.policy = policy;
    this.#grants = compileRules(policy.grants, now);
    this.#ceiling = compileRules(ceilingGrants(policy.ceiling), now);
    this.validUntil = nextExpiry(policy.grants, now);
    this.#who = `agent "${policy.agent}" (agent:${policy.agentId})`;
  }

  /** The decision for `action` on `resource` (raw, normalised here), cached. */
  decide(action: string, resource?: ResourceRef): Decision {
    const key =
      resource === undefined ? action : `${action}\u0001${resource.kind}\u0001${resource.value}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached;
    const decision = this.#evaluate(action, resource);
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(key, decision);
    return decision;
  }

  /** How many decisions are cached (for tests and telemetry). */
  get cachedDecisions(): number {
    return this.#cache.size;
  }

  #evaluate(action: string, raw: ResourceRef | undefined): Decision {
    let resource: ResourceRef | undefined;
    if (raw !== undefined) {
      const value = normalizeResourceValue(raw.kind, raw.value);
      if (value === undefined) {
        return {
          kind: 'deny',
          reason: `${this.#who} may not use ${action} on ${raw.kind} ${JSON.stringify(raw.value)}: it is empty or climbs out of every scope ("..")`,
        };
      }
      resource = { kind: raw.kind, value };
    }
    if (permits(this.#grants, action, resource)) return ALLOW;
    const lacking = this.#lacking(action, resource);
    if (permits(this.#ceiling, action, resource)) {
      return {
        kind: 'ask',
        reason: `${lacking}; it is within the agent's ceiling, so a human may approve an escalation request`,
      };
    }
    return {
      kind: 'deny',
      reason: `${lacking}; beyond its ceiling, only a human admin may grant it`,
    };
  }

  #lacking(action: string, resource: ResourceRef | undefined): string {
    const rule = this.#grants.rules.get(action);
    const target =
      resource === undefined ? '' : ` on ${resource.kind} ${JSON.stringify(resource.value)}`;
    if (rule === undefined) return `${this.#who} lacks capability "${action}"${target}`;
    const held = RESOURCE_KINDS.filter((k) => rule.shown[k] !== undefined)
      .map((k) => `${SCOPE_KEY[k]} ${(rule.shown[k] ?? []).join(', ')}`)
      .join('; ');
    if (resource === undefined) {
      return `${this.#who} holds "${action}" only with a scope (${held}) and the request names no resource`;
    }
    return `${this.#who} holds "${action}" only for ${held}, not ${resource.kind} ${JSON.stringify(resource.value)}`;
  }
}

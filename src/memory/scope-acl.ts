/**
 * @module Who may read and who may write each team-memory scope (`memory.acl`). An agent always
 * reads and writes its own private scope; anything else needs a rule naming the agent, one of
 * its roles, or `*`. Rules only grant, so their order does not matter. A refusal is a
 * `POLICY_DENIED` naming the scope and who may, so the fix is obvious from the message.
 */
import { AgentvisorError } from '../core/index.js';
import type { ScopeAclRule } from './memory-config.js';
import { type MemoryScope, privateScope } from './memory-scope.js';

/** Who is reading or writing: an agent by name, with its roles. */
export interface MemoryActor {
  readonly agent: string;
  readonly roles?: readonly string[];
}

/** The two kinds of access a rule grants. */
export type ScopeAccess = 'read' | 'write';

/** Every scope an actor may read, in a form a SQL filter can use. */
export interface ReadableScopes {
  /** A rule on `*` lets the actor read every scope. */
  readonly all: boolean;
  /** Concrete scopes. */
  readonly exact: readonly MemoryScope[];
  /** Whole kinds, from rules on `agent:*` or `team:*`. */
  readonly kinds: ReadonlyArray<'agent' | 'team'>;
}

function ruleCovers(ruleScope: string, scope: string): boolean {
  if (ruleScope === '*' || ruleScope === scope) return true;
  return ruleScope.endsWith(':*') && scope.startsWith(ruleScope.slice(0, -1));
}

function principalMatches(entry: string, actor: MemoryActor): boolean {
  if (entry === '*') return true;
  if (entry.startsWith('role:')) return actor.roles?.includes(entry.slice(5)) ?? false;
  return (entry.startsWith('agent:') ? entry.slice(6) : entry) === actor.agent;
}

/** True when `scope` is in `readable`. */
export function scopeIsReadable(readable: ReadableScopes, scope: string): boolean {
  return (
    readable.all ||
    readable.exact.includes(scope as MemoryScope) ||
    readable.kinds.some((kind) => scope.startsWith(`${kind}:`))
  );
}

/**
 * The access rules of team memory.
 *
 * @example
 * const acl = new ScopeAcl([{ scope: 'team:core', read: ['*'], write: ['alice', 'role:lead'] }]);
 * acl.allows({ agent: 'bob', roles: ['lead'] }, 'write', 'team:core'); // true
 * acl.check({ agent: 'carol' }, 'write', 'team:core'); // throws POLICY_DENIED
 */
export class ScopeAcl {
  readonly #rules: readonly ScopeAclRule[];

  constructor(rules: readonly ScopeAclRule[]) {
    this.#rules = rules.map((r) => ({ ...r, read: [...r.read], write: [...r.write] }));
  }

  /** True when `actor` may `access` `scope`. */
  allows(actor: MemoryActor, access: ScopeAccess, scope: MemoryScope): boolean {
    if (scope === privateScope(actor.agent)) return true;
    return this.#rules.some(
      (rule) =>
        ruleCovers(rule.scope, scope) && rule[access].some((e) => principalMatches(e, actor)),
    );
  }

  /** Throws `POLICY_DENIED` naming the scope and who may, unless `actor` may `access` `scope`. */
  check(actor: MemoryActor, access: ScopeAccess, scope: MemoryScope): void {
    if (this.allows(actor, access, scope)) return;
    const owner = scope.startsWith('agent:') ? scope.slice(6) : undefined;
    const granted = [
      ...new Set(this.#rules.filter((r) => ruleCovers(r.scope, scope)).flatMap((r) => r[access])),
    ];
    const who = [...(owner === undefined ? [] : [`${owner} (owner)`]), ...granted];
    const role = access === 'read' ? 'readers' : 'writers';
    const reason =
      who.length === 0
        ? `no memory.acl rule lets anyone ${access} it; add { scope: "${scope}", ${access}: [...] } to memory.acl`
        : `${role}: ${who.join(', ')} (memory.acl)`;
    throw new AgentvisorError(
      'POLICY_DENIED',
      `agent "${actor.agent}" may not ${access} memory scope "${scope}"; ${reason}`,
      { details: { scope, access, agent: actor.agent, allowed: who } },
    );
  }

  /** Every scope `actor` may read. */
  readable(actor: MemoryActor): ReadableScopes {
    const exact = new Set<MemoryScope>([privateScope(actor.agent)]);
    const kinds = new Set<'agent' | 'team'>();
    let all = false;
    for (const rule of this.#rules) {
      if (!rule.read.some((e) => principalMatches(e, actor))) continue;
      if (rule.scope === '*') all = true;
      else if (rule.scope === 'agent:*') kinds.add('agent');
      else if (rule.scope === 'team:*') kinds.add('team');
      else exact.add(rule.scope as MemoryScope);
    }
    return { all, exact: [...exact], kinds: [...kinds] };
  }
}

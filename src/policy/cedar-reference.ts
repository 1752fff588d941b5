/**
 * @module The same policies in Cedar (`@cedar-policy/cedar-wasm`), the reference the fast path is
 * checked against. Each grant becomes a `permit` for principal `Agent::"<id>"` (the ceiling's for
 * `Ceiling::"<id>"`); a scope becomes a `when` over `context.kind` and `context.value` with
 * `like`, which is exactly the matcher's `*` semantics. Resource values are normalised before
 * either engine sees them, so both decide on the same string.
 */
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { AgentvisorError } from '../core/index.js';
import { ceilingGrants } from './ceiling.js';
import type { AgentPolicy, CapabilityGrant, Decision, PolicyRequest } from './policy-types.js';
import { ADMIN_CAPABILITY, RESOURCE_KINDS, SCOPE_KEY } from './policy-types.js';
import { likePatterns, normalizePattern, normalizeResourceValue } from './scope-pattern.js';

type CedarExpr = cedar.Expr;

const contextAttr = (attr: string): CedarExpr => ({
  '.': { left: { Var: 'context' }, attr },
});

function likeExpr(pattern: string): CedarExpr {
  const elements: cedar.PatternElem[] = [];
  pattern.split('*').forEach((piece, i) => {
    if (i > 0) elements.push('Wildcard');
    if (piece !== '') elements.push({ Literal: piece });
  });
  return { like: { left: contextAttr('value'), pattern: elements } };
}

function anyOf(exprs: CedarExpr[]): CedarExpr {
  if (exprs.length === 0) return { Value: false };
  return exprs.reduce((left, right) => ({ '||': { left, right } }));
}

function grantPolicy(
  principalType: string,
  agentId: string,
  grant: CapabilityGrant,
): cedar.PolicyJson {
  const principal: cedar.PrincipalConstraint = {
    op: '==',
    entity: { type: principalType, id: agentId },
  };
  if (grant.capability === ADMIN_CAPABILITY) {
    return {
      effect: 'permit',
      principal,
      action: { op: 'All' },
      resource: { op: 'All' },
      conditions: [],
    };
  }
  const action: cedar.ActionConstraint = {
    op: '==',
    entity: { type: 'Action', id: grant.capability },
  };
  const conditions: cedar.Clause[] = [];
  if (grant.scope !== undefined) {
    const scope = grant.scope;
    const perKind = RESOURCE_KINDS.flatMap((kind) => {
      const patterns = scope[SCOPE_KEY[kind]];
      if (patterns === undefined) return [];
      const likes = patterns.flatMap((p) => likePatterns(kind, normalizePattern(kind, p)));
      return [
        {
          '&&': {
            left: { '==': { left: contextAttr('kind'), right: { Value: kind } } },
            right: anyOf(likes.map(likeExpr)),
          },
        } satisfies CedarExpr,
      ];
    });
    conditions.push({ kind: 'when', body: anyOf(perKind) });
  }
  return { effect: 'permit', principal, action, resource: { op: 'All' }, conditions };
}

/**
 * The Cedar policy set for some agents at a moment (`now` drops lapsed temporary grants), as
 * Cedar JSON policies keyed by id.
 */
export function toCedarPolicies(
  policies: readonly AgentPolicy[],
  now: number,
): Record<string, cedar.PolicyJson> {
  const out: Record<string, cedar.PolicyJson> = {};
  let n = 0;
  for (const policy of policies) {
    for (const grant of policy.grants) {
      if (grant.expiresAt !== undefined && grant.expiresAt <= now) continue;
      out[`g${n++}`] = grantPolicy('Agent', policy.agentId, grant);
    }
    for (const grant of ceilingGrants(policy.ceiling)) {
      out[`c${n++}`] = grantPolicy('Ceiling', policy.agentId, grant);
    }
  }
  return out;
}

let nextSetId = 0;

/**
 * Decides requests with Cedar over a preparsed policy set (`statefulIsAuthorized`): allow when an
 * `Agent` permit applies, ask when only a `Ceiling` permit does, deny otherwise.
 *
 * @example
 * const reference = new CedarPolicyReference();
 * reference.load([policy], Date.now());
 * reference.decide({ principal: { kind: 'agent', id }, action: 'fs.read' });
 */
export class CedarPolicyReference {
  readonly #setId = `agentvisor-policy-${process.pid}-${nextSetId++}`;
  #loaded = false;

  /** Translates and preparses the policies; replaces what was loaded before. */
  load(policies: readonly AgentPolicy[], now: number): void {
    const answer = cedar.preparsePolicySet(this.#setId, {
      staticPolicies: toCedarPolicies(policies, now),
    });
    if (answer.type !== 'success') {
      throw new AgentvisorError(
        'INTERNAL',
        `cedar refused the translated policy set: ${answer.errors.map((e) => e.message).join('; ')}`,
      );
    }
    this.#loaded = true;
  }

  /** The decision for a request, by Cedar. */
  decide(request: PolicyRequest): Decision {
    if (!this.#loaded)
      throw new AgentvisorError('INTERNAL', 'CedarPolicyReference.decide called before load');
    let context: cedar.Context = { kind: '', value: '' };
    if (request.resource !== undefined) {
      const value = normalizeResourceValue(request.resource.kind, request.resource.value);
      if (value === undefined)
        return { kind: 'deny', reason: 'cedar: resource outside every scope' };
      context = { kind: request.resource.kind, value };
    }
    const id = request.principal.id;
    if (request.principal.kind === 'agent' && this.#permits('Agent', id, request.action, context)) {
      return { kind: 'allow' };
    }
    if (
      request.principal.kind === 'agent' &&
      this.#permits('Ceiling', id, request.action, context)
    ) {
      return {
        kind: 'ask',
        reason: `cedar: only the ceiling of agent:${id} permits ${request.action}`,
      };
    }
    return {
      kind: 'deny',
      reason: `cedar: no permit for ${request.principal.kind}:${id} ${request.action}`,
    };
  }

  #permits(type: string, id: string, action: string, context: cedar.Context): boolean {
    const answer = cedar.statefulIsAuthorized({
      principal: { type, id },
      action: { type: 'Action', id: action },
      resource: { type: 'Resource', id: 'request' },
      context,
      preparsedPolicySetId: this.#setId,
      entities: [],
    });
    if (answer.type !== 'success') {
      throw new AgentvisorError(
        'INTERNAL',
        `cedar failed: ${answer.errors.map((e) => e.message).join('; ')}`,
      );
    }
    return answer.response.decision === 'allow';
  }
}

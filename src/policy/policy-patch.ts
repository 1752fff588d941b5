/**
 * @module Applying a hot patch to a policy. Pure: it computes the next policy and which of its
 * grants widen the agent beyond its ceiling, and refuses what makes no sense (removing what is
 * not held, removing what the agent needs to run). Whether a widening is allowed depends on who
 * asks, which the {@link PolicyStore} decides.
 */
import { AgentvisorError } from '../core/index.js';
import { ceilingGrants, withinCeiling } from './ceiling.js';
import type { AgentPolicy, CapabilityGrant, CapabilityScope } from './policy-types.js';

/** One change of a patch, as validated by `policyChangeSchema`. */
export type PolicyChange =
  | {
      readonly op: 'add';
      readonly capability: string;
      readonly scope?: CapabilityScope;
      /** A temporary grant (an approved escalation with a duration); not settable from outside. */
      readonly expiresAt?: number;
    }
  | { readonly op: 'remove'; readonly capability: string }
  | { readonly op: 'scope'; readonly capability: string; readonly scope: CapabilityScope | null }
  | { readonly op: 'auto_restart'; readonly value: number };

/**
 * The capability an agent's own beat needs (its goals, thoughts, memory, inbox). Removing it
 * would leave a running agent unable to do anything but fail; stopping the agent says that
 * honestly.
 */
export const SELF_CAPABILITY = 'agent.self';

/** What a patch would do. */
export interface PatchResult {
  /** The next policy, `version` one higher; equal grants when nothing changed. */
  readonly policy: AgentPolicy;
  /** Grants of the next policy that are beyond the ceiling (or `admin`) and were not held before. */
  readonly escalations: readonly CapabilityGrant[];
  /** False when every change was already in force (the patch is still recorded). */
  readonly changed: boolean;
}

/**
 * Applies `changes` in order to `policy`. Lapsed temporary grants are dropped on the way.
 * Throws INPUT_INVALID when a change removes or rescopes a capability the agent does not hold,
 * or removes {@link SELF_CAPABILITY}.
 *
 * @example
 * const { policy: next, escalations } = applyPolicyChanges(policy, [
 *   { op: 'add', capability: 'net.http', scope: { hosts: ['api.github.com'] } },
 * ], Date.now());
 */
export function applyPolicyChanges(
  policy: AgentPolicy,
  changes: readonly PolicyChange[],
  now: number,
): PatchResult {
  let grants: CapabilityGrant[] = policy.grants.filter(
    (g) => g.expiresAt === undefined || g.expiresAt > now,
  );
  let autoRestart = policy.autoRestart;
  const held = (capability: string) => grants.some((g) => g.capability === capability);
  const notHeld = (capability: string) =>
    new AgentvisorError(
      'INPUT_INVALID',
      `agent ${policy.agent} holds no grant of "${capability}"; it holds: ${
        [...new Set(grants.map((g) => g.capability))].sort().join(', ') || 'nothing'
      }`,
      { details: { agent: policy.agent, capability } },
    );
  for (const change of changes) {
    switch (change.op) {
      case 'add': {
        const grant: CapabilityGrant = {
          capability: change.capability,
          ...(change.scope === undefined ? {} : { scope: change.scope }),
          ...(change.expiresAt === undefined ? {} : { expiresAt: change.expiresAt }),
        };
        if (!grants.some((g) => sameGrant(g, grant))) grants.push(grant);
        break;
      }
      case 'remove': {
        if (change.capability === SELF_CAPABILITY) {
          throw new AgentvisorError(
            'INPUT_INVALID',
            `"${SELF_CAPABILITY}" is what lets agent ${policy.agent} run its own beat; stop the agent instead of removing it`,
            { details: { agent: policy.agent, capability: change.capability } },
          );
        }
        if (!held(change.capability)) throw notHeld(change.capability);
        grants = grants.filter((g) => g.capability !== change.capability);
        break;
      }
      case 'scope': {
        if (!held(change.capability)) throw notHeld(change.capability);
        grants = grants.filter((g) => g.capability !== change.capability);
        grants.push(
          change.scope === null
            ? { capability: change.capability }
            : { capability: change.capability, scope: change.scope },
        );
        break;
      }
      case 'auto_restart':
        autoRestart = change.value;
        break;
    }
  }
  const ceiling = ceilingGrants(policy.ceiling);
  const escalations = grants.filter(
    (g) => !withinCeiling(g, ceiling) && !policy.grants.some((old) => sameGrant(old, g)),
  );
  const changed =
    autoRestart !== policy.autoRestart ||
    grants.length !== policy.grants.length ||
    grants.some((g) => !policy.grants.some((old) => sameGrant(old, g)));
  return {
    policy: { ...policy, grants, autoRestart, version: policy.version + 1 },
    escalations,
    changed,
  };
}

/** Grants are the same when capability, scope and expiry are equal (scope lists as sets). */
export function sameGrant(a: CapabilityGrant, b: CapabilityGrant): boolean {
  return (
    a.capability === b.capability && a.expiresAt === b.expiresAt && sameScope(a.scope, b.scope)
  );
}

function sameScope(a: CapabilityScope | undefined, b: CapabilityScope | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    sameList(a.paths, b.paths) &&
    sameList(a.hosts, b.hosts) &&
    sameList(a.commands, b.commands) &&
    sameList(a.models, b.models)
  );
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((x) => set.has(x));
}

/** A grant as a person reads it: `fs.write on paths /workspace, /tmp`. */
export function describeGrant(grant: CapabilityGrant): string {
  const parts: string[] = [];
  for (const [key, list] of Object.entries(grant.scope ?? {})) {
    if (Array.isArray(list) && list.length > 0) parts.push(`${key} ${list.join(', ')}`);
  }
  const expiry =
    grant.expiresAt === undefined ? '' : ` until ${new Date(grant.expiresAt).toISOString()}`;
  return `${grant.capability}${parts.length === 0 ? '' : ` on ${parts.join('; ')}`}${expiry}`;
}

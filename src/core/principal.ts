/**
 * @module Principals: who is calling the kernel. An agent, a human (through the CLI or API),
 * an API key, or the system itself. The identity stage turns a caller's claim into one of these.
 */

/** The kinds of caller the kernel knows. */
export type PrincipalKind = 'agent' | 'human' | 'apikey' | 'system';

/** A resolved caller. Immutable: a policy patch produces a new principal, never edits one. */
export interface Principal {
  readonly kind: PrincipalKind;
  readonly id: string;
  /** Display name, for people reading the ledger. */
  readonly name?: string;
  /** Granted capabilities, e.g. `ledger.write`; `*` grants all (the system principal). */
  readonly capabilities: ReadonlySet<string>;
}

/** What a caller claims to be before the identity stage has checked it. */
export interface CallerRef {
  readonly kind: PrincipalKind;
  readonly id: string;
}

/** The kernel itself: scheduled checkpoints, shutdown, migrations. */
export const SYSTEM_PRINCIPAL: Principal = Object.freeze({
  kind: 'system',
  id: 'system',
  name: 'agentvisor',
  capabilities: new Set(['*']),
});

/** The ledger `actor` string for a principal: `kind:id`. */
export function actorOf(principal: Pick<Principal, 'kind' | 'id'>): string {
  return `${principal.kind}:${principal.id}`;
}

/** True when the principal holds `capability` (directly or through `*`). */
export function hasCapability(principal: Principal, capability: string): boolean {
  return principal.capabilities.has('*') || principal.capabilities.has(capability);
}

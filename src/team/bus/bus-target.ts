/**
 * @module Target addresses: `agent:NAME`, `role:NAME` and `*` (broadcast), built and taken
 * apart in one place so no other file slices strings.
 */
import { AgentvisorError } from '../../core/index.js';
import { type BusTarget, NAME_PATTERN } from './bus-message.js';

/** The broadcast target: every subscribed agent except the sender. */
export const BROADCAST: BusTarget = '*';

/** A parsed {@link BusTarget}. */
export type TargetRef =
  | { readonly kind: 'agent'; readonly name: string }
  | { readonly kind: 'role'; readonly name: string }
  | { readonly kind: 'broadcast' };

function checkedName(name: string, what: string): string {
  if (!NAME_PATTERN.test(name)) {
    throw new AgentvisorError(
      'INPUT_INVALID',
      `${what} name ${JSON.stringify(name)}: expected a-z first, then a-z, 0-9 or -, at most 63`,
      { details: { field: what, value: name } },
    );
  }
  return name;
}

/**
 * The target for one agent.
 *
 * @example
 * agentTarget('code'); // 'agent:code'
 */
export function agentTarget(name: string): BusTarget {
  return `agent:${checkedName(name, 'agent')}`;
}

/**
 * The target for whichever member of a role.
 *
 * @example
 * roleTarget('qa'); // 'role:qa'
 */
export function roleTarget(name: string): BusTarget {
  return `role:${checkedName(name, 'role')}`;
}

/**
 * Splits a well-formed target (one that passed the message check).
 *
 * @example
 * parseTarget('role:qa'); // { kind: 'role', name: 'qa' }
 */
export function parseTarget(target: BusTarget): TargetRef {
  if (target === '*') return { kind: 'broadcast' };
  if (target.startsWith('agent:')) return { kind: 'agent', name: target.slice(6) };
  return { kind: 'role', name: target.slice(5) };
}

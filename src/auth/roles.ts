/**
 * @module The three human roles and what each may do. A role is a rank (viewer < operator <
 * admin) for route checks and a capability set for the kernel: the route refuses early with a
 * clear 403, and the kernel's own capability check stays the last word.
 */
import { AgentvisorError } from '../core/index.js';

/** The roles a user or an API key can hold, weakest first. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;

/** A human role. */
export type Role = (typeof ROLES)[number];

const VIEWER = ['agent.info', 'telemetry.read', 'ledger.read', 'task.read', 'memory.read'] as const;

// Operators run the team: submit work, answer approvals, patch policies within ceilings.
const OPERATOR = [
  ...VIEWER,
  'task.submit',
  'message.send',
  'agent.govern',
  'memory.write',
  'bus.send',
  'ledger.annotate',
] as const;

// Admins also manage people, keys and signing keys, and may widen a policy past its ceiling.
const ADMIN = [...OPERATOR, 'admin', 'keys.rotate'] as const;

const CAPABILITIES: Record<Role, ReadonlySet<string>> = {
  viewer: new Set(VIEWER),
  operator: new Set(OPERATOR),
  admin: new Set(ADMIN),
};

/** The kernel capabilities a role grants. */
export function roleCapabilities(role: Role): ReadonlySet<string> {
  return CAPABILITIES[role];
}

/** True when `held` is at least `needed`. */
export function roleAtLeast(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

/** Parses a role name, or INPUT_INVALID naming the allowed ones. */
export function parseRole(value: unknown, where = 'role'): Role {
  if (typeof value === 'string' && (ROLES as readonly string[]).includes(value)) {
    return value as Role;
  }
  throw new AgentvisorError(
    'INPUT_INVALID',
    `${where}: expected one of ${ROLES.join(', ')}, got ${JSON.stringify(value)}`,
  );
}

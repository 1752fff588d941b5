/**
 * @module Who a team-memory item belongs to: its scope. An item is private to one agent
 * (`agent:<name>`), shared with a team (`team:<name>`) or visible to everyone (`global`).
 * This file holds the grammar only (plain regular expressions, no imports) so the config
 * schema and the access checks agree on it.
 */

/** A scope name: lower-case letters and digits first, then also `.`, `_`, `@` or `-`. */
export const SCOPE_NAME_SOURCE = '[a-z0-9][a-z0-9._@-]{0,127}';

/** A concrete scope an item can live in. */
export type MemoryScope = 'global' | `agent:${string}` | `team:${string}`;

/** `global`, `agent:<name>` or `team:<name>`. */
export const SCOPE_PATTERN = new RegExp(`^(?:global|(?:agent|team):${SCOPE_NAME_SOURCE})$`);

/**
 * What an ACL rule's `scope` may name: a concrete scope, every scope of a kind (`agent:*`,
 * `team:*`) or every scope (`*`).
 */
export const SCOPE_RULE_PATTERN = new RegExp(
  `^(?:\\*|global|(?:agent|team):(?:\\*|${SCOPE_NAME_SOURCE}))$`,
);

/** An ACL principal: `*` (anyone), `role:<role>`, or an agent name (optionally `agent:<name>`). */
export const ACL_PRINCIPAL_PATTERN = new RegExp(
  `^(?:\\*|role:${SCOPE_NAME_SOURCE}|(?:agent:)?${SCOPE_NAME_SOURCE})$`,
);

/** An agent or role name as an actor carries it. */
export const ACTOR_NAME_PATTERN = new RegExp(`^${SCOPE_NAME_SOURCE}$`);

/** True when `value` is a concrete {@link MemoryScope}. */
export function isMemoryScope(value: unknown): value is MemoryScope {
  return typeof value === 'string' && SCOPE_PATTERN.test(value);
}

/**
 * The private scope of agent `name`.
 *
 * @example
 * privateScope('alice'); // 'agent:alice'
 */
export function privateScope(name: string): MemoryScope {
  return `agent:${name}`;
}

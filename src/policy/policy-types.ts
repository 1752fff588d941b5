/**
 * @module The policy vocabulary: capabilities, their scopes, grants, per-agent policies and the
 * decision. Plain readonly data, so a policy can be stored, hashed, diffed and sent to an
 * isolate as it is.
 */

/** The capabilities the supervision contract names; operation capabilities are allowed too. */
export const KNOWN_CAPABILITIES = [
  'fs.read',
  'fs.write',
  'net.http',
  'shell.exec',
  'llm.use',
  'bus.send',
  'memory.read',
  'memory.write',
  'tool.call',
  'message.send',
  'task.submit',
  'admin',
] as const;

/** The capability that allows everything; only a human admin may grant it. */
export const ADMIN_CAPABILITY = 'admin';

/** What a scope can restrict: a file path, a network host, a program, a model. */
export type ResourceKind = 'path' | 'host' | 'command' | 'model';

/** The resource kinds in a fixed order (for messages and generators). */
export const RESOURCE_KINDS: readonly ResourceKind[] = ['path', 'host', 'command', 'model'];

/** The scope key that restricts each resource kind. */
export const SCOPE_KEY = {
  path: 'paths',
  host: 'hosts',
  command: 'commands',
  model: 'models',
} as const satisfies Record<ResourceKind, string>;

/**
 * Where a grant applies. Each list holds patterns in which `*` stands for any run of characters
 * (Cedar's `like`); a path pattern also covers everything below it. A grant with a scope allows
 * only requests whose resource is of a listed kind and matches one of its patterns.
 */
export interface CapabilityScope {
  readonly paths?: readonly string[];
  readonly hosts?: readonly string[];
  readonly commands?: readonly string[];
  readonly models?: readonly string[];
}

/** One capability granted to an agent, optionally scoped and optionally temporary. */
export interface CapabilityGrant {
  readonly capability: string;
  readonly scope?: CapabilityScope;
  /** Epoch milliseconds after which the grant no longer counts (an approved escalation). */
  readonly expiresAt?: number;
}

/** The permission levels of seed 002: 0 restricted, 1 standard, 2 elevated, 3 privileged. */
export type PermissionLevel = 0 | 1 | 2 | 3;

/** The most an agent may hold without a human admin: a level's preset, or an explicit list. */
export type PolicyCeiling =
  | { readonly kind: 'level'; readonly level: PermissionLevel }
  | { readonly kind: 'grants'; readonly grants: readonly CapabilityGrant[] };

/** One agent's policy, as stored and as enforced. `version` grows by one on every change. */
export interface AgentPolicy {
  readonly agentId: string;
  /** The agent's name, for messages and the ledger `subject`. */
  readonly agent: string;
  /** The preset the policy started from; `grants` is what is enforced. */
  readonly level: PermissionLevel;
  readonly grants: readonly CapabilityGrant[];
  readonly ceiling: PolicyCeiling;
  /** Restarts allowed before the agent ends `failed` (seed 001). */
  readonly autoRestart: number;
  readonly version: number;
}

/** The thing a request touches, when its capability is scoped. */
export interface ResourceRef {
  readonly kind: ResourceKind;
  readonly value: string;
}

/** Who asks: a principal's kind and id. */
export interface PrincipalRef {
  readonly kind: 'agent' | 'human' | 'apikey' | 'system';
  readonly id: string;
}

/** A question for the policy engine: may `principal` use `action` on `resource`? */
export interface PolicyRequest {
  readonly principal: PrincipalRef;
  readonly action: string;
  readonly resource?: ResourceRef;
}

/**
 * The engine's answer. `ask` means the agent lacks the capability but its ceiling would allow
 * it, so a human may approve an escalation; the kernel refuses it like a deny.
 */
export type Decision =
  | { readonly kind: 'allow' }
  | { readonly kind: 'deny'; readonly reason: string }
  | { readonly kind: 'ask'; readonly reason: string };

/**
 * @module The kernel's policy stage backed by agent policies. For an agent with a stored policy
 * it asks the {@link PolicyEngine} about the operation's capability and, through a registry of
 * per-operation resource extractors, about the resource the call touches (the path of an
 * `fs.write` tool call, the host of an `http.fetch`). Everyone else (humans, API keys, the
 * system, agents without a policy) keeps the principal-capability rule of the core.
 */
import {
  capabilityPolicy,
  type OperationDefinition,
  type PolicyDecision,
  type PolicyStage,
  type Principal,
} from '../core/index.js';
import type { PolicyEngine } from './policy-engine.js';
import type { ResourceRef } from './policy-types.js';

/**
 * What a call touches. `capability`, when set, is a second capability the call needs on this
 * resource besides the operation's own (a `tool.call` running `fs.write` needs `fs.write` too).
 */
export interface ExtractedResource extends ResourceRef {
  readonly capability?: string;
}

/**
 * Reads the resource out of an operation's validated arguments (the calling agent given for
 * resolving relative paths); undefined when the call has none.
 */
export type ResourceExtractor = (
  args: unknown,
  principal: Principal,
) => ExtractedResource | undefined;

/**
 * The gate's policy for agent policies.
 *
 * @example
 * const stage = new AgentPolicyStage(engine);
 * stage.registerResource('tool.call', toolCallResource());
 * kernel.setPolicy(stage);
 */
export class AgentPolicyStage implements PolicyStage {
  readonly #engine: PolicyEngine;
  readonly #extractors = new Map<string, ResourceExtractor>();
  readonly #fallback: PolicyStage;

  constructor(engine: PolicyEngine, options: { fallback?: PolicyStage } = {}) {
    this.#engine = engine;
    this.#fallback = options.fallback ?? capabilityPolicy;
  }

  /** Tells the stage how to find the resource of an operation's calls; replaces any earlier one. */
  registerResource(opName: string, extractor: ResourceExtractor): void {
    this.#extractors.set(opName, extractor);
  }

  decide(principal: Principal, op: OperationDefinition, args: unknown): PolicyDecision {
    if (principal.kind !== 'agent' || !this.#engine.has(principal.id)) {
      return this.#fallback.decide(principal, op, args);
    }
    const extractor = this.#extractors.get(op.name);
    const resource = extractor?.(args, principal);
    if (op.capability !== undefined) {
      // The resource is checked against the op's capability only when that capability's grant
      // is scoped; an unscoped grant (e.g. `tool.call`) allows it whatever the resource.
      const own = this.#engine.decideFor(
        principal.id,
        op.capability,
        resource === undefined || resource.capability !== undefined ? undefined : toRef(resource),
      );
      if (own.kind !== 'allow') return withOperation(own, op.name);
    }
    if (resource?.capability !== undefined) {
      const inner = this.#engine.decideFor(principal.id, resource.capability, toRef(resource));
      if (inner.kind !== 'allow') return withOperation(inner, op.name);
    }
    return { kind: 'allow' };
  }
}

function toRef(resource: ExtractedResource): ResourceRef {
  return { kind: resource.kind, value: resource.value };
}

function withOperation(decision: PolicyDecision, opName: string): PolicyDecision {
  if (decision.kind === 'allow') return decision;
  return { kind: decision.kind, reason: `${opName}: ${decision.reason}` };
}

/** Tool names whose argument is a path, a URL or a command, and the capability each needs. */
const TOOL_RESOURCES: Record<string, { capability: string; kind: ResourceRef['kind'] }> = {
  'fs.read': { capability: 'fs.read', kind: 'path' },
  'fs.list': { capability: 'fs.read', kind: 'path' },
  'fs.write': { capability: 'fs.write', kind: 'path' },
  'http.fetch': { capability: 'net.http', kind: 'host' },
  'shell.exec': { capability: 'shell.exec', kind: 'command' },
};

/** Options for {@link toolCallResource}. */
export interface ToolCallResourceOptions {
  /**
   * Turns a tool's path (relative to the agent's root, as the fs tools take it) into the path
   * the policy's scopes are written in; the default keeps it as given.
   */
  resolvePath?: (principal: Principal, path: string) => string;
}

/**
 * An extractor for `tool.call` to the built-in fs, http and shell tools: `{tool, args: {path}}`
 * needs fs.read (fs.read, fs.list) or fs.write on the path, `{args: {url}}` net.http on its
 * host, `{args: {command}}` shell.exec on the program. Other tools have no resource here.
 *
 * @example
 * stage.registerResource('tool.call', toolCallResource({
 *   resolvePath: (agent, p) => path.resolve(rootOf(agent.id), p),
 * }));
 */
export function toolCallResource(options: ToolCallResourceOptions = {}): ResourceExtractor {
  const resolvePath = options.resolvePath ?? ((_principal: Principal, p: string) => p);
  return (args, principal) => {
    if (typeof args !== 'object' || args === null) return undefined;
    const { tool, args: toolArgs } = args as { tool?: unknown; args?: unknown };
    if (typeof tool !== 'string' || typeof toolArgs !== 'object' || toolArgs === null) {
      return undefined;
    }
    const spec = TOOL_RESOURCES[tool];
    if (spec === undefined) return undefined;
    const fields = toolArgs as Record<string, unknown>;
    if (spec.kind === 'path') {
      const raw = typeof fields['path'] === 'string' ? fields['path'] : '.';
      return { capability: spec.capability, kind: 'path', value: resolvePath(principal, raw) };
    }
    if (spec.kind === 'host') {
      // An unparsable URL gets an empty host, which no scope holds; the tool would refuse it too.
      return { capability: spec.capability, kind: 'host', value: hostOf(fields['url']) ?? '' };
    }
    const command = typeof fields['command'] === 'string' ? fields['command'] : '';
    return { capability: spec.capability, kind: 'command', value: command };
  };
}

function hostOf(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

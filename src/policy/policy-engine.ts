/**
 * @module The policy engine: per-agent compiled policies and the decision the gate asks for.
 * It holds no storage of its own; the {@link PolicyStore} (or a test) puts policies in with
 * {@link PolicyEngine.set}, and every `set` replaces the compiled form and so its cache, which is
 * how a hot patch takes effect on the agent's next operation.
 */
import { type Clock, systemClock } from '../core/index.js';
import { CompiledPolicy } from './compiled-policy.js';
import type { AgentPolicy, Decision, PolicyRequest, ResourceRef } from './policy-types.js';

/** Options for {@link PolicyEngine}. */
export interface PolicyEngineOptions {
  /** Decides when temporary grants lapse. */
  clock?: Clock;
}

/**
 * Decides requests against agents' policies in microseconds (compiled matchers and a decision
 * cache; {@link CedarPolicyReference} gives the same answers, slower, and a property test holds
 * the two together).
 *
 * @example
 * const engine = new PolicyEngine();
 * engine.set(policy);
 * engine.decide({ principal: { kind: 'agent', id: policy.agentId }, action: 'fs.read',
 *   resource: { kind: 'path', value: '/workspace/notes.md' } });
 */
export class PolicyEngine {
  readonly #clock: Clock;
  readonly #compiled = new Map<string, CompiledPolicy>();

  constructor(options: PolicyEngineOptions = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  /** Installs or replaces an agent's policy; its decision cache starts empty. */
  set(policy: AgentPolicy): void {
    this.#compiled.set(policy.agentId, new CompiledPolicy(policy, this.#clock.now()));
  }

  /** Forgets an agent's policy (its principal capabilities apply again at the gate). */
  delete(agentId: string): void {
    this.#compiled.delete(agentId);
  }

  /** The policy in force for an agent, if any. */
  get(agentId: string): AgentPolicy | undefined {
    return this.#compiled.get(agentId)?.policy;
  }

  /** True when the agent has a policy here. */
  has(agentId: string): boolean {
    return this.#compiled.has(agentId);
  }

  /** The decision for a request. Principals other than agents have no agent policy: deny. */
  decide(request: PolicyRequest): Decision {
    if (request.principal.kind !== 'agent') {
      return {
        kind: 'deny',
        reason: `${request.principal.kind}:${request.principal.id} is not an agent; agent policies do not cover it`,
      };
    }
    return this.decideFor(request.principal.id, request.action, request.resource);
  }

  /** {@link decide} for an agent id, without building a request object (the gate's path). */
  decideFor(agentId: string, action: string, resource?: ResourceRef): Decision {
    let compiled = this.#compiled.get(agentId);
    if (compiled === undefined) {
      return { kind: 'deny', reason: `agent:${agentId} has no policy; nothing is granted` };
    }
    // A temporary grant lapsed: compile again without it (this also drops the cache).
    if (compiled.validUntil !== Number.POSITIVE_INFINITY) {
      const now = this.#clock.now();
      if (now >= compiled.validUntil) {
        compiled = new CompiledPolicy(compiled.policy, now);
        this.#compiled.set(agentId, compiled);
      }
    }
    return compiled.decide(action, resource);
  }
}

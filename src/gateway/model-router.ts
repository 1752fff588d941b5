/**
 * @module Routing: which providers and models, in which order, answer a request for a model
 * name. A name is an alias from `gateway.models` (a chain with a fallback policy) or a direct
 * `provider/model`. Policies (seed 001): explicit order, cost-optimised (cheapest first),
 * reliability-optimised (best observed success rate first), local-only.
 */
import { AgentvisorError, type ModelAliasConfig } from '../core/index.js';
import type { Provider } from './provider.js';

/** One candidate: a provider and the model name to send it. */
export interface RouteStep {
  readonly provider: Provider;
  readonly model: string;
}

/** What the router needs to know to order candidates. */
export interface RoutingSignals {
  /** USD per (input + output) token, or undefined when unknown (sorted last). */
  unitCost(provider: Provider, model: string): number | undefined;
  /** Observed success rate in [0, 1]. */
  successRate(provider: Provider): number;
}

/**
 * Resolves model names to ordered candidate lists.
 *
 * @example
 * const router = new ModelRouter(providers, config.gateway.models);
 * const steps = router.route('fast', signals);
 */
export class ModelRouter {
  readonly #providers: ReadonlyMap<string, Provider>;
  readonly #aliases: Readonly<Record<string, ModelAliasConfig>>;

  constructor(providers: readonly Provider[], aliases: Readonly<Record<string, ModelAliasConfig>>) {
    this.#providers = new Map(providers.map((p) => [p.name, p]));
    this.#aliases = aliases;
  }

  /** The aliases and direct names callers can use, for `GET /v1/models`. */
  modelNames(): Array<{ id: string; embedding: boolean; providers: string[] }> {
    return Object.entries(this.#aliases).map(([id, a]) => ({
      id,
      embedding: a.embedding,
      providers: [...new Set(a.chain.map((s) => s.provider))],
    }));
  }

  /** True when `name` names an embedding alias. */
  isEmbedding(name: string): boolean {
    return this.#aliases[name]?.embedding === true;
  }

  /** Ordered candidates for `name`; `MODEL_UNKNOWN` when it names nothing configured. */
  route(name: string, signals: RoutingSignals): RouteStep[] {
    const alias = this.#aliases[name];
    if (alias === undefined) {
      const slash = name.indexOf('/');
      const provider = slash > 0 ? this.#providers.get(name.slice(0, slash)) : undefined;
      if (provider !== undefined && slash < name.length - 1)
        return [{ provider, model: name.slice(slash + 1) }];
      const known = Object.keys(this.#aliases);
      throw new AgentvisorError(
        'MODEL_UNKNOWN',
        `unknown model "${name}"; use a configured alias (${known.length > 0 ? known.join(', ') : 'none configured'}) or "provider/model" with a configured provider (${[...this.#providers.keys()].join(', ') || 'none'})`,
        { details: { model: name } },
      );
    }
    const steps: RouteStep[] = alias.chain.map((s) => ({
      provider: this.#providers.get(s.provider)!,
      model: s.model,
    }));
    switch (alias.policy) {
      case 'explicit':
        return steps;
      case 'local': {
        const local = steps.filter((s) => s.provider.local);
        if (local.length === 0) {
          throw new AgentvisorError(
            'MODEL_UNKNOWN',
            `model "${name}" is local-only but its chain names no local provider`,
          );
        }
        return local;
      }
      case 'cost':
        // Stable sort: equal or unknown costs keep their configured order.
        return [...steps].sort(
          (a, b) =>
            (signals.unitCost(a.provider, a.model) ?? Number.POSITIVE_INFINITY) -
            (signals.unitCost(b.provider, b.model) ?? Number.POSITIVE_INFINITY),
        );
      case 'reliability':
        return [...steps].sort(
          (a, b) => signals.successRate(b.provider) - signals.successRate(a.provider),
        );
    }
  }
}

/**
 * @module What a model call cost. Prices come from `@pydantic/genai-prices`, a maintained price
 * catalogue bundled with the package (the machine may be offline, so its remote auto-update is
 * never enabled), overridden by the gateway config's `prices` (seed 002 "Token Usage Tracking":
 * every call is metered in tokens and USD). Pricing never throws: an unknown model costs 0 and
 * says so with `known: false`, so a missing price cannot fail a call that already happened.
 */
import { calcPrice, findProvider } from '@pydantic/genai-prices';
import { type Clock, systemClock } from '../../core/index.js';
import type { Usage } from '../chat-types.js';
import type { ProviderKind } from '../provider.js';

/** A price override in USD per million tokens, as in the config's `gateway.prices`. */
export interface PriceOverride {
  readonly input_per_mtok: number;
  readonly output_per_mtok: number;
  /** Price of prompt-cache reads; without it cached tokens cost the input price. */
  readonly cached_input_per_mtok?: number;
}

/** One call to price. `provider` is the configured provider name, `providerKind` its protocol. */
export interface CostInput {
  readonly provider: string;
  readonly providerKind: ProviderKind;
  readonly model: string;
  readonly usage: Usage;
  /** The provider's base URL; helps recognise OpenAI-compatible hosts (Groq, Together...). */
  readonly baseUrl?: string;
}

/** A call's cost. `known: false` means no price was found and `usd` is 0. */
export interface Cost {
  readonly usd: number;
  readonly known: boolean;
}

/** Options for {@link PriceBook}. */
export interface PriceBookOptions {
  /** `gateway.prices`: keyed `provider/model` (wins) or `model`. */
  readonly overrides?: Readonly<Record<string, PriceOverride>>;
  /** Selects date-dependent prices in the catalogue; defaults to the system clock. */
  readonly clock?: Clock;
}

/** genai-prices' provider ids for the protocols whose vendor is unambiguous. */
const CATALOGUE_PROVIDER: Partial<Record<ProviderKind, string>> = {
  anthropic: 'anthropic',
  openai: 'openai',
  gemini: 'google',
};

const PER_MILLION = 1_000_000;

/**
 * Prices model calls.
 *
 * @example
 * const prices = new PriceBook({ overrides: config.gateway.prices });
 * const { usd, known } = prices.cost({
 *   provider: 'openai', providerKind: 'openai', model: 'gpt-4o',
 *   usage: { inputTokens: 1200, outputTokens: 300, cachedInputTokens: 0 },
 * });
 */
export class PriceBook {
  readonly #overrides: ReadonlyMap<string, PriceOverride>;
  readonly #clock: Clock;

  constructor(options: PriceBookOptions = {}) {
    this.#overrides = new Map(Object.entries(options.overrides ?? {}));
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * The cost of one call in USD. Overrides win over the catalogue (`provider/model` before
   * `model`); cached input tokens are charged at the cache-read rate when one is known.
   * Never throws; an unpriced model gives `{ usd: 0, known: false }`.
   */
  cost(input: CostInput): Cost {
    const usage = sanitise(input.usage);
    const override =
      this.#overrides.get(`${input.provider}/${input.model}`) ?? this.#overrides.get(input.model);
    if (override !== undefined) return { usd: priceWith(override, usage), known: true };

    const providerId = this.#catalogueProvider(input);
    if (providerId === undefined) return { usd: 0, known: false };
    try {
      // genai-prices' `input_tokens` is the whole prompt, cache reads included, exactly like
      // our Usage.inputTokens; `cache_read_tokens` is the part it prices at the cache rate.
      const result = calcPrice(
        {
          input_tokens: usage.inputTokens,
          cache_read_tokens: usage.cachedInputTokens,
          output_tokens: usage.outputTokens,
        },
        input.model,
        { providerId, timestamp: new Date(this.#clock.now()) },
      );
      if (result === null || !Number.isFinite(result.total_price)) {
        return { usd: 0, known: false };
      }
      return { usd: result.total_price, known: true };
    } catch {
      // The catalogue throws on incomplete price entries ("prices must cover their ancestors");
      // a bad catalogue row must not fail a call, so it counts as unpriced.
      return { usd: 0, known: false };
    }
  }

  /**
   * The catalogue provider for a call. Native protocols map to their vendor. An OpenAI-compatible
   * provider is looked up by its configured name, then by its base URL; a model name alone is not
   * enough, since a local server may well serve a model called "gpt-4o" for free.
   */
  #catalogueProvider(input: CostInput): string | undefined {
    const native = CATALOGUE_PROVIDER[input.providerKind];
    if (native !== undefined) return native;
    const byName = findProvider({ providerId: input.provider });
    if (byName !== undefined) return byName.id;
    if (input.baseUrl !== undefined) {
      return findProvider({ providerApiUrl: input.baseUrl })?.id;
    }
    return undefined;
  }
}

/** Usage with negative or non-finite counts clamped, and cached never above input. */
function sanitise(usage: Usage): Usage {
  const clean = (n: number) => (Number.isFinite(n) && n > 0 ? n : 0);
  const inputTokens = clean(usage.inputTokens);
  return {
    inputTokens,
    outputTokens: clean(usage.outputTokens),
    cachedInputTokens: Math.min(clean(usage.cachedInputTokens), inputTokens),
  };
}

function priceWith(p: PriceOverride, usage: Usage): number {
  const cachedRate = p.cached_input_per_mtok ?? p.input_per_mtok;
  const uncached = usage.inputTokens - usage.cachedInputTokens;
  return (
    (uncached * p.input_per_mtok +
      usage.cachedInputTokens * cachedRate +
      usage.outputTokens * p.output_per_mtok) /
    PER_MILLION
  );
}

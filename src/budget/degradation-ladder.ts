/**
 * @module The degradation ladder (seed 002, Budget Controls): before a budget's hard stop, give
 * things up in order — a cheaper model alias, a smaller context, the lowest-priority agents, and
 * finally new spending until a person overrides. {@link DegradationLadder} is the pure decision:
 * which step the pressure calls for, with hysteresis so a ladder does not flap at a threshold,
 * and how a model request looks at the current step. The system wires it to budgets, the
 * gateway, supervision and the approval queue.
 */
import type { ChatMessage, ChatRequest } from '../gateway/index.js';

/** The steps, in the order they are taken. */
export const DEGRADATION_STEPS = ['downgrade', 'shrink', 'pause', 'override'] as const;

/** One step of the ladder. */
export type DegradationStep = (typeof DEGRADATION_STEPS)[number];

/** The ladder's settings (the `gateway.degradation` config section). */
export interface DegradationSettings {
  readonly downgrade_at: number;
  readonly shrink_at: number;
  readonly pause_at: number;
  readonly override_at: number;
  readonly hysteresis: number;
  readonly cheaper_aliases: Readonly<Record<string, string>>;
  readonly context_factor: number;
}

/** A change of level. */
export interface LadderChange {
  readonly from: number;
  readonly to: number;
  /** Steps taken (going up) or reversed (going down), in the order they happen. */
  readonly applied: readonly DegradationStep[];
  readonly reverted: readonly DegradationStep[];
}

/**
 * The ladder's state: level 0 (nothing given up) to 4 (every step taken).
 *
 * @example
 * const ladder = new DegradationLadder(config.gateway.degradation);
 * const change = ladder.update(0.82); // downgrade and shrink
 * const request = ladder.shape(original);
 */
export class DegradationLadder {
  readonly #settings: DegradationSettings;
  #level = 0;

  constructor(settings: DegradationSettings) {
    this.#settings = settings;
  }

  /** The current level: how many steps are taken. */
  get level(): number {
    return this.#level;
  }

  /** True while `step` is taken. */
  has(step: DegradationStep): boolean {
    return this.#level > DEGRADATION_STEPS.indexOf(step);
  }

  #threshold(step: DegradationStep): number {
    return this.#settings[`${step}_at`];
  }

  /**
   * Moves to the level `pressure` calls for: up as soon as a threshold is reached, down only
   * once pressure is `hysteresis` below it. Returns the change, or undefined when none.
   */
  update(pressure: number): LadderChange | undefined {
    let level = this.#level;
    while (
      level < DEGRADATION_STEPS.length &&
      pressure >= this.#threshold(DEGRADATION_STEPS[level]!)
    ) {
      level++;
    }
    if (level === this.#level) {
      while (
        level > 0 &&
        pressure < this.#threshold(DEGRADATION_STEPS[level - 1]!) - this.#settings.hysteresis
      ) {
        level--;
      }
    }
    if (level === this.#level) return undefined;
    const from = this.#level;
    this.#level = level;
    return level > from
      ? { from, to: level, applied: DEGRADATION_STEPS.slice(from, level), reverted: [] }
      : { from, to: level, applied: [], reverted: DEGRADATION_STEPS.slice(level, from).reverse() };
  }

  /**
   * The request as the current level sends it: a cheaper alias (step 1), and a smaller context
   * and output cap (step 2: system messages and the latest turns are kept, the oldest turns go).
   */
  shape(request: ChatRequest): ChatRequest {
    let shaped = request;
    if (this.has('downgrade')) {
      const cheaper = this.#settings.cheaper_aliases[request.model];
      if (cheaper !== undefined) shaped = { ...shaped, model: cheaper };
    }
    if (this.has('shrink')) {
      const factor = this.#settings.context_factor;
      const system = shaped.messages.filter((m) => m.role === 'system');
      const turns = shaped.messages.filter((m) => m.role !== 'system');
      const keep = Math.max(2, Math.ceil(turns.length * factor));
      let kept: ChatMessage[] = turns.slice(-keep);
      // A tool result without the assistant turn that asked for it is invalid on every provider.
      while (kept.length > 0 && kept[0]!.role === 'tool') kept = kept.slice(1);
      shaped = {
        ...shaped,
        messages: [...system, ...kept],
        ...(shaped.maxTokens === undefined
          ? {}
          : { maxTokens: Math.max(64, Math.floor(shaped.maxTokens * factor)) }),
      };
    }
    return shaped;
  }
}

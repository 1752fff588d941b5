/**
 * @module Utility-based deliberation for daemons that need no model (seed 003,
 * `UtilityReasoning`): generate candidate actions, score each with a utility function, keep the
 * best ones above a floor. Deterministic and free, so it also serves watchdogs and routers.
 */
import type { AgentGate } from '../runtime/agent-gate.js';
import type { Decision, DeliberationContext, PlannedAction } from './decision.js';
import type { Deliberator } from './deliberator.js';

/** A candidate with the reason it was proposed. */
export interface Candidate {
  readonly action: PlannedAction;
  readonly reason: string;
}

/** Options for {@link UtilityDeliberator}. */
export interface UtilityDeliberatorOptions {
  /** Proposes actions for a context. */
  readonly candidates: (context: DeliberationContext) => readonly Candidate[];
  /** Scores an action (higher is better). */
  readonly utility: (action: PlannedAction, context: DeliberationContext) => number;
  /** Actions scoring below this are not taken (default 0). */
  readonly floor?: number;
  /** At most this many actions per beat, best first (default 1). */
  readonly maxActions?: number;
}

/** See the module comment. */
export class UtilityDeliberator implements Deliberator {
  readonly kind = 'utility';
  readonly #options: UtilityDeliberatorOptions;

  constructor(options: UtilityDeliberatorOptions) {
    this.#options = options;
  }

  async deliberate(context: DeliberationContext, _gate: AgentGate): Promise<Decision | undefined> {
    const floor = this.#options.floor ?? 0;
    const scored = this.#options
      .candidates(context)
      .map((c) => ({ ...c, score: this.#options.utility(c.action, context) }))
      .filter((c) => Number.isFinite(c.score) && c.score > floor)
      .sort((a, b) => b.score - a.score)
      .slice(0, this.#options.maxActions ?? 1);
    if (scored.length === 0) return undefined;
    return {
      thought: scored.map((c) => `${c.reason} (utility ${c.score.toFixed(2)})`).join('; '),
      actions: scored.map((c) => c.action),
    };
  }
}

/**
 * The default utility strategy for agents declared with `deliberation: utility`: it keeps what
 * it perceives (each attended observation is stored in episodic memory, most salient first) and
 * finishes a goal once every one of its success criteria appears in what it has observed.
 */
export function defaultUtilityDeliberator(): UtilityDeliberator {
  return new UtilityDeliberator({
    maxActions: 8,
    candidates(context) {
      const out: Candidate[] = context.observations.map((o) => ({
        action: {
          kind: 'tool',
          tool: 'memory.put',
          args: { component: 'episodic', content: o.summary },
        },
        reason: `remember ${o.kind} observation`,
      }));
      const goal = context.goal;
      if (goal !== undefined && goal.successCriteria.length > 0) {
        const seen = context.observations.map((o) => o.summary.toLowerCase()).join('\n');
        if (goal.successCriteria.every((c) => seen.includes(c.toLowerCase()))) {
          out.push({
            action: { kind: 'finish', outcome: 'every success criterion was observed' },
            reason: `goal "${goal.title}" met its success criteria`,
          });
        }
      }
      return out;
    },
    utility(action, context) {
      if (action.kind === 'finish') return 1;
      const content = action.args['content'];
      const o = context.observations.find((x) => x.summary === content);
      return context.tools.some((t) => t.name === 'memory.put') ? (o?.salience ?? 0) : 0;
    },
  });
}

/**
 * @module The deliberation seam. A strategy turns a context into a decision; the heartbeat
 * engine records the decision as a thought and executes it. Strategies call the world only
 * through the gate they are given (the LLM strategy calls `llm.complete`).
 */
import type { AgentGate } from '../runtime/agent-gate.js';
import type { Decision, DeliberationContext } from './decision.js';

/** A reasoning strategy. */
export interface Deliberator {
  readonly kind: string;
  /** Decides what to do; undefined means "nothing worth doing this beat". */
  deliberate(context: DeliberationContext, gate: AgentGate): Promise<Decision | undefined>;
}

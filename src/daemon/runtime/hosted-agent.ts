/**
 * @module What the kernel's daemon operations know of an agent they serve: its identity, the
 * goal stack, the tools and scopes it was granted, and its live constitution.
 */
import type { AgentMemory } from '../../memory/index.js';
import type { Constitution, GoalStack } from '../agent/index.js';
import type { ToolScopes } from '../tools/index.js';

/** An agent hosted by this process (whatever its isolation, its operations run here). */
export interface HostedAgent {
  readonly id: string;
  readonly name: string;
  readonly goals: GoalStack;
  /** The agent's memory, with its own budgets. */
  readonly memory: AgentMemory;
  /** Allowed tool names and `prefix.*` patterns. */
  readonly tools: readonly string[];
  readonly scopes: ToolScopes;
  /** Unfinished thoughts allowed at once (`limits.max_active_thoughts`). */
  readonly maxActiveThoughts: number;
  /** Replaced on every amendment (constitutions are immutable values). */
  constitution: Constitution;
}

/** Finds hosted agents by principal id or name. */
export interface HostedAgents {
  byId(id: string): HostedAgent | undefined;
  byName(name: string): HostedAgent | undefined;
}

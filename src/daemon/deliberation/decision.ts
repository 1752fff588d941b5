/**
 * @module What deliberation sees (the context built in the reflect phase) and what it decides.
 */
import type { Observation } from '../perception/observation.js';

/** A directive of the agent's constitution, as shown to a model. */
export interface DirectiveView {
  readonly id: string;
  readonly text: string;
  readonly priority: number;
}

/** The goal being worked on. */
export interface GoalView {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly taskId: string | null;
  readonly successCriteria: readonly string[];
  readonly attempts: number;
}

/** A tool the agent may call, as offered to a model. */
export interface ToolView {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Readonly<Record<string, unknown>>;
}

/** One earlier beat of the current goal: what was thought and which calls it made. */
export interface TranscriptTurn {
  readonly beat: number;
  readonly thought: string;
  readonly calls: readonly {
    readonly key: string;
    readonly tool: string;
    readonly args: string;
    readonly ok: boolean;
    readonly output: string;
  }[];
}

/** Everything the reflect phase gathers for deliberation. */
export interface DeliberationContext {
  readonly agent: {
    readonly name: string;
    readonly role: string;
    readonly description: string;
    readonly model: string | undefined;
    readonly constitution: readonly DirectiveView[];
  };
  readonly goal: GoalView | undefined;
  readonly observations: readonly Observation[];
  readonly memories: readonly { readonly component: string; readonly content: string }[];
  readonly transcript: readonly TranscriptTurn[];
  readonly tools: readonly ToolView[];
}

/** One step of a plan. */
export type PlannedAction =
  | { readonly kind: 'tool'; readonly tool: string; readonly args: Record<string, unknown> }
  /** The current goal is done; `outcome` is the answer or result. */
  | { readonly kind: 'finish'; readonly outcome: string };

/** A deliberation's result: the reasoning to record and the actions to take, in order. */
export interface Decision {
  readonly thought: string;
  readonly actions: readonly PlannedAction[];
  /** Model tokens spent deciding, when a model was used. */
  readonly tokens?: number;
}

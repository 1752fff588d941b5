/**
 * @module Typed calls of the kernel operations a daemon uses, over any {@link AgentGate}. The
 * names and argument shapes here are the contract with `daemon-operations.ts`, which registers
 * the handlers; keeping both sides in one module keeps them from drifting.
 */
import type {
  GoalView,
  PlannedAction,
  ToolView,
  TranscriptTurn,
} from '../deliberation/decision.js';
import type { AgentGate } from './agent-gate.js';
import type { InboxMessage } from './inbox.js';

/** The decision of the beat in progress, persisted before any of its actions runs. */
export interface PersistedPlan {
  readonly beat: number;
  readonly goalId: string | null;
  readonly taskId: string | null;
  readonly thoughtId: string | null;
  readonly actions: readonly PlannedAction[];
}

/** The cursor fields every beat write carries. */
interface CursorFields {
  readonly beat: number;
  readonly lastCompletedBeat: number;
  readonly status: string;
  readonly intervalMs: number;
  readonly metrics: Readonly<Record<string, number>>;
}

/** What `beat.plan` takes. */
export interface BeatPlanRequest extends CursorFields {
  readonly goalId: string | null;
  readonly taskId: string | null;
  readonly thought: string | null;
  readonly actions: readonly PlannedAction[];
}

/** What `beat.complete` takes. */
export interface BeatCompletion extends CursorFields {
  readonly thoughtId: string | null;
  readonly thoughtStatus: 'completed' | 'failed';
  readonly finish: { readonly goalId: string; readonly outcome: string } | null;
  readonly outcomes: readonly { action: string; success: boolean; durationMs: number }[];
  readonly acknowledge: readonly string[];
}

/** An agent's beat cursor as stored. */
export interface RuntimeState {
  readonly beat: number;
  readonly lastCompletedBeat: number;
  readonly status: string;
  readonly intervalMs: number;
  readonly plan: PersistedPlan | null;
  readonly metrics: Readonly<Record<string, number>>;
}

/** What a tool call returned to the agent. */
export interface ToolCallOutcome {
  readonly ok: boolean;
  readonly output: string;
  readonly code?: string;
  readonly data?: unknown;
  /** True when answered from the journal (the tool did not run again). */
  readonly replayed: boolean;
}

/** A planned tool call with its idempotency key. */
export interface ToolCallRequest {
  readonly tool: string;
  readonly args: Record<string, unknown>;
  readonly key: string;
  readonly taskId: string | null;
  readonly goalId: string | null;
  readonly beat: number;
  readonly position: number;
}

/** The daemon's view of the kernel: one method per operation. */
export class AgentOps {
  readonly gate: AgentGate;

  constructor(gate: AgentGate) {
    this.gate = gate;
  }

  loadState(): Promise<RuntimeState | null> {
    return this.gate.call('agent.state.load', {});
  }
  /** Saves status or pace changes (suspend, resume); the plan is left to the beat operations. */
  saveState(state: RuntimeState): Promise<void> {
    return this.gate.call('agent.state.save', { ...state, plan: null });
  }
  /** Seals the beat's thought and saves its plan; resolves to the plan as persisted. */
  planBeat(beat: BeatPlanRequest): Promise<PersistedPlan> {
    return this.gate.call('beat.plan', beat);
  }
  /** Records reasoning the model produced but that could not be used. */
  failedThought(taskId: string, content: string): Promise<{ id: string }> {
    return this.gate.call('beat.failed_thought', { taskId, content });
  }
  /** Settles a beat (thought, goal, outcomes, acknowledgements) and advances the cursor. */
  completeBeat(beat: BeatCompletion): Promise<void> {
    return this.gate.call('beat.complete', beat);
  }
  receive(limit: number): Promise<InboxMessage[]> {
    return this.gate.call('message.receive', { limit });
  }
  currentGoal(): Promise<GoalView | null> {
    return this.gate.call('goal.current', {});
  }
  adoptTask(taskId: string): Promise<GoalView> {
    return this.gate.call('goal.adopt_task', { taskId });
  }
  countAttempt(goalId: string): Promise<void> {
    return this.gate.call('goal.attempt', { goalId });
  }
  remember(items: readonly { component: 'episodic' | 'semantic'; content: string }[]) {
    return this.gate.call<void>('memory.put_many', { items });
  }
  recall(query: string, limit: number): Promise<{ component: string; content: string }[]> {
    return this.gate.call('memory.search', { query, limit });
  }
  tools(): Promise<ToolView[]> {
    return this.gate.call('tool.list', {});
  }
  callTool(request: ToolCallRequest): Promise<ToolCallOutcome> {
    return this.gate.call('tool.call', request);
  }
  transcript(goalId: string): Promise<TranscriptTurn[]> {
    return this.gate.call('goal.transcript', { goalId });
  }
}

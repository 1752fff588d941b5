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
  saveState(state: RuntimeState): Promise<void> {
    return this.gate.call('agent.state.save', state);
  }
  receive(limit: number): Promise<InboxMessage[]> {
    return this.gate.call('message.receive', { limit });
  }
  ack(ids: readonly string[]): Promise<void> {
    return this.gate.call('message.ack', { ids });
  }
  currentGoal(): Promise<GoalView | null> {
    return this.gate.call('goal.current', {});
  }
  adoptTask(taskId: string): Promise<GoalView> {
    return this.gate.call('goal.adopt_task', { taskId });
  }
  finishGoal(goalId: string, outcome: string): Promise<void> {
    return this.gate.call('goal.complete', { goalId, outcome });
  }
  failGoal(goalId: string, reason: string): Promise<void> {
    return this.gate.call('goal.abandon', { goalId, reason });
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
  learn(action: string, success: boolean, durationMs: number): Promise<void> {
    return this.gate.call('memory.outcome', { action, success, durationMs });
  }
  addThought(taskId: string, content: string): Promise<{ id: string }> {
    return this.gate.call('thought.add', { taskId, content });
  }
  settleThought(id: string, status: 'completed' | 'failed' | 'deferred'): Promise<void> {
    return this.gate.call('thought.update', { id, status });
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

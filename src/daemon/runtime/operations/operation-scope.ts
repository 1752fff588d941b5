/**
 * @module What every daemon operation handler shares: the services, the clock, and how a
 * handler finds the agent it serves (from the principal, never from arguments: an agent cannot
 * act on another agent's goals, memory or inbox by naming it).
 */
import { z } from 'zod';
import {
  AgentvisorError,
  type Clock,
  type OperationContext,
  type Principal,
  systemClock,
} from '../../../core/index.js';
import type { SealedRecords } from '../../../ledger/index.js';
import type { Store } from '../../../store/index.js';
import type { ToolRegistry } from '../../tools/index.js';
import type { HostedAgent, HostedAgents } from '../hosted-agent.js';
import type { Inbox } from '../inbox.js';
import type { ToolJournal } from '../tool-journal.js';

/**
 * PreToolUse and PostToolUse hooks around `tool.call`. `before` returns the (possibly amended)
 * arguments or throws POLICY_DENIED; it runs after the call is journalled, so a denial reaches
 * the model like any tool failure. `after` only observes and never fails the call.
 */
export interface ToolHooks {
  before(
    agent: { readonly id: string; readonly name: string },
    call: {
      readonly tool: string;
      readonly args: Record<string, unknown>;
      readonly taskId: string | null;
    },
  ): Promise<Record<string, unknown>>;
  after(
    agent: { readonly id: string; readonly name: string },
    call: {
      readonly tool: string;
      readonly args: Record<string, unknown>;
      readonly taskId: string | null;
    },
    outcome: { readonly ok: boolean; readonly output: string; readonly durationMs: number },
  ): void;
}

/** What the daemon operations need. */
export interface DaemonOperationServices {
  readonly store: Store;
  readonly agents: HostedAgents;
  readonly inbox: Inbox;
  readonly journal: ToolJournal;
  readonly records: SealedRecords;
  readonly tools: ToolRegistry;
  readonly clock?: Clock;
  /** Called when a message or task is queued for a hosted agent (wakes its daemon). */
  readonly onDelivered?: (agentName: string) => void;
  /**
   * The policy's word on what a tool call touches (a path, host, program); throws POLICY_DENIED.
   * Asked inside `tool.call` after the call is journalled, so a refusal is recorded like any
   * tool failure and the model reads it on its next turn.
   */
  readonly toolHooks?: ToolHooks;
  readonly authorizeTool?: (
    principal: Principal,
    call: { readonly tool: string; readonly args: Record<string, unknown> },
  ) => void | Promise<void>;
}

/** The services plus the resolved clock and the principal-to-agent lookup. */
export interface OperationScope extends DaemonOperationServices {
  readonly clock: Clock;
  /** The hosted agent calling, or POLICY_DENIED for any other principal. */
  self(ctx: OperationContext): HostedAgent;
}

/** Builds the {@link OperationScope} of a set of services. */
export function operationScope(services: DaemonOperationServices): OperationScope {
  return {
    ...services,
    clock: services.clock ?? systemClock,
    self(ctx) {
      const agent =
        ctx.principal.kind === 'agent' ? services.agents.byId(ctx.principal.id) : undefined;
      if (agent === undefined) {
        throw new AgentvisorError(
          'POLICY_DENIED',
          `${ctx.principal.kind}:${ctx.principal.id} is not an agent hosted here; only agents call this operation`,
        );
      }
      return agent;
    },
  };
}

/** An id argument. */
export const idArg = z.string().min(1).max(200);

/** A hosted agent by name, or NOT_FOUND naming the argument. */
export function requireAgent(agents: HostedAgents, name: string, field: string): HostedAgent {
  const agent = agents.byName(name);
  if (agent === undefined) {
    throw new AgentvisorError('NOT_FOUND', `${field}: no agent named "${name}" is defined`, {
      details: { [field]: name },
    });
  }
  return agent;
}

/** The task a goal serves, if any. */
export async function taskOf(store: Store, goalId: string): Promise<string | null> {
  const row = await store.db
    .selectFrom('goal_tasks')
    .select('task_id')
    .where('goal_id', '=', goalId)
    .executeTakeFirst();
  return row?.task_id ?? null;
}

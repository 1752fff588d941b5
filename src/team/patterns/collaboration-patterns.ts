/**
 * @module Seed 002's five inter-agent patterns as library functions over the kernel, so a
 * program (or a custom orchestrator strategy) composes them with the same gate, limits and
 * ledger as everything else:
 *
 * - sequential: A's result is handed to B, and so on (`task.submit`, waiting for each);
 * - parallel: fan out to several agents, fan in, with partial failures reported, not thrown;
 * - peer consult: ask another agent and wait for its answer (`bus.request`);
 * - broadcast: share knowledge with every agent (`bus.broadcast`);
 * - handoff: move ownership of a task to another agent (`task.handoff`).
 */
import { AgentvisorError, type CallerRef, type Kernel } from '../../core/index.js';
import { taskResultText } from '../../ledger/index.js';
import type { Store } from '../../store/index.js';
import type { BusMessage } from '../bus/index.js';

/** What the patterns need: the kernel, who acts, and where task outcomes are read. */
export interface PatternContext {
  readonly kernel: Kernel;
  readonly caller: CallerRef;
  readonly store: Store;
  /** How often a waiting pattern looks at a task's state; default 100 ms. */
  readonly pollMs?: number;
  /** How long a waiting pattern waits for one task; default 10 minutes. */
  readonly timeoutMs?: number;
}

/** One unit of work for one agent. */
export interface WorkItem {
  readonly agent: string;
  readonly title: string;
  readonly description?: string;
}

/** How a work item ended. */
export interface WorkOutcome {
  readonly agent: string;
  readonly taskId: string;
  readonly status: 'completed' | 'failed' | 'cancelled';
  readonly result: string;
}

const ENDED = new Set(['completed', 'failed', 'cancelled']);

async function submit(ctx: PatternContext, item: WorkItem, description: string): Promise<string> {
  const { result } = await ctx.kernel.call<{ id: string }>(ctx.caller, 'task.submit', {
    agent: item.agent,
    title: item.title,
    description,
  });
  return result.id;
}

async function outcome(ctx: PatternContext, item: WorkItem, taskId: string): Promise<WorkOutcome> {
  const deadline = Date.now() + (ctx.timeoutMs ?? 10 * 60_000);
  for (;;) {
    const row = await ctx.store.db
      .selectFrom('tasks')
      .select(['status', 'result'])
      .where('id', '=', taskId)
      .executeTakeFirst();
    if (row !== undefined && ENDED.has(row.status)) {
      return {
        agent: item.agent,
        taskId,
        status: row.status as WorkOutcome['status'],
        result: taskResultText(row.result) ?? '',
      };
    }
    if (Date.now() > deadline) {
      throw new AgentvisorError('TIMEOUT', `task ${taskId} for ${item.agent} did not end in time`, {
        details: { taskId, agent: item.agent },
      });
    }
    await new Promise((r) => setTimeout(r, ctx.pollMs ?? 100));
  }
}

/**
 * SEQUENTIAL: each item runs after the previous one ended, with the results so far in its
 * description. Stops at the first item that does not complete (its outcome is the last).
 *
 * @example
 * const outcomes = await sequential(ctx, [
 *   { agent: 'coder', title: 'Write the parser' },
 *   { agent: 'qa', title: 'Test the parser' },
 * ]);
 */
export async function sequential(
  ctx: PatternContext,
  items: readonly WorkItem[],
): Promise<WorkOutcome[]> {
  const done: WorkOutcome[] = [];
  for (const item of items) {
    const before =
      done.length === 0
        ? ''
        : `\n\nResults so far:\n${done.map((d) => `- [${d.agent}] ${d.result}`).join('\n')}`;
    const taskId = await submit(ctx, item, `${item.description ?? ''}${before}`);
    const result = await outcome(ctx, item, taskId);
    done.push(result);
    if (result.status !== 'completed') break;
  }
  return done;
}

/**
 * PARALLEL: every item at once; resolves when all ended, failures included (fan-in with
 * partial failure: the caller decides what a partial result is worth). A part that does not end
 * within `timeoutMs` is cancelled and reported failed.
 */
export async function parallel(
  ctx: PatternContext,
  items: readonly WorkItem[],
): Promise<{ outcomes: WorkOutcome[]; failed: WorkOutcome[] }> {
  const ids = await Promise.all(items.map((item) => submit(ctx, item, item.description ?? '')));
  const outcomes = await Promise.all(
    items.map(async (item, i) => {
      const taskId = ids[i]!;
      try {
        return await outcome(ctx, item, taskId);
      } catch (error) {
        if (!(error instanceof AgentvisorError) || error.code !== 'TIMEOUT') throw error;
        // A part that hangs is a failed part: cancelled, so it does not finish unobserved.
        await ctx.kernel
          .call(ctx.caller, 'task.cancel', {
            id: taskId,
            reason: 'timed out in a parallel fan-out',
          })
          .catch(() => {});
        return { agent: item.agent, taskId, status: 'failed' as const, result: error.message };
      }
    }),
  );
  return { outcomes, failed: outcomes.filter((o) => o.status !== 'completed') };
}

/** PEER CONSULT: asks `peer` and waits for its reply (a `query` answered with a `result`). */
export async function peerConsult(
  ctx: PatternContext,
  peer: string,
  question: string,
  options: { timeoutMs?: number; context?: Record<string, unknown> } = {},
): Promise<BusMessage> {
  const { result } = await ctx.kernel.call<BusMessage>(ctx.caller, 'bus.request', {
    target: `agent:${peer}`,
    type: 'query',
    payload: {
      action: question,
      ...(options.context === undefined ? {} : { context: options.context }),
    },
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  return result;
}

/** BROADCAST: shares a piece of knowledge with every agent (a `learn` message to `*`). */
export async function broadcast(
  ctx: PatternContext,
  knowledge: string,
  context?: Record<string, unknown>,
): Promise<BusMessage> {
  const { result } = await ctx.kernel.call<BusMessage>(ctx.caller, 'bus.broadcast', {
    type: 'learn',
    payload: { action: knowledge, ...(context === undefined ? {} : { context }) },
  });
  return result;
}

/** HANDOFF: moves ownership of an open task to `to`, recorded with the reason. */
export async function handoff(
  ctx: PatternContext,
  taskId: string,
  to: string,
  reason: string,
): Promise<{ id: string; from: string | null; to: string }> {
  const { result } = await ctx.kernel.call<{ id: string; from: string | null; to: string }>(
    ctx.caller,
    'task.handoff',
    { id: taskId, to, reason },
  );
  return result;
}

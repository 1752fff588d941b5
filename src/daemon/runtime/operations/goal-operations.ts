/**
 * @module Goal operations of the calling agent: the goal to work on now, adopting a task as a
 * root goal, counting attempts, and the transcript of a goal's tool calls for deliberation.
 */
import { z } from 'zod';
import { AgentvisorError, type Kernel } from '../../../core/index.js';
import type { Goal } from '../../agent/index.js';
import type { GoalView, TranscriptTurn } from '../../deliberation/decision.js';
import type { HostedAgent } from '../hosted-agent.js';
import { idArg, type OperationScope, taskOf } from './operation-scope.js';

/** Largest tool output handed back to a model in a transcript. */
const MAX_TRANSCRIPT_OUTPUT = 16 * 1024;

/** Registers the operations of this module. */
export function registerGoalOperations(kernel: Kernel, scope: OperationScope): void {
  const { store, records, self } = scope;
  const view = async (goal: Goal): Promise<GoalView> => ({
    id: goal.id,
    title: goal.description.split('\n', 1)[0] ?? goal.description,
    description: goal.description.includes('\n')
      ? goal.description.slice(goal.description.indexOf('\n') + 1).trim()
      : '',
    taskId: await taskOf(store, goal.id),
    successCriteria: goal.successCriteria,
    attempts: goal.attempts,
  });

  kernel.register({
    name: 'goal.current',
    description: 'The goal the calling agent should work on now (activating the best pending one).',
    effect: 'write',
    capability: 'agent.self',
    args: z.object({}).strict(),
    async handler(ctx): Promise<GoalView | null> {
      const goal = await self(ctx).goals.next();
      return goal === undefined ? null : view(goal);
    },
  });
  kernel.register({
    name: 'goal.adopt_task',
    description: 'Makes a task handed to the calling agent its root goal (idempotent).',
    effect: 'write',
    capability: 'agent.self',
    args: z.object({ taskId: idArg }).strict(),
    async handler(ctx, args): Promise<GoalView> {
      const agent = self(ctx);
      const existing = await store.db
        .selectFrom('goal_tasks')
        .innerJoin('goals', 'goals.id', 'goal_tasks.goal_id')
        .select('goal_tasks.goal_id')
        .where('goal_tasks.task_id', '=', args.taskId)
        .where('goal_tasks.agent_id', '=', agent.id)
        .where('goals.parent_id', 'is', null)
        .executeTakeFirst();
      if (existing !== undefined) return view(await agent.goals.get(existing.goal_id));
      const task = await store.db
        .selectFrom('tasks')
        .selectAll()
        .where('id', '=', args.taskId)
        .executeTakeFirst();
      if (task === undefined || task.agent_id !== agent.id) {
        throw new AgentvisorError('NOT_FOUND', `no task ${args.taskId} assigned to ${agent.name}`);
      }
      const goal = await agent.goals.push({
        description: task.description === '' ? task.title : `${task.title}\n${task.description}`,
        priority: task.priority * 10,
      });
      await store.db
        .insertInto('goal_tasks')
        .values({ goal_id: goal.id, task_id: task.id, agent_id: agent.id })
        .execute();
      await records.updateTask(task.id, { status: 'in_progress' }, `agent:${agent.id}`);
      return view(goal);
    },
    ledgerFacts: (args, result) => ({ task: args.taskId, goal: result?.id }),
  });
  kernel.register({
    name: 'goal.attempt',
    description: "Counts an attempt at one of the calling agent's goals.",
    effect: 'write',
    capability: 'agent.self',
    args: z.object({ goalId: idArg }).strict(),
    async handler(ctx, args) {
      await self(ctx).goals.attempt(args.goalId);
    },
  });
  kernel.register({
    name: 'goal.transcript',
    description: 'The tool calls made for a goal so far, grouped by beat, for deliberation.',
    effect: 'read',
    capability: 'agent.self',
    args: z.object({ goalId: idArg }).strict(),
    async handler(ctx, args): Promise<TranscriptTurn[]> {
      const agent = self(ctx);
      const rows = await store.db
        .selectFrom('tool_calls')
        .selectAll()
        .where('agent_id', '=', agent.id)
        .where('goal_id', '=', args.goalId)
        .orderBy('beat')
        .orderBy('position')
        .execute();
      const turns = new Map<
        number,
        TranscriptTurn & { calls: TranscriptTurn['calls'][number][] }
      >();
      for (const r of rows) {
        const beat = Number(r.beat);
        let turn = turns.get(beat);
        if (turn === undefined) {
          turn = { beat, thought: '', calls: [] };
          turns.set(beat, turn);
        }
        const ok = r.status === 'done';
        const output = ok
          ? String((JSON.parse(r.result ?? 'null') as { content?: unknown } | null)?.content ?? '')
          : r.status === 'failed'
            ? `error ${r.error_code}: ${r.error}`
            : 'error: the call was interrupted and did not report a result';
        turn.calls.push({
          key: r.key,
          tool: r.tool,
          args: r.args,
          ok,
          output:
            output.length > MAX_TRANSCRIPT_OUTPUT
              ? `${output.slice(0, MAX_TRANSCRIPT_OUTPUT)}\n[output cut at ${MAX_TRANSCRIPT_OUTPUT} characters]`
              : output,
        });
      }
      return [...turns.values()];
    },
  });
}

/**
 * When `goal` is a task's root goal, moves the task to the goal's outcome (completed or failed)
 * with the result; sub-goals leave the task alone.
 */
export async function settleTask(
  scope: Pick<OperationScope, 'store' | 'records'>,
  goal: Goal,
  status: 'completed' | 'failed',
  result: string,
  agent: HostedAgent,
): Promise<void> {
  if (goal.parentId !== null) return;
  const taskId = await taskOf(scope.store, goal.id);
  if (taskId === null) return;
  // A task handed off to another agent (or cancelled) is no longer this agent's to settle.
  const task = await scope.store.db
    .selectFrom('tasks')
    .select(['agent_id', 'status'])
    .where('id', '=', taskId)
    .executeTakeFirst();
  if (task === undefined || task.agent_id !== agent.id || task.status === 'cancelled') return;
  await scope.records.updateTask(taskId, { status, result }, `agent:${agent.id}`);
}

/**
 * @module Task operations: handing a task to an agent, and reading a task with its goals, thoughts and tool calls.
 */
import { z } from 'zod';
import { AgentvisorError, isUuidV7, type Kernel } from '../../../core/index.js';
import { TASK_SUBJECT_PREFIX } from '../../perception/inbox-source.js';
import { idArg, type OperationScope, requireAgent } from './operation-scope.js';
import { taskUsage } from './task-usage.js';

/** Registers the operations of this module. */
export function registerTaskOperations(kernel: Kernel, scope: OperationScope): void {
  const { store, inbox, journal, records } = scope;
  kernel.register({
    name: 'task.submit',
    description:
      "Hands a task to an agent: a sealed task record and a message in the agent's inbox.",
    effect: 'write',
    capability: 'task.submit',
    args: z
      .object({
        agent: z.string().min(1).max(64),
        title: z.string().trim().min(1).max(500),
        description: z
          .string()
          .max(64 * 1024)
          .default(''),
        priority: z.number().int().min(1).max(10).default(5),
        /** The parent task (a team run whose subtask this is). */
        parentId: idArg.optional(),
        /**
         * A UUIDv7 the caller chose: submitting again with the same id after a crash finishes
         * the first submission instead of creating a second task.
         */
        id: z.string().refine(isUuidV7, 'a UUIDv7').optional(),
      })
      .strict(),
    async handler(ctx, args) {
      const agent = requireAgent(scope.agents, args.agent, 'agent');
      const actor = `${ctx.principal.kind}:${ctx.principal.id}`;
      const existing =
        args.id === undefined
          ? undefined
          : await store.db
              .selectFrom('tasks')
              .selectAll()
              .where('id', '=', args.id)
              .executeTakeFirst();
      if (existing !== undefined && existing.status !== 'pending') {
        return { id: existing.id, agent: agent.name, status: existing.status };
      }
      const task =
        existing ??
        (await records.createTask(
          {
            title: args.title,
            description: args.description,
            priority: args.priority,
            agentId: agent.id,
            ...(args.parentId === undefined ? {} : { parentId: args.parentId }),
            ...(args.id === undefined ? {} : { id: args.id }),
          },
          actor,
        ));
      // The message carries the task's id, so a resend after a crash is a no-op; the task turns
      // `assigned` only once its message is in the inbox.
      await inbox.send(
        ctx.principal.name ?? actor,
        agent.name,
        args.description === '' ? args.title : `${args.title}\n\n${args.description}`,
        { subject: `${TASK_SUBJECT_PREFIX}${task.id}`, id: task.id },
      );
      await records.updateTask(task.id, { status: 'assigned' }, actor);
      scope.onDelivered?.(agent.name);
      return { id: task.id, agent: agent.name, status: 'assigned' };
    },
    ledgerFacts: (args, result) => ({ agent: args.agent, task: result?.id }),
  });

  kernel.register({
    name: 'task.get',
    description: 'A task with its goals, thoughts and tool calls.',
    effect: 'read',
    capability: 'task.read',
    args: z.object({ id: idArg }).strict(),
    async handler(_ctx, args) {
      const task = await store.db
        .selectFrom('tasks')
        .selectAll()
        .where('id', '=', args.id)
        .executeTakeFirst();
      if (task === undefined) throw new AgentvisorError('NOT_FOUND', `no task with id ${args.id}`);
      const goalIds = await store.db
        .selectFrom('goal_tasks')
        .select('goal_id')
        .where('task_id', '=', args.id)
        .execute();
      const goals =
        goalIds.length === 0
          ? []
          : await store.db
              .selectFrom('goals')
              .selectAll()
              .where(
                'id',
                'in',
                goalIds.map((g) => g.goal_id),
              )
              .orderBy('created_at')
              .execute();
      const thoughts = await store.db
        .selectFrom('thoughts')
        .selectAll()
        .where('task_id', '=', args.id)
        .orderBy('created_at')
        .execute();
      const calls = await journal.forTask(args.id);
      return {
        // What the task cost: its own model calls and its subtasks' (a team run's delegated work).
        cost: await taskUsage(store, [args.id]),
        task: {
          id: task.id,
          title: task.title,
          description: task.description,
          status: task.status,
          priority: task.priority,
          agentId: task.agent_id,
          result: task.result === null ? null : JSON.parse(task.result),
          createdAt: task.created_at,
          updatedAt: task.updated_at,
        },
        goals: goals.map((g) => ({
          id: g.id,
          parentId: g.parent_id,
          description: g.description,
          status: g.status,
          attempts: g.attempts,
        })),
        thoughts: thoughts.map((t) => ({
          id: t.id,
          status: t.status,
          content: t.content,
          createdAt: t.created_at,
        })),
        toolCalls: calls.map((c) => ({
          key: c.key,
          tool: c.tool,
          beat: c.beat,
          status: c.status,
          attempts: c.attempts,
          error: c.error,
          startedAt: c.startedAt,
          finishedAt: c.finishedAt,
        })),
      };
    },
  });
}

/**
 * @module The team's work: tasks (submit, list with cursor pagination, detail, cancel, hand
 * off), team runs, memory search and the message bus with its dead-letter queue.
 */
import { TASK_SUBJECT_PREFIX } from '../../daemon/index.js';
import { type ApiRoute, apiRoute } from './api-route.js';

interface TaskPage {
  tasks: { id: string }[];
}

/** The work routes. */
export function workRoutes(): ApiRoute[] {
  return [
    apiRoute({
      method: 'POST',
      path: '/tasks',
      summary: 'Submit a task to an agent',
      tag: 'Tasks',
      role: 'operator',
      op: 'task.submit',
      status: 201,
    }),
    apiRoute({
      method: 'GET',
      path: '/tasks',
      summary:
        "List tasks, newest first; pass the answer's `nextCursor` as `before` for the next page",
      tag: 'Tasks',
      role: 'viewer',
      op: 'task.list',
      handle: async (ctx, input) => {
        const page = await ctx.call<TaskPage>('task.list', input);
        const limit = (input as { limit: number }).limit;
        const last = page.tasks.at(-1);
        return {
          ...page,
          nextCursor: page.tasks.length >= limit && last !== undefined ? last.id : null,
        };
      },
    }),
    apiRoute({
      method: 'GET',
      path: '/tasks/:id',
      summary: 'One task with its goals, thoughts, tool calls and subtasks',
      tag: 'Tasks',
      role: 'viewer',
      op: 'task.get',
      handle: async (ctx, input) => {
        const { id } = input as { id: string };
        const detail = await ctx.call<Record<string, unknown>>('task.get', { id });
        const subtasks = await ctx.call<TaskPage>('task.list', { parentId: id, limit: 500 });
        const messages = await ctx.system.store.db
          .selectFrom('messages')
          .select(['id', 'sender', 'recipient', 'subject', 'created_at', 'acked_at'])
          .where('subject', 'in', [`${TASK_SUBJECT_PREFIX}${id}`, `answer:${id}`])
          .orderBy('created_at')
          .limit(200)
          .execute();
        const run = await ctx.system.store.db
          .selectFrom('team_runs')
          .select('task_id')
          .where('task_id', '=', id)
          .executeTakeFirst();
        return { ...detail, teamRun: run !== undefined, subtasks: subtasks.tasks, messages };
      },
    }),
    apiRoute({
      method: 'POST',
      path: '/tasks/:id/cancel',
      summary: 'Cancel a task or a team run',
      tag: 'Tasks',
      role: 'operator',
      op: 'task.cancel',
    }),
    apiRoute({
      method: 'POST',
      path: '/tasks/:id/feedback',
      summary:
        'Rate (1-5), accept, correct or retry a task: a learning signal; a retry runs it again',
      tag: 'Tasks',
      role: 'operator',
      op: 'task.feedback',
    }),
    apiRoute({
      method: 'POST',
      path: '/tasks/:id/handoff',
      summary: 'Hand a task to another agent',
      tag: 'Tasks',
      role: 'operator',
      op: 'task.handoff',
    }),
    apiRoute({
      method: 'POST',
      path: '/team/runs',
      summary: 'Give the team a job: the orchestrator plans, delegates, verifies and answers',
      tag: 'Team',
      role: 'operator',
      op: 'team.run',
      status: 201,
    }),
    apiRoute({
      method: 'GET',
      path: '/team/runs/:id',
      summary: 'A team run: phases, subtasks and the answer',
      tag: 'Team',
      role: 'viewer',
      op: 'team.show',
    }),
    apiRoute({
      method: 'GET',
      path: '/memory/search',
      summary: "Search the team's tiered memory",
      tag: 'Memory',
      role: 'viewer',
      op: 'memory.team.search',
    }),
    apiRoute({
      method: 'GET',
      path: '/bus/messages',
      summary: 'Messages on the bus after a sequence number',
      tag: 'Bus',
      role: 'viewer',
      op: 'bus.messages',
    }),
    apiRoute({
      method: 'POST',
      path: '/bus/messages',
      summary: 'Send a message to an agent over the bus',
      tag: 'Bus',
      role: 'operator',
      op: 'bus.send',
      status: 201,
    }),
    apiRoute({
      method: 'GET',
      path: '/bus/stats',
      summary: 'Bus throughput, queue depths and the dead-letter count',
      tag: 'Bus',
      role: 'viewer',
      op: 'bus.stats',
    }),
    apiRoute({
      method: 'GET',
      path: '/bus/dlq',
      summary: 'Dead-lettered messages',
      tag: 'Bus',
      role: 'viewer',
      op: 'bus.dlq.list',
    }),
    apiRoute({
      method: 'GET',
      path: '/bus/dlq/:id',
      summary: 'One dead-lettered message with its failure history',
      tag: 'Bus',
      role: 'viewer',
      op: 'bus.dlq.show',
    }),
    apiRoute({
      method: 'POST',
      path: '/bus/dlq/:id/replay',
      summary: 'Put a dead-lettered message back on the bus',
      tag: 'Bus',
      role: 'operator',
      op: 'bus.dlq.replay',
    }),
    apiRoute({
      method: 'POST',
      path: '/bus/dlq/:id/drop',
      summary: 'Drop a dead-lettered message for good',
      tag: 'Bus',
      role: 'operator',
      op: 'bus.dlq.drop',
    }),
  ];
}

/**
 * @module Feedback on finished work (seed 002, Memory Signals & Learning): a person rates a task
 * 1-5, accepts it, corrects it or asks for a retry. Each becomes the seed's learning signal (so
 * the memories used for the task gain or lose utility), is recorded in the ledger under the
 * person, and a retry hands the same work out again — a team run as a new run, a plain task to
 * the same agent — with the reason attached.
 */
import { z } from 'zod';
import { AgentvisorError, type CallerRef, type Kernel } from '../core/index.js';
import type { Store } from '../store/index.js';

const SIGNAL_OF = {
  rate: 'user_rating',
  accept: 'user_acceptance',
  correct: 'user_correction',
  retry: 'task_retry',
} as const;

/** Registers `task.feedback`. */
export function registerFeedbackOperations(kernel: Kernel, store: Store): void {
  kernel.register({
    name: 'task.feedback',
    description:
      'Rates (1-5), accepts, corrects or retries a task; recorded as a learning signal, a retry runs it again.',
    effect: 'write',
    capability: 'task.submit',
    args: z
      .object({
        id: z.string().min(1).max(200),
        kind: z.enum(['rate', 'accept', 'correct', 'retry'], {
          error: 'kind: one of rate, accept, correct, retry',
        }),
        rating: z.number().int().min(1, 'rating: 1 to 5').max(5, 'rating: 1 to 5').optional(),
        note: z.string().trim().max(4000).optional(),
      })
      .strict()
      .superRefine((a, ctx) => {
        if (a.kind === 'rate' && a.rating === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['rating'],
            message: 'rating: 1 to 5 is required to rate',
          });
        }
        if (a.kind !== 'rate' && a.rating !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['rating'],
            message: 'rating: only with kind "rate"',
          });
        }
        if (a.kind === 'correct' && (a.note === undefined || a.note === '')) {
          ctx.addIssue({
            code: 'custom',
            path: ['note'],
            message: 'note: say what the right answer is',
          });
        }
      }),
    async handler(ctx, args) {
      const task = await store.db
        .selectFrom('tasks')
        .select(['id', 'agent_id', 'title', 'description', 'status', 'priority'])
        .where('id', '=', args.id)
        .executeTakeFirst();
      if (task === undefined) throw new AgentvisorError('NOT_FOUND', `no task with id ${args.id}`);
      const caller: CallerRef = { kind: ctx.principal.kind, id: ctx.principal.id };
      await ctx.kernel.call(caller, 'memory.team.signal', {
        type: SIGNAL_OF[args.kind],
        taskId: args.id,
        ...(args.rating === undefined ? {} : { rating: args.rating }),
        ...(args.note === undefined || args.note === '' ? {} : { note: args.note }),
      });
      let retry: { id: string } | undefined;
      if (args.kind === 'retry') {
        const run = await store.db
          .selectFrom('team_runs')
          .select('task_id')
          .where('task_id', '=', args.id)
          .executeTakeFirst();
        const again =
          args.note === undefined || args.note === '' ? '' : `\n\nRetry requested: ${args.note}`;
        if (run !== undefined) {
          retry = (
            await ctx.kernel.call<{ id: string }>(caller, 'team.run', {
              text: `${task.description || task.title}${again}`.slice(0, 64 * 1024),
              title: task.title,
            })
          ).result;
        } else {
          const agent =
            task.agent_id === null
              ? undefined
              : await store.db
                  .selectFrom('agent_runtime')
                  .select('agent_name')
                  .where('agent_id', '=', task.agent_id)
                  .executeTakeFirst();
          if (agent === undefined) {
            throw new AgentvisorError(
              'CONFLICT',
              `task ${args.id} has no agent to hand it to again; submit a new task instead`,
            );
          }
          retry = (
            await ctx.kernel.call<{ id: string }>(caller, 'task.submit', {
              agent: agent.agent_name,
              title: task.title,
              description: `${task.description}${again}`.slice(0, 64 * 1024),
              priority: task.priority,
              parentId: task.id,
            })
          ).result;
        }
      }
      return {
        task: args.id,
        kind: args.kind,
        signal: SIGNAL_OF[args.kind],
        retry: retry?.id ?? null,
      };
    },
    ledgerFacts: (args, result) => ({
      task: args.id,
      kind: args.kind,
      rating: args.rating ?? null,
      noted: args.note !== undefined && args.note !== '',
      retry: result?.retry ?? null,
    }),
  });
}

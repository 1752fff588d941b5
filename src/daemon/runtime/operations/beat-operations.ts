/**
 * @module Beat operations: the beat cursor, and the two writes that bracket a working beat.
 * `beat.plan` seals the thought and saves the plan before any action runs; `beat.complete`
 * settles the thought, finishes the goal when the plan said so, records tool outcomes in
 * procedural memory, acknowledges what the beat perceived and advances the cursor. Two recorded
 * operations per beat instead of one per step keeps a beat's fsyncs few.
 */
import { z } from 'zod';
import { AgentvisorError, isoTime, type Kernel } from '../../../core/index.js';
import { THOUGHT_STATUSES } from '../../../ledger/index.js';
import type { PersistedPlan, RuntimeState } from '../agent-ops.js';
import type { HostedAgent } from '../hosted-agent.js';
import { settleTask } from './goal-operations.js';
import { idArg, type OperationScope } from './operation-scope.js';

/** Largest thought kept; a longer model reply is cut here and says so. */
const MAX_THOUGHT_CHARS = 32 * 1024;

const plannedAction = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('tool'), tool: z.string(), args: z.record(z.string(), z.unknown()) }),
  z.object({ kind: z.literal('finish'), outcome: z.string().max(64 * 1024) }),
]);

const cursor = {
  beat: z.number().int().nonnegative(),
  lastCompletedBeat: z.number().int().nonnegative(),
  status: z.string().max(32),
  intervalMs: z.number().int().nonnegative(),
  metrics: z.record(z.string(), z.number()),
};

/** Registers the operations of this module. */
export function registerBeatOperations(kernel: Kernel, scope: OperationScope): void {
  const { store, records, self, clock } = scope;

  const saveCursor = async (
    agent: HostedAgent,
    state: Omit<RuntimeState, 'plan'>,
    plan: PersistedPlan | null,
  ) => {
    const row = {
      agent_name: agent.name,
      agent_id: agent.id,
      beat: state.beat,
      last_completed_beat: state.lastCompletedBeat,
      status: state.status,
      interval_ms: state.intervalMs,
      plan: plan === null ? null : JSON.stringify(plan),
      metrics: JSON.stringify(state.metrics),
      updated_at: isoTime(clock),
    };
    await store.db
      .insertInto('agent_runtime')
      .values(row)
      .onConflict((oc) => oc.column('agent_name').doUpdateSet(row))
      .execute();
  };

  kernel.register({
    name: 'agent.state.load',
    description: "The calling agent's beat cursor and the plan of an unfinished beat.",
    effect: 'read',
    capability: 'agent.self',
    args: z.object({}).strict(),
    async handler(ctx): Promise<RuntimeState | null> {
      const agent = self(ctx);
      const row = await store.db
        .selectFrom('agent_runtime')
        .selectAll()
        .where('agent_name', '=', agent.name)
        .executeTakeFirst();
      if (row === undefined) return null;
      return {
        beat: Number(row.beat),
        lastCompletedBeat: Number(row.last_completed_beat),
        status: row.status,
        intervalMs: row.interval_ms,
        plan: row.plan === null ? null : (JSON.parse(row.plan) as PersistedPlan),
        metrics: JSON.parse(row.metrics) as Record<string, number>,
      };
    },
  });

  kernel.register({
    name: 'agent.state.save',
    description: "Saves the calling agent's beat cursor and status (suspend, resume, terminate).",
    effect: 'write',
    capability: 'agent.self',
    args: z.object({ ...cursor, plan: z.null() }).strict(),
    async handler(ctx, state) {
      await saveCursor(self(ctx), state, null);
    },
    ledgerFacts: (state) => ({ beat: state.beat, status: state.status }),
  });

  kernel.register({
    name: 'beat.plan',
    description: "Seals a beat's thought and saves its plan, before any of its actions runs.",
    effect: 'write',
    capability: 'agent.self',
    args: z
      .object({
        ...cursor,
        goalId: idArg.nullable(),
        taskId: idArg.nullable(),
        thought: z.string().nullable(),
        actions: z.array(plannedAction).max(64),
      })
      .strict(),
    async handler(ctx, args): Promise<PersistedPlan> {
      const agent = self(ctx);
      let thoughtId: string | null = null;
      if (args.taskId !== null && args.thought !== null && args.thought.trim() !== '') {
        const active = await store.db
          .selectFrom('thoughts')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('agent_id', '=', agent.id)
          .where('status', 'in', ['pending', 'processing'])
          .executeTakeFirstOrThrow();
        if (Number(active.n) >= agent.maxActiveThoughts) {
          throw new AgentvisorError(
            'BUDGET_EXCEEDED',
            `${agent.name} has ${Number(active.n)} unfinished thoughts, the limit set by limits.max_active_thoughts (${agent.maxActiveThoughts}); finish or fail them first`,
          );
        }
        const content =
          args.thought.length > MAX_THOUGHT_CHARS
            ? `${args.thought.slice(0, MAX_THOUGHT_CHARS)}\n[thought cut at ${MAX_THOUGHT_CHARS} characters]`
            : args.thought;
        const row = await records.addThought(
          { taskId: args.taskId, content, agentId: agent.id },
          `agent:${agent.id}`,
        );
        thoughtId = row.id;
      }
      const plan: PersistedPlan = {
        beat: args.beat,
        goalId: args.goalId,
        taskId: args.taskId,
        thoughtId,
        actions: args.actions,
      };
      await saveCursor(agent, args, plan);
      return plan;
    },
    ledgerFacts: (args, plan) => ({
      beat: args.beat,
      actions: args.actions.length,
      ...(plan?.thoughtId == null ? {} : { thought: plan.thoughtId }),
    }),
  });

  kernel.register({
    name: 'beat.failed_thought',
    description: 'Records reasoning that could not be used (a model reply that failed repair).',
    effect: 'write',
    capability: 'agent.self',
    args: z.object({ taskId: idArg, content: z.string().min(1).max(MAX_THOUGHT_CHARS) }).strict(),
    async handler(ctx, args) {
      const agent = self(ctx);
      const row = await records.addThought(
        { taskId: args.taskId, content: args.content, agentId: agent.id },
        `agent:${agent.id}`,
      );
      await records.updateThought(row.id, 'failed', `agent:${agent.id}`);
      return { id: row.id };
    },
    ledgerFacts: (args) => ({ task: args.taskId }),
  });

  kernel.register({
    name: 'beat.complete',
    description:
      "Completes a beat: settles its thought, finishes its goal, learns its tools' outcomes, " +
      'acknowledges what it perceived, and advances the cursor.',
    effect: 'write',
    capability: 'agent.self',
    args: z
      .object({
        ...cursor,
        thoughtId: idArg.nullable(),
        thoughtStatus: z.enum(THOUGHT_STATUSES),
        finish: z.object({ goalId: idArg, outcome: z.string().max(64 * 1024) }).nullable(),
        outcomes: z
          .array(
            z.object({
              action: z.string().min(1).max(200),
              success: z.boolean(),
              durationMs: z.number().nonnegative(),
            }),
          )
          .max(64),
        acknowledge: z.array(idArg).max(500),
      })
      .strict(),
    async handler(ctx, args) {
      const agent = self(ctx);
      if (args.finish !== null) {
        const goal = await agent.goals.complete(args.finish.goalId, args.finish.outcome);
        await settleTask(scope, goal, 'completed', args.finish.outcome, agent);
      }
      if (args.thoughtId !== null) {
        const row = await store.db
          .selectFrom('thoughts')
          .select('agent_id')
          .where('id', '=', args.thoughtId)
          .executeTakeFirst();
        if (row?.agent_id === agent.id) {
          await records.updateThought(args.thoughtId, args.thoughtStatus, `agent:${agent.id}`);
        }
      }
      for (const o of args.outcomes) {
        await agent.memory.recordOutcome(agent.id, o.action, {
          success: o.success,
          durationMs: o.durationMs,
        });
      }
      await scope.inbox.ack(agent.name, args.acknowledge);
      await saveCursor(agent, args, null);
    },
    ledgerFacts: (args) => ({
      beat: args.beat,
      ...(args.finish === null ? {} : { finished: args.finish.goalId }),
      acknowledged: args.acknowledge.length,
    }),
  });
}

/**
 * @module The kernel operations behind an agent's heartbeat: beat cursor, inbox, goals, memory,
 * thoughts, tools and tasks. Each runs through the gate with the agent as principal, so every
 * step of an agent's work is authorised, limited and recorded like any other side effect.
 * Handlers find "their" agent from the principal, never from arguments: an agent cannot act
 * on another agent's goals, memory or inbox by naming it.
 */
import { z } from 'zod';
import {
  AgentvisorError,
  type Clock,
  isoTime,
  type Kernel,
  type OperationContext,
  systemClock,
} from '../../core/index.js';
import { canonicalJson, type SealedRecords, THOUGHT_STATUSES } from '../../ledger/index.js';
import type { Store } from '../../store/index.js';
import type { Goal } from '../agent/index.js';
import type { GoalView, ToolView, TranscriptTurn } from '../deliberation/decision.js';
import { TASK_SUBJECT_PREFIX } from '../perception/inbox-source.js';
import type { ToolRegistry, ToolServices } from '../tools/index.js';
import type { PersistedPlan, RuntimeState, ToolCallOutcome } from './agent-ops.js';
import type { HostedAgent, HostedAgents } from './hosted-agent.js';
import type { Inbox } from './inbox.js';
import type { ToolJournal } from './tool-journal.js';

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
}

/** Largest thought kept; a longer model reply is cut here and says so. */
const MAX_THOUGHT_CHARS = 32 * 1024;
/** Largest tool output handed back to a model in a transcript. */
const MAX_TRANSCRIPT_OUTPUT = 16 * 1024;

const id = z.string().min(1).max(200);

/** Registers the operations; see the module comment. */
export function registerDaemonOperations(kernel: Kernel, services: DaemonOperationServices): void {
  const clock = services.clock ?? systemClock;
  const { store, inbox, journal, records, tools } = services;
  const self = (ctx: OperationContext): HostedAgent => {
    const agent =
      ctx.principal.kind === 'agent' ? services.agents.byId(ctx.principal.id) : undefined;
    if (agent === undefined) {
      throw new AgentvisorError(
        'POLICY_DENIED',
        `${ctx.principal.kind}:${ctx.principal.id} is not an agent hosted here; only agents call this operation`,
      );
    }
    return agent;
  };
  const toolServices = toolServicesFor(services);

  // -- beat cursor ---------------------------------------------------------------------------
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

  const plannedAction = z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('tool'),
      tool: z.string(),
      args: z.record(z.string(), z.unknown()),
    }),
    z.object({ kind: z.literal('finish'), outcome: z.string() }),
  ]);
  kernel.register({
    name: 'agent.state.save',
    description: "Saves the calling agent's beat cursor (durably, before the plan's effects).",
    effect: 'write',
    capability: 'agent.self',
    args: z
      .object({
        beat: z.number().int().nonnegative(),
        lastCompletedBeat: z.number().int().nonnegative(),
        status: z.string().max(32),
        intervalMs: z.number().int().nonnegative(),
        plan: z
          .object({
            beat: z.number().int().nonnegative(),
            goalId: id.nullable(),
            taskId: id.nullable(),
            thoughtId: id.nullable(),
            actions: z.array(plannedAction).max(64),
          })
          .nullable(),
        metrics: z.record(z.string(), z.number()),
      })
      .strict(),
    async handler(ctx, state) {
      const agent = self(ctx);
      const row = {
        agent_name: agent.name,
        agent_id: agent.id,
        beat: state.beat,
        last_completed_beat: state.lastCompletedBeat,
        status: state.status,
        interval_ms: state.intervalMs,
        plan: state.plan === null ? null : JSON.stringify(state.plan),
        metrics: JSON.stringify(state.metrics),
        updated_at: isoTime(clock),
      };
      await store.db
        .insertInto('agent_runtime')
        .values(row)
        .onConflict((oc) => oc.column('agent_name').doUpdateSet(row))
        .execute();
    },
    ledgerFacts: (state) => ({ beat: state.beat, planned: state.plan?.actions.length ?? 0 }),
  });

  // -- inbox ---------------------------------------------------------------------------------
  kernel.register({
    name: 'message.receive',
    description: "Unacknowledged messages in the calling agent's inbox, oldest first.",
    effect: 'read',
    capability: 'agent.self',
    args: z.object({ limit: z.number().int().min(1).max(500) }).strict(),
    handler: (ctx, args) => inbox.open(self(ctx).name, args.limit),
  });
  kernel.register({
    name: 'message.ack',
    description: 'Acknowledges messages the calling agent has taken in.',
    effect: 'write',
    capability: 'agent.self',
    args: z.object({ ids: z.array(id).max(500) }).strict(),
    handler: (ctx, args) => inbox.ack(self(ctx).name, args.ids),
    ledgerFacts: (args) => ({ count: args.ids.length }),
  });
  kernel.register({
    name: 'message.send',
    description: 'Sends a message to an agent hosted here.',
    effect: 'write',
    capability: 'message.send',
    args: z
      .object({
        to: z.string().min(1).max(64),
        body: z.string().min(1),
        subject: z.string().max(200).optional(),
      })
      .strict(),
    async handler(ctx, args) {
      requireAgent(services.agents, args.to, 'to');
      const from = ctx.principal.name ?? `${ctx.principal.kind}:${ctx.principal.id}`;
      const sent = await inbox.send(from, args.to, args.body, {
        ...(args.subject === undefined ? {} : { subject: args.subject }),
      });
      services.onDelivered?.(args.to);
      return { id: sent.id };
    },
    ledgerFacts: (args, result) => ({ to: args.to, message: result?.id }),
  });

  // -- tasks ---------------------------------------------------------------------------------
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
      })
      .strict(),
    async handler(ctx, args) {
      const agent = requireAgent(services.agents, args.agent, 'agent');
      const actor = `${ctx.principal.kind}:${ctx.principal.id}`;
      const task = await records.createTask(
        {
          title: args.title,
          description: args.description,
          priority: args.priority,
          agentId: agent.id,
        },
        actor,
      );
      await records.updateTask(task.id, { status: 'assigned' }, actor);
      await inbox.send(
        ctx.principal.name ?? actor,
        agent.name,
        args.description === '' ? args.title : `${args.title}\n\n${args.description}`,
        { subject: `${TASK_SUBJECT_PREFIX}${task.id}` },
      );
      services.onDelivered?.(agent.name);
      return { id: task.id, agent: agent.name, status: 'assigned' };
    },
    ledgerFacts: (args, result) => ({ agent: args.agent, task: result?.id }),
  });

  kernel.register({
    name: 'task.get',
    description: 'A task with its goals, thoughts and tool calls.',
    effect: 'read',
    capability: 'task.read',
    args: z.object({ id }).strict(),
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

  // -- goals ---------------------------------------------------------------------------------
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
    args: z.object({ taskId: id }).strict(),
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
    name: 'goal.complete',
    description:
      "Completes one of the calling agent's goals; a task's root goal completes the task.",
    effect: 'write',
    capability: 'agent.self',
    args: z.object({ goalId: id, outcome: z.string().max(64 * 1024) }).strict(),
    async handler(ctx, args) {
      const agent = self(ctx);
      const goal = await agent.goals.complete(args.goalId, args.outcome);
      await settleTask(goal, 'completed', args.outcome, agent);
    },
    ledgerFacts: (args) => ({ goal: args.goalId }),
  });
  kernel.register({
    name: 'goal.abandon',
    description: "Abandons one of the calling agent's goals; a task's root goal fails the task.",
    effect: 'write',
    capability: 'agent.self',
    args: z.object({ goalId: id, reason: z.string().min(1).max(4096) }).strict(),
    async handler(ctx, args) {
      const agent = self(ctx);
      const goal = await agent.goals.abandon(args.goalId, args.reason);
      await settleTask(goal, 'failed', args.reason, agent);
    },
    ledgerFacts: (args) => ({ goal: args.goalId }),
  });
  kernel.register({
    name: 'goal.attempt',
    description: "Counts an attempt at one of the calling agent's goals.",
    effect: 'write',
    capability: 'agent.self',
    args: z.object({ goalId: id }).strict(),
    async handler(ctx, args) {
      await self(ctx).goals.attempt(args.goalId);
    },
  });
  kernel.register({
    name: 'goal.transcript',
    description: 'The tool calls made for a goal so far, grouped by beat, for deliberation.',
    effect: 'read',
    capability: 'agent.self',
    args: z.object({ goalId: id }).strict(),
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

  async function settleTask(
    goal: Goal,
    status: 'completed' | 'failed',
    result: string,
    agent: HostedAgent,
  ): Promise<void> {
    if (goal.parentId !== null) return;
    const taskId = await taskOf(store, goal.id);
    if (taskId !== null) {
      await records.updateTask(taskId, { status, result }, `agent:${agent.id}`);
    }
  }

  // -- memory --------------------------------------------------------------------------------
  kernel.register({
    name: 'memory.put_many',
    description: "Stores items in the calling agent's memory.",
    effect: 'write',
    capability: 'agent.self',
    args: z
      .object({
        items: z
          .array(
            z.object({
              component: z.enum(['episodic', 'semantic']),
              content: z
                .string()
                .min(1)
                .max(64 * 1024),
            }),
          )
          .min(1)
          .max(64),
      })
      .strict(),
    async handler(ctx, args) {
      const agent = self(ctx);
      for (const item of args.items) await agent.memory.put(agent.id, item);
    },
    ledgerFacts: (args) => ({ items: args.items.length }),
  });
  kernel.register({
    name: 'memory.search',
    description: "Searches the calling agent's memory.",
    effect: 'read',
    capability: 'agent.self',
    args: z
      .object({ query: z.string().max(4096), limit: z.number().int().min(1).max(50) })
      .strict(),
    async handler(ctx, args) {
      if (args.query.trim() === '') return [];
      const agent = self(ctx);
      const hits = await agent.memory.search(agent.id, args.query, { limit: args.limit });
      return hits.map((h) => ({ component: h.component, content: h.content }));
    },
  });
  kernel.register({
    name: 'memory.outcome',
    description: "Records an action's outcome in the calling agent's procedural memory.",
    effect: 'write',
    record: 'after-reply',
    capability: 'agent.self',
    args: z
      .object({
        action: z.string().min(1).max(200),
        success: z.boolean(),
        durationMs: z.number().nonnegative(),
      })
      .strict(),
    async handler(ctx, args) {
      const agent = self(ctx);
      await agent.memory.recordOutcome(agent.id, args.action, {
        success: args.success,
        durationMs: args.durationMs,
      });
    },
    ledgerFacts: (args) => ({ action: args.action, success: args.success }),
  });

  // -- thoughts ------------------------------------------------------------------------------
  kernel.register({
    name: 'thought.add',
    description: 'Records a thought of the calling agent under a task (sealed, tamper-evident).',
    effect: 'write',
    capability: 'agent.self',
    args: z.object({ taskId: id, content: z.string().min(1) }).strict(),
    async handler(ctx, args) {
      const agent = self(ctx);
      const content =
        args.content.length > MAX_THOUGHT_CHARS
          ? `${args.content.slice(0, MAX_THOUGHT_CHARS)}\n[thought cut at ${MAX_THOUGHT_CHARS} characters]`
          : args.content;
      const row = await records.addThought(
        { taskId: args.taskId, content, agentId: agent.id },
        `agent:${agent.id}`,
      );
      return { id: row.id };
    },
    ledgerFacts: (args, result) => ({ task: args.taskId, thought: result?.id }),
  });
  kernel.register({
    name: 'thought.update',
    description: "Moves one of the calling agent's thoughts to another status.",
    effect: 'write',
    capability: 'agent.self',
    args: z.object({ id, status: z.enum(THOUGHT_STATUSES) }).strict(),
    async handler(ctx, args) {
      const agent = self(ctx);
      const row = await store.db
        .selectFrom('thoughts')
        .select('agent_id')
        .where('id', '=', args.id)
        .executeTakeFirst();
      if (row === undefined || row.agent_id !== agent.id) {
        throw new AgentvisorError('NOT_FOUND', `no thought ${args.id} of ${agent.name}`);
      }
      await records.updateThought(args.id, args.status, `agent:${agent.id}`);
    },
    ledgerFacts: (args) => ({ thought: args.id, status: args.status }),
  });

  // -- tools ---------------------------------------------------------------------------------
  kernel.register({
    name: 'tool.list',
    description: 'The tools the calling agent may call, with their argument schemas.',
    effect: 'read',
    capability: 'agent.self',
    args: z.object({}).strict(),
    handler(ctx): ToolView[] {
      return tools.list(self(ctx).tools).map((t) => ({
        name: t.name,
        description: t.description,
        inputSchema: t.inputSchema,
      }));
    },
  });
  kernel.register({
    name: 'tool.call',
    description:
      'Runs a tool for the calling agent, once per idempotency key: the key is journalled before ' +
      'the tool runs, and a call already done is answered from the journal.',
    effect: 'write',
    capability: 'tool.call',
    args: z
      .object({
        tool: z.string().min(1).max(200),
        args: z.record(z.string(), z.unknown()),
        key: z.string().regex(/^[A-Za-z0-9_-]{1,200}$/, 'letters, digits, _ and - (1-200)'),
        taskId: id.nullable(),
        goalId: id.nullable(),
        beat: z.number().int().nonnegative(),
        position: z.number().int().nonnegative(),
      })
      .strict(),
    async handler(ctx, call): Promise<ToolCallOutcome> {
      const agent = self(ctx);
      const allowed = tools.list(agent.tools).some((t) => t.name === call.tool);
      if (!allowed) {
        throw new AgentvisorError(
          'POLICY_DENIED',
          tools.has(call.tool)
            ? `tool ${call.tool} is not granted to ${agent.name}; granted: ${agent.tools.join(', ') || '(none)'}`
            : `no tool named ${call.tool}; ${agent.name} may call: ${
                tools
                  .list(agent.tools)
                  .map((t) => t.name)
                  .join(', ') || '(none)'
              }`,
          { details: { tool: call.tool } },
        );
      }
      const parsed = tools.validate(call.tool, call.args);
      const admission = await journal.begin({
        key: call.key,
        agentId: agent.id,
        taskId: call.taskId,
        goalId: call.goalId,
        beat: call.beat,
        position: call.position,
        tool: call.tool,
        args: canonicalJson(call.args),
      });
      if (admission.state === 'done') {
        const result = admission.result as { content?: string; data?: unknown } | null;
        return { ok: true, output: result?.content ?? '', data: result?.data, replayed: true };
      }
      if (admission.state === 'failed') {
        return { ok: false, output: admission.message, code: admission.code, replayed: true };
      }
      const definition = tools.get(call.tool);
      if (definition === undefined) {
        throw new AgentvisorError('NOT_FOUND', `tool ${call.tool} disappeared while being called`);
      }
      try {
        const result = await definition.run(
          {
            agentId: agent.id,
            scopes: agent.scopes,
            services: toolServices(agent),
            signal: AbortSignal.timeout(10 * 60_000),
            idempotencyKey: call.key,
          },
          parsed,
        );
        await journal.finish(call.key, result);
        return { ok: true, output: result.content, data: result.data, replayed: false };
      } catch (error) {
        const failure =
          error instanceof AgentvisorError
            ? error
            : new AgentvisorError('TOOL_FAILED', `tool ${call.tool} failed unexpectedly`, {
                cause: error,
              });
        await journal.fail(call.key, failure.code, failure.message);
        throw failure;
      }
    },
    ledgerFacts: (call, result) => ({
      tool: call.tool,
      key: call.key,
      ...(result === undefined ? {} : { ok: result.ok, replayed: result.replayed }),
    }),
  });

  kernel.register({
    name: 'agent.directive.amend',
    description: "Amends a mutable directive of an agent's constitution (immutable ones refuse).",
    effect: 'write',
    capability: 'agent.govern',
    args: z
      .object({
        agent: z.string().min(1).max(64),
        directive: z.string().min(1).max(64),
        text: z.string().min(1).max(4096),
        priority: z.number().int().min(0).optional(),
      })
      .strict(),
    handler(_ctx, args) {
      const agent = requireAgent(services.agents, args.agent, 'agent');
      agent.constitution = agent.constitution.amend(args.directive, args.text, {
        ...(args.priority === undefined ? {} : { priority: args.priority }),
      });
      return { digest: agent.constitution.digest() };
    },
    ledgerFacts: (args, result) => ({
      agent: args.agent,
      directive: args.directive,
      ...(result === undefined ? {} : { digest: result.digest }),
    }),
  });
}

function requireAgent(agents: HostedAgents, name: string, field: string): HostedAgent {
  const agent = agents.byName(name);
  if (agent === undefined) {
    throw new AgentvisorError('NOT_FOUND', `${field}: no agent named "${name}" is defined`, {
      details: { [field]: name },
    });
  }
  return agent;
}

async function taskOf(store: Store, goalId: string): Promise<string | null> {
  const row = await store.db
    .selectFrom('goal_tasks')
    .select('task_id')
    .where('goal_id', '=', goalId)
    .executeTakeFirst();
  return row?.task_id ?? null;
}

/** The services built-in tools (memory.*, message.send, goal.*) use, bound to the store. */
function toolServicesFor(services: DaemonOperationServices): (agent: HostedAgent) => ToolServices {
  const { store, inbox } = services;
  return (agent) => ({
    memory: {
      async put(agentId, item) {
        const stored = await agent.memory.put(agentId, item);
        return { id: stored.id };
      },
      async search(agentId, query, options) {
        const hits = await agent.memory.search(agentId, query, {
          ...(options?.limit === undefined ? {} : { limit: options.limit }),
          ...(options?.components === undefined ? {} : { components: options.components as never }),
        });
        return hits.map((h) => ({
          id: h.id,
          component: h.component,
          content: h.content,
          score: h.score,
        }));
      },
    },
    messages: {
      async send(_from, to, body, options) {
        requireAgent(services.agents, to, 'to');
        const sent = await inbox.send(agent.name, to, body, options);
        services.onDelivered?.(to);
        return { id: sent.id };
      },
    },
    goals: {
      async push(_agentId, goal) {
        const parentId = goal.parentId ?? (await agent.goals.current())?.id ?? null;
        const pushed = await agent.goals.push({
          description:
            goal.description === undefined ? goal.title : `${goal.title}\n${goal.description}`,
          ...(goal.priority === undefined ? {} : { priority: goal.priority }),
          parentId,
        });
        const taskId = parentId === null ? null : await taskOf(store, parentId);
        if (taskId !== null) {
          await store.db
            .insertInto('goal_tasks')
            .values({ goal_id: pushed.id, task_id: taskId, agent_id: agent.id })
            .execute();
        }
        return { id: pushed.id };
      },
      async complete(_agentId, goalId, outcome) {
        await agent.goals.complete(goalId, outcome);
      },
    },
  });
}

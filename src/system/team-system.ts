/**
 * @module The team of a running system: the orchestrator over the configured role agents, its
 * runs in the data layer, and the kernel operations people use to work with it: `team.run`,
 * `team.show`, `task.list` and `task.cancel`. The orchestrator acts at the gate as
 * `system:orchestrator`, so its model calls and the subtasks it hands out are recorded in its
 * name.
 */
import { z } from 'zod';
import { AgentvisorError, type CallerRef, type Kernel, type TeamConfig } from '../core/index.js';
import { type AgentHost, TASK_SUBJECT_PREFIX } from '../daemon/index.js';
import { type SealedRecords, taskResultText } from '../ledger/index.js';
import {
  ALGORITHM_PHASES,
  type MemoryActor,
  SIGNAL_TYPES,
  type TeamMemory,
} from '../memory/index.js';
import type { ApprovalQueue } from '../policy/index.js';
import type { Store } from '../store/index.js';
import { Orchestrator, type RunEvent, TeamRunStore } from '../team/index.js';
import type { HookSystem } from './hook-system.js';
import type { PrincipalDirectory } from './principal-directory.js';

/** The orchestrator's identity at the gate. */
export const ORCHESTRATOR: CallerRef = { kind: 'system', id: 'orchestrator' };

/** The team side of a running system. */
export interface TeamSystem {
  readonly orchestrator: Orchestrator;
  readonly runs: TeamRunStore;
  readonly memory: TeamMemory;
}

/** Options for {@link openTeamSystem}. */
export interface TeamSystemOptions {
  readonly kernel: Kernel;
  readonly store: Store;
  readonly records: SealedRecords;
  readonly agents: AgentHost;
  readonly approvals: ApprovalQueue;
  readonly principals: PrincipalDirectory;
  readonly config: TeamConfig;
  /** UserPromptSubmit, Stop and SubagentStop hooks. */
  readonly hooks?: HookSystem;
  /** Team memory: where the orchestrator recalls and files learnings. */
  readonly memory: TeamMemory;
  readonly onEvent?: (event: RunEvent) => void;
}

const TASK_STATUSES = [
  'pending',
  'assigned',
  'in_progress',
  'waiting_approval',
  'completed',
  'failed',
  'cancelled',
] as const;

/** Builds the orchestrator and registers the team operations. */
export function openTeamSystem(options: TeamSystemOptions): TeamSystem {
  const { kernel, store, records, agents, approvals, memory } = options;
  options.principals.register({
    ...ORCHESTRATOR,
    name: 'orchestrator',
    capabilities: new Set([
      'llm.use',
      'task.submit',
      'task.read',
      'message.send',
      'bus.send',
      'memory.read',
      'memory.write',
    ]),
  });
  const runs = new TeamRunStore(store, kernel.clock);
  const orchestrator = new Orchestrator({
    kernel,
    principal: ORCHESTRATOR,
    store,
    records,
    runs,
    config: options.config,
    team: 'default',
    roster: () =>
      agents.list().map((a) => {
        const def = agents.definition(a.name);
        return { id: a.id, name: a.name, role: def.role, description: def.description };
      }),
    approvals: {
      async request(run, plan) {
        const item = await approvals.request({
          kind: 'task',
          agentId: ORCHESTRATOR.id,
          agent: 'orchestrator',
          summary: `run "${run.state.text.slice(0, 120)}": ${plan.subtasks.length} subtasks (${plan.subtasks.map((t) => t.role).join(', ')})`,
          request: { run: run.taskId, plan },
          requestedBy: `${ORCHESTRATOR.kind}:${ORCHESTRATOR.id}`,
          ttlSeconds: options.config.approval_ttl_seconds,
        });
        return item.id;
      },
      async status(id) {
        return (await approvals.get(id)).status;
      },
    },
    // Through the gate like every memory write, so learnings are recorded in the orchestrator's name.
    memory: {
      async recall(text) {
        const { result } = await kernel.call<{
          items: { phase: string | null; content: string }[];
        }>(ORCHESTRATOR, 'memory.team.search', { query: text, limit: 5 });
        return result.items.map((h) => `(${h.phase ?? 'learn'}) ${h.content}`);
      },
      async learn({ runId, phase, content, success }) {
        await kernel.call(ORCHESTRATOR, 'memory.team.put', {
          learning: true,
          phase,
          scope: 'global',
          content,
          taskId: runId,
        });
        // The outcome moves the utility of what the run used and wrote.
        await kernel.call(ORCHESTRATOR, 'memory.team.signal', {
          type: success ? 'task_success' : 'task_failure',
          taskId: runId,
        });
      },
    },
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
  });
  registerTeamMemoryOperations(kernel, memory, agents);
  const hooks = options.hooks;
  if (hooks !== undefined) {
    orchestrator.onEvent((event) => {
      if (event.kind === 'subtask') {
        hooks.notify('SubagentStop', {
          agent: event.agent,
          taskId: event.taskId,
          outcome: event.status,
        });
      } else if (
        event.kind === 'status' &&
        ['completed', 'failed', 'cancelled'].includes(event.status)
      ) {
        hooks.notify('Stop', {
          agent: 'orchestrator',
          taskId: event.runId,
          outcome: event.status as 'completed' | 'failed' | 'cancelled',
        });
      }
    });
  }

  // A person's answer to an agent's question goes to the agent's inbox (and wakes it).
  approvals.onChange((item) => {
    if (item.kind !== 'question' || item.status === 'pending') return;
    const hosted = agents.byId(item.agentId);
    if (hosted === undefined) return;
    const answer =
      item.status === 'approved'
        ? `${typeof item.response?.['answer'] === 'string' ? item.response['answer'] : '(no answer text)'}`
        : `(no answer: ${item.status}${item.decisionReason === null ? '' : `, ${item.decisionReason}`})`;
    agents.inbox
      .send(
        item.decidedBy ?? 'system:agentvisor',
        hosted.name,
        `Answer to "${String(item.request['question'])}": ${answer}`,
        {
          subject: `answer:${item.id}`,
          id: item.id,
        },
      )
      .then(() => agents.spawned(hosted.name)?.daemon.wake())
      .catch(() => {
        // The item stays decided and listed; the agent can be told again from there.
      });
  });

  // A decided task approval wakes its run, wherever the decision came from.
  approvals.onChange((item) => {
    const runId = item.request['run'];
    if (item.kind === 'task' && item.status !== 'pending' && typeof runId === 'string') {
      orchestrator.start(runId);
    }
  });

  kernel.register({
    name: 'team.run',
    description:
      'Hands a task to the team: the orchestrator plans it, splits it among role agents, verifies and learns.',
    effect: 'write',
    capability: 'task.submit',
    args: z
      .object({
        text: z
          .string()
          .trim()
          .min(1, 'say what the team should do')
          .max(64 * 1024),
        title: z.string().trim().min(1).max(500).optional(),
        priority: z.number().int().min(1).max(10).optional(),
        requireApproval: z.boolean().optional(),
      })
      .strict(),
    async handler(_ctx, args) {
      const id = await orchestrator.submit(args.text, {
        ...(args.title === undefined ? {} : { title: args.title }),
        ...(args.priority === undefined ? {} : { priority: args.priority }),
        ...(args.requireApproval === undefined ? {} : { requireApproval: args.requireApproval }),
      });
      hooks?.notify('UserPromptSubmit', { taskId: id, text: args.text });
      return { id };
    },
    ledgerFacts: (_args, result) => (result === undefined ? {} : { task: result.id }),
  });

  kernel.register({
    name: 'team.show',
    description: 'A team run: its status, phase, plan, every phase step and its subtasks.',
    effect: 'read',
    capability: 'task.read',
    args: z.object({ id: z.string().min(1).max(200) }).strict(),
    async handler(_ctx, args) {
      const run = await runs.get(args.id);
      if (run === undefined) {
        throw new AgentvisorError('NOT_FOUND', `no team run with id ${args.id}`);
      }
      const subtasks = await runs.subtasks(args.id);
      const rows =
        subtasks.length === 0
          ? []
          : await store.db
              .selectFrom('tasks')
              .select(['id', 'status', 'result'])
              .where(
                'id',
                'in',
                subtasks.map((s) => s.taskId),
              )
              .execute();
      const byId = new Map(rows.map((r) => [r.id, r]));
      const task = await store.db
        .selectFrom('tasks')
        .select(['status', 'result'])
        .where('id', '=', args.id)
        .executeTakeFirst();
      return {
        run,
        task:
          task === undefined ? null : { status: task.status, result: taskResultText(task.result) },
        steps: await runs.steps(args.id),
        subtasks: subtasks.map((s) => ({
          ...s,
          status: byId.get(s.taskId)?.status ?? 'pending',
          result: taskResultText(byId.get(s.taskId)?.result ?? null),
        })),
      };
    },
  });

  kernel.register({
    name: 'task.list',
    description: 'Tasks, newest first, filtered by status, agent or parent; cursor pagination.',
    effect: 'read',
    capability: 'task.read',
    args: z
      .object({
        status: z
          .enum(TASK_STATUSES, { error: `status: one of ${TASK_STATUSES.join(', ')}` })
          .optional(),
        agent: z.string().min(1).max(64).optional(),
        parentId: z.string().min(1).max(200).optional(),
        limit: z.number().int().min(1).max(500).default(50),
        /** The id of the last task of the previous page. */
        before: z.string().min(1).max(200).optional(),
      })
      .strict(),
    async handler(_ctx, args) {
      let query = store.db
        .selectFrom('tasks')
        .select([
          'id',
          'parent_id',
          'agent_id',
          'title',
          'status',
          'priority',
          'created_at',
          'updated_at',
        ]);
      if (args.status !== undefined) query = query.where('status', '=', args.status);
      if (args.agent !== undefined) {
        const agent = agents.require(args.agent);
        query = query.where('agent_id', '=', agent.id);
      }
      if (args.parentId !== undefined) query = query.where('parent_id', '=', args.parentId);
      // UUIDv7 ids sort by creation time, so the id is the cursor.
      if (args.before !== undefined) query = query.where('id', '<', args.before);
      const rows = await query
        .orderBy('id', 'desc')
        .limit(args.limit + 1)
        .execute();
      const page = rows.slice(0, args.limit);
      const names = new Map(agents.list().map((a) => [a.id, a.name]));
      return {
        tasks: page.map((r) => ({
          id: r.id,
          parentId: r.parent_id,
          agent: r.agent_id === null ? null : (names.get(r.agent_id) ?? r.agent_id),
          title: r.title,
          status: r.status,
          priority: Number(r.priority),
          createdAt: r.created_at,
          updatedAt: r.updated_at,
        })),
        next: rows.length > args.limit ? (page.at(-1)?.id ?? null) : null,
      };
    },
  });

  kernel.register({
    name: 'task.handoff',
    description:
      'Moves ownership of an open task to another agent (seed 002 handoff); recorded with who, whom and why.',
    effect: 'write',
    capability: 'task.submit',
    args: z
      .object({
        id: z.string().min(1).max(200),
        to: z.string().min(1).max(64),
        reason: z.string().trim().min(1, 'say why (the ledger records it)').max(2000),
      })
      .strict(),
    async handler(ctx, args) {
      const task = await store.db
        .selectFrom('tasks')
        .select(['status', 'agent_id', 'title', 'description'])
        .where('id', '=', args.id)
        .executeTakeFirst();
      if (task === undefined) throw new AgentvisorError('NOT_FOUND', `no task with id ${args.id}`);
      if (['completed', 'failed', 'cancelled'].includes(task.status)) {
        throw new AgentvisorError('CONFLICT', `task ${args.id} already ended ${task.status}`);
      }
      const to = agents.require(args.to);
      if (to.id === task.agent_id) {
        throw new AgentvisorError('CONFLICT', `task ${args.id} is already ${args.to}'s`);
      }
      const from =
        task.agent_id === null ? null : (agents.byId(task.agent_id)?.name ?? task.agent_id);
      const actor = `${ctx.principal.kind}:${ctx.principal.id}`;
      await records.updateTask(args.id, { agentId: to.id, status: 'assigned' }, actor);
      await store.db
        .updateTable('team_subtasks')
        .set({ agent: to.name })
        .where('task_id', '=', args.id)
        .execute();
      await agents.inbox.send(
        from ?? actor,
        to.name,
        `${task.title}\n\nHanded over${from === null ? '' : ` from ${from}`}: ${args.reason}${task.description === '' ? '' : `\n\n${task.description}`}`,
        { subject: `${TASK_SUBJECT_PREFIX}${args.id}` },
      );
      agents.spawned(to.name)?.daemon.wake();
      return { id: args.id, from, to: to.name };
    },
    ledgerFacts: (args, result) => ({
      task: args.id,
      to: args.to,
      reason: args.reason,
      ...(result === undefined ? {} : { from: result.from }),
    }),
  });

  kernel.register({
    name: 'task.cancel',
    description: 'Cancels a task (a team run cancels its open subtasks too).',
    effect: 'write',
    capability: 'task.submit',
    args: z
      .object({
        id: z.string().min(1).max(200),
        reason: z.string().trim().min(1, 'say why (the ledger records it)').max(2000),
      })
      .strict(),
    async handler(ctx, args) {
      if ((await runs.get(args.id)) !== undefined) {
        const run = await orchestrator.cancel(args.id, args.reason);
        return { id: args.id, status: run.status };
      }
      const task = await store.db
        .selectFrom('tasks')
        .select(['status'])
        .where('id', '=', args.id)
        .executeTakeFirst();
      if (task === undefined) throw new AgentvisorError('NOT_FOUND', `no task with id ${args.id}`);
      if (['completed', 'failed', 'cancelled'].includes(task.status)) {
        throw new AgentvisorError('CONFLICT', `task ${args.id} already ended ${task.status}`);
      }
      await records.updateTask(
        args.id,
        { status: 'cancelled', result: `cancelled: ${args.reason}` },
        `${ctx.principal.kind}:${ctx.principal.id}`,
      );
      return { id: args.id, status: 'cancelled' };
    },
    ledgerFacts: (args) => ({ task: args.id, reason: args.reason }),
  });

  return { orchestrator, runs, memory };
}

/** The orchestrator as a memory actor. */
const ORCHESTRATOR_ACTOR: MemoryActor = { agent: 'orchestrator', roles: ['orchestrator'] };

/** Who a caller is to team memory's scope rules: an agent by name and role, else its actor. */
function memoryActor(principal: CallerRef & { name?: string }, agents: AgentHost): MemoryActor {
  if (principal.kind === 'agent') {
    const hosted = agents.byId(principal.id);
    if (hosted !== undefined) {
      return { agent: hosted.name, roles: [agents.definition(hosted.name).role] };
    }
  }
  if (principal.kind === 'system' && principal.id === ORCHESTRATOR.id) return ORCHESTRATOR_ACTOR;
  // People and keys act under their kind and a name the scope rules can spell (`human.alice`).
  return {
    agent: `${principal.kind}.${principal.id}`
      .toLowerCase()
      .replace(/[^a-z0-9._@-]/g, '-')
      .slice(0, 128),
    roles: [principal.kind],
  };
}

const scopeArg = z
  .string()
  .regex(
    /^(global|agent:[A-Za-z0-9._-]+|team:[A-Za-z0-9._-]+)$/,
    'global, agent:NAME or team:NAME',
  );

/** `memory.team.put`, `.search`, `.learnings` and `.signal`: team memory through the gate. */
function registerTeamMemoryOperations(kernel: Kernel, memory: TeamMemory, agents: AgentHost) {
  kernel.register({
    name: 'memory.team.put',
    description: 'Stores an item (or a learning of an algorithm phase) in team memory.',
    effect: 'write',
    capability: 'memory.write',
    args: z
      .object({
        scope: scopeArg.optional(),
        content: z
          .string()
          .min(1)
          .max(64 * 1024),
        context: z
          .string()
          .max(64 * 1024)
          .optional(),
        tags: z.array(z.string().min(1).max(100)).max(50).optional(),
        importance: z.number().min(0).max(1).optional(),
        taskId: z.string().min(1).max(200).optional(),
        phase: z.enum(ALGORITHM_PHASES).optional(),
        learning: z.boolean().default(false),
      })
      .strict(),
    async handler(ctx, { learning, ...input }) {
      const actor = memoryActor(ctx.principal, agents);
      const clean = Object.fromEntries(
        Object.entries(input).filter(([, v]) => v !== undefined),
      ) as typeof input;
      if (learning) {
        if (clean.phase === undefined) {
          throw new AgentvisorError('INPUT_INVALID', 'phase: a learning names its algorithm phase');
        }
        return memory.putLearning(actor, { ...clean, phase: clean.phase } as never);
      }
      return memory.put(actor, clean as never);
    },
    ledgerFacts: (args, result) => ({
      scope: args.scope ?? 'private',
      ...(result === undefined ? {} : { memory: result.id, duplicate: result.duplicate }),
    }),
  });
  kernel.register({
    name: 'memory.team.search',
    description: 'Searches team memory (hot, warm and cold) in the scopes the caller may read.',
    effect: 'read',
    capability: 'memory.read',
    args: z
      .object({
        query: z.string().min(1).max(2000),
        scopes: z.array(scopeArg).max(50).optional(),
        phase: z.enum(ALGORITHM_PHASES).optional(),
        limit: z.number().int().min(1).max(100).default(10),
      })
      .strict(),
    async handler(ctx, args) {
      const { query, ...options } = args;
      const clean = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
      return {
        items: await memory.search(memoryActor(ctx.principal, agents), query, clean as never),
      };
    },
  });
  kernel.register({
    name: 'memory.team.signal',
    description: "Records a learning signal (seed 002) that moves related memories' utility.",
    effect: 'write',
    capability: 'memory.write',
    args: z
      .object({
        type: z.enum(SIGNAL_TYPES, { error: `type: one of ${SIGNAL_TYPES.join(', ')}` }),
        memoryIds: z.array(z.string().min(1).max(200)).max(100).optional(),
        taskId: z.string().min(1).max(200).optional(),
        phase: z.enum(ALGORITHM_PHASES).optional(),
        strength: z.number().min(-1).max(1).optional(),
        rating: z.number().int().min(1).max(5).optional(),
        note: z.string().max(2000).optional(),
      })
      .strict(),
    async handler(ctx, args) {
      const clean = Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined));
      return memory.recordSignal(memoryActor(ctx.principal, agents), clean as never);
    },
    ledgerFacts: (args) => ({
      signal: args.type,
      ...(args.taskId === undefined ? {} : { task: args.taskId }),
    }),
  });
}

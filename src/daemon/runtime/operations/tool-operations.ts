/**
 * @module Tool operations: the tools the calling agent may use, and `tool.call`, which runs a
 * tool once per idempotency key (journalled before it runs) with the agent's scopes, and the
 * services the built-in memory, message and goal tools use.
 */
import { z } from 'zod';
import { AgentvisorError, type Kernel, type OperationContext } from '../../../core/index.js';
import { canonicalJson } from '../../../ledger/index.js';
import type { ToolView } from '../../deliberation/decision.js';
import type { ToolServices } from '../../tools/index.js';
import type { ToolCallOutcome } from '../agent-ops.js';
import type { HostedAgent } from '../hosted-agent.js';
import { idArg, type OperationScope, requireAgent, taskOf } from './operation-scope.js';

/** Registers the operations of this module. */
export function registerToolOperations(kernel: Kernel, scope: OperationScope): void {
  const { journal, tools, self } = scope;
  const toolServices = toolServicesFor(scope);
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
        taskId: idArg.nullable(),
        goalId: idArg.nullable(),
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
      const started = performance.now();
      const hooked = { tool: call.tool, args: call.args, taskId: call.taskId };
      try {
        await scope.authorizeTool?.(ctx.principal, call);
        const amended =
          scope.toolHooks === undefined ? call.args : await scope.toolHooks.before(agent, hooked);
        // Amended arguments are checked like the model's own, and by the policy again.
        const input = amended === call.args ? parsed : tools.validate(call.tool, amended);
        if (amended !== call.args) {
          await scope.authorizeTool?.(ctx.principal, { ...call, args: amended });
        }
        const result = await definition.run(
          {
            agentId: agent.id,
            scopes: agent.scopes,
            services: toolServices(agent, ctx),
            signal: AbortSignal.timeout(10 * 60_000),
            idempotencyKey: call.key,
          },
          input,
        );
        await journal.finish(call.key, result);
        scope.toolHooks?.after(agent, hooked, {
          ok: true,
          output: result.content,
          durationMs: performance.now() - started,
        });
        return { ok: true, output: result.content, data: result.data, replayed: false };
      } catch (error) {
        const failure =
          error instanceof AgentvisorError
            ? error
            : new AgentvisorError('TOOL_FAILED', `tool ${call.tool} failed unexpectedly`, {
                cause: error,
              });
        await journal.fail(call.key, failure.code, failure.message);
        scope.toolHooks?.after(agent, hooked, {
          ok: false,
          output: failure.message,
          durationMs: performance.now() - started,
        });
        throw failure;
      }
    },
    ledgerFacts: (call, result) => ({
      tool: call.tool,
      key: call.key,
      ...(result === undefined ? {} : { ok: result.ok, replayed: result.replayed }),
    }),
  });
}

/** The services built-in tools (memory.*, message.send, goal.*) use, bound to the store. */
function toolServicesFor(
  services: OperationScope,
): (agent: HostedAgent, ctx: OperationContext) => ToolServices {
  const { store, inbox } = services;
  return (agent, ctx) => ({
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
    permissions: {
      // Through the gate again, as the agent: the escalation op is recorded in its own name.
      async request(_agentId, request) {
        const { result } = await ctx.kernel.call<{ id: string; expiresAt: string }>(
          ctx.principal,
          'policy.escalate',
          request,
        );
        return { id: result.id, expiresAt: result.expiresAt };
      },
    },
    humans: {
      async ask(_agentId, question) {
        const { result } = await ctx.kernel.call<{ id: string; expiresAt: string }>(
          ctx.principal,
          'human.ask',
          question,
        );
        return { id: result.id, expiresAt: result.expiresAt };
      },
    },
  });
}

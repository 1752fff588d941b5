/**
 * @module The built-ins that call the agent's own services: `memory.search`, `memory.put`,
 * `message.send`, `goal.push`, `goal.complete`, `permission.request` and `human.ask`. They add nothing but validation and a reply
 * text; the services (memory, bus, goal stack) enforce their own rules.
 */
import { z } from 'zod';
import { builtinTool } from './builtin-tool.js';
import type { ToolDefinition } from './tool-types.js';

const COMPONENTS = ['episodic', 'semantic', 'procedural'] as const;

const searchArgs = z.strictObject({
  query: z.string().min(1),
  limit: z.number().int().min(1).max(100).default(10),
  components: z.array(z.enum(COMPONENTS)).optional(),
});

/** `memory.search`: searches the agent's memory. */
export const memorySearch: ToolDefinition<z.output<typeof searchArgs>> = builtinTool({
  name: 'memory.search',
  description: 'Search your memory; returns the best matching items with their scores.',
  args: searchArgs,
  effect: 'read',
  async run(ctx, args) {
    const hits = await ctx.services.memory.search(ctx.agentId, args.query, {
      limit: args.limit,
      ...(args.components === undefined ? {} : { components: args.components }),
    });
    const content =
      hits.length === 0
        ? 'no matching memories'
        : hits
            .map((h) => `[${h.id}] (${h.component}, ${h.score.toFixed(2)}) ${h.content}`)
            .join('\n');
    return { content, data: hits };
  },
});

const putArgs = z.strictObject({
  component: z.enum(COMPONENTS),
  content: z.string().min(1),
  tags: z.array(z.string()).optional(),
});

/** `memory.put`: stores one item in the agent's memory. */
export const memoryPut: ToolDefinition<z.output<typeof putArgs>> = builtinTool({
  name: 'memory.put',
  description:
    'Store an item in your memory: episodic (events), semantic (facts) or procedural (how-to).',
  args: putArgs,
  effect: 'write',
  async run(ctx, args) {
    const { id } = await ctx.services.memory.put(ctx.agentId, args);
    return { content: `stored memory ${id}`, data: { id } };
  },
});

const sendArgs = z.strictObject({
  to: z.string().min(1).describe('Recipient agent id'),
  body: z.string().min(1),
  subject: z.string().optional(),
});

/** `message.send`: sends a message from the agent to another agent. */
export const messageSend: ToolDefinition<z.output<typeof sendArgs>> = builtinTool({
  name: 'message.send',
  description: 'Send a message to another agent.',
  args: sendArgs,
  effect: 'write',
  async run(ctx, args) {
    const { id } = await ctx.services.messages.send(
      ctx.agentId,
      args.to,
      args.body,
      args.subject === undefined ? undefined : { subject: args.subject },
    );
    return { content: `sent message ${id} to ${args.to}`, data: { id } };
  },
});

const pushArgs = z.strictObject({
  title: z.string().min(1),
  description: z.string().optional(),
  priority: z.number().int().min(0).max(100).optional(),
  parentId: z.string().min(1).optional(),
});

/** `goal.push`: adds a goal (or a sub-goal of `parentId`) to the agent's goal stack. */
export const goalPush: ToolDefinition<z.output<typeof pushArgs>> = builtinTool({
  name: 'goal.push',
  description: 'Add a goal to your goal stack, optionally as a sub-goal of parentId.',
  args: pushArgs,
  effect: 'write',
  async run(ctx, args) {
    const { id } = await ctx.services.goals.push(ctx.agentId, args);
    return { content: `pushed goal ${id}: ${args.title}`, data: { id } };
  },
});

const completeArgs = z.strictObject({
  goalId: z.string().min(1),
  outcome: z.string().min(1).describe('What was achieved'),
});

/** `goal.complete`: marks one of the agent's goals done with its outcome. */
export const goalComplete: ToolDefinition<z.output<typeof completeArgs>> = builtinTool({
  name: 'goal.complete',
  description: 'Mark one of your goals as completed, with its outcome.',
  args: completeArgs,
  effect: 'write',
  async run(ctx, args) {
    await ctx.services.goals.complete(ctx.agentId, args.goalId, args.outcome);
    return { content: `completed goal ${args.goalId}`, data: { goalId: args.goalId } };
  },
});

const permissionArgs = z.strictObject({
  capability: z.string().min(1).describe('The capability, e.g. net.http, fs.write, shell.exec'),
  paths: z.array(z.string().min(1)).optional().describe('Paths the grant should cover'),
  hosts: z.array(z.string().min(1)).optional().describe('Hosts the grant should cover'),
  commands: z.array(z.string().min(1)).optional().describe('Programs the grant should cover'),
  reason: z.string().min(1).describe('Why you need it, for the human who decides'),
});

/**
 * `permission.request`: asks a human for a capability the agent lacks (an escalation). The
 * answer comes later; the agent learns it from its next tool call succeeding or not.
 */
export const permissionRequest: ToolDefinition<z.output<typeof permissionArgs>> = builtinTool({
  name: 'permission.request',
  description:
    'Ask a human for a capability you lack (with the paths, hosts or commands it should cover). ' +
    'It opens an approval item; nothing is granted until a person approves it.',
  args: permissionArgs,
  effect: 'write',
  async run(ctx, args) {
    const scope = {
      ...(args.paths === undefined ? {} : { paths: args.paths }),
      ...(args.hosts === undefined ? {} : { hosts: args.hosts }),
      ...(args.commands === undefined ? {} : { commands: args.commands }),
    };
    const { id, expiresAt } = await ctx.services.permissions.request(ctx.agentId, {
      capability: args.capability,
      ...(Object.keys(scope).length === 0 ? {} : { scope }),
      reason: args.reason,
    });
    return {
      content: `asked a human for ${args.capability} (approval ${id}, open until ${expiresAt}); carry on with what you can do meanwhile`,
      data: { id, expiresAt },
    };
  },
});

const askArgs = z.strictObject({
  question: z.string().min(1).max(4000).describe('What you need a person to tell you'),
  hours: z
    .number()
    .min(0.01)
    .max(720)
    .optional()
    .describe('How long the question stays open (default 24)'),
});

/**
 * `human.ask`: puts a question to the humans overseeing the agent. It opens an approval item of
 * kind question; the answer arrives later as a message in the agent's inbox.
 */
export const humanAsk: ToolDefinition<z.output<typeof askArgs>> = builtinTool({
  name: 'human.ask',
  description:
    'Ask the humans overseeing you a question. The answer arrives later as a message in your inbox; carry on meanwhile.',
  args: askArgs,
  effect: 'write',
  async run(ctx, args) {
    const { id, expiresAt } = await ctx.services.humans.ask(ctx.agentId, {
      question: args.question,
      ttlSeconds: Math.round((args.hours ?? 24) * 3600),
    });
    return {
      content: `asked (question ${id}, open until ${expiresAt}); the answer will come to your inbox`,
      data: { id, expiresAt },
    };
  },
});

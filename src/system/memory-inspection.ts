/**
 * @module People looking into an agent's memory: `memory.inspect` searches (or, without a query,
 * lists the newest of) an agent's items for the dashboard and the API. A person's look is not
 * the agent's recall, so it does not count as an access that would raise the items' utility.
 */
import { z } from 'zod';
import type { Kernel } from '../core/index.js';
import type { AgentHost } from '../daemon/index.js';

/** Registers `memory.inspect`. */
export function registerMemoryInspection(kernel: Kernel, agents: AgentHost): void {
  kernel.register({
    name: 'memory.inspect',
    description:
      "Searches an agent's memory (or lists its newest items) for a person; not counted as the agent's recall.",
    effect: 'read',
    capability: 'memory.read',
    args: z
      .object({
        agent: z.string().min(1).max(64),
        query: z.string().max(4096).default(''),
        limit: z.number().int().min(1).max(100).default(20),
      })
      .strict(),
    handler: async (_ctx, args) => {
      const agent = agents.require(args.agent);
      const items =
        args.query.trim() === ''
          ? await agent.memory.recent(agent.id, { limit: args.limit })
          : await agent.memory.search(agent.id, args.query, { limit: args.limit, touch: false });
      return { agent: args.agent, items };
    },
  });
}

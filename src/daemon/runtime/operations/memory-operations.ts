/**
 * @module Memory operations of the calling agent: storing and searching.
 */
import { z } from 'zod';
import type { Kernel } from '../../../core/index.js';
import type { OperationScope } from './operation-scope.js';

/** Registers the operations of this module. */
export function registerMemoryOperations(kernel: Kernel, scope: OperationScope): void {
  const { self } = scope;
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
}

/**
 * @module Inbox operations: what an agent reads from its inbox, and sending messages to agents.
 */
import { z } from 'zod';
import type { Kernel } from '../../../core/index.js';
import { type OperationScope, requireAgent } from './operation-scope.js';

/** Registers the operations of this module. */
export function registerInboxOperations(kernel: Kernel, scope: OperationScope): void {
  const { inbox, self } = scope;
  kernel.register({
    name: 'message.receive',
    description: "Unacknowledged messages in the calling agent's inbox, oldest first.",
    effect: 'read',
    capability: 'agent.self',
    args: z.object({ limit: z.number().int().min(1).max(500) }).strict(),
    handler: (ctx, args) => inbox.open(self(ctx).name, args.limit),
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
      requireAgent(scope.agents, args.to, 'to');
      const from = ctx.principal.name ?? `${ctx.principal.kind}:${ctx.principal.id}`;
      const sent = await inbox.send(from, args.to, args.body, {
        ...(args.subject === undefined ? {} : { subject: args.subject }),
      });
      scope.onDelivered?.(args.to);
      return { id: sent.id };
    },
    ledgerFacts: (args, result) => ({ to: args.to, message: result?.id }),
  });
}

/**
 * @module Governance: amending an agent's constitution at runtime. Immutable directives refuse
 * (POLICY_DENIED), and the refusal is recorded like every other call.
 */
import { z } from 'zod';
import type { Kernel } from '../../../core/index.js';
import { type OperationScope, requireAgent } from './operation-scope.js';

/** Registers the operations of this module. */
export function registerGovernanceOperations(kernel: Kernel, scope: OperationScope): void {
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
      const agent = requireAgent(scope.agents, args.agent, 'agent');
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

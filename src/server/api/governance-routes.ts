/**
 * @module Governance: approvals waiting for a person, the policies in force, the compliance
 * report, and the ledger's people-facing reads live in their own module (`ledger-routes.ts`).
 */
import { z } from 'zod';
import { approvalDecideArgs, complianceHtml } from '../../policy/index.js';
import type { AgentSupervision } from '../../system/index.js';
import { type ApiRoute, apiRoute } from './api-route.js';

/** The governance routes. */
export function governanceRoutes(supervision: AgentSupervision | undefined): ApiRoute[] {
  const decide = (decision: 'approve' | 'deny') =>
    apiRoute({
      method: 'POST',
      path: `/approvals/:id/${decision}`,
      summary: decision === 'approve' ? 'Approve an item' : 'Deny an item',
      tag: 'Approvals',
      role: 'operator',
      input: approvalDecideArgs.omit({ decision: true }),
      handle: (ctx, input) => ctx.call('approvals.decide', { ...input, decision }),
    });
  const routes: ApiRoute[] = [
    apiRoute({
      method: 'GET',
      path: '/approvals',
      summary: 'Approval items (escalations, questions, confirmations, budget overrides)',
      tag: 'Approvals',
      role: 'viewer',
      op: 'approvals.list',
    }),
    decide('approve'),
    decide('deny'),
    apiRoute({
      method: 'GET',
      path: '/policies',
      summary: 'Every agent policy in force',
      tag: 'Agents',
      role: 'viewer',
      op: 'policy.list',
    }),
  ];
  if (supervision !== undefined) {
    routes.push(
      apiRoute({
        method: 'GET',
        path: '/compliance',
        summary: 'Compliance report (JSON, or HTML with format=html)',
        tag: 'Compliance',
        role: 'viewer',
        input: z.object({ format: z.enum(['json', 'html']).default('json') }).strict(),
        handle: async ({ reply }, input) => {
          const report = await supervision.compliance();
          if (input.format === 'html') {
            return reply.type('text/html; charset=utf-8').send(complianceHtml(report));
          }
          return report;
        },
      }),
    );
  }
  return routes;
}

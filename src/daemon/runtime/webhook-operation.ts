/**
 * @module The `agent.webhook` operation: queues a webhook delivery for a running inline agent and
 * wakes its daemon. The server's `POST /v1/agents/:name/webhooks/:hook` calls it with the API
 * key's principal, so every delivery (accepted or refused) is authorised by the gate and leaves a
 * ledger entry naming the agent, the hook and the observation; the body itself is only digested.
 */
import { z } from 'zod';
import { AgentvisorError, type Kernel } from '../../core/index.js';
import type { AgentHost } from './agent-host.js';

/** Webhook names: what follows `/webhooks/` in the URL. */
export const WEBHOOK_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** What a delivery returns: the observation the agent will see on its next beat. */
export interface WebhookDelivery {
  readonly observation: string;
}

/** Registers `agent.webhook` on the kernel; see the module comment. */
export function registerWebhookOperation(
  kernel: Kernel,
  host: Pick<AgentHost, 'definition' | 'spawned'>,
): void {
  kernel.register({
    name: 'agent.webhook',
    description:
      "Queues a webhook delivery (any JSON body) as an observation for a running agent's next beat.",
    effect: 'write',
    capability: 'agent.webhook',
    args: z
      .object({
        agent: z.string().min(1).max(64),
        hook: z
          .string()
          .regex(
            WEBHOOK_NAME_PATTERN,
            'a webhook name: a letter or digit first, then letters, digits, ".", "_" or "-", at most 64',
          ),
        body: z.unknown(),
        /** Set by the HTTP route when the API key is bound to one agent (name or id). */
        boundTo: z.string().min(1).max(200).optional(),
      })
      .strict(),
    handler(_ctx, args): WebhookDelivery {
      const def = host.definition(args.agent); // NOT_FOUND naming the defined agents
      const spawned = host.spawned(args.agent);
      if (
        args.boundTo !== undefined &&
        args.boundTo !== args.agent &&
        args.boundTo !== spawned?.agent.id
      ) {
        throw new AgentvisorError(
          'POLICY_DENIED',
          `this API key is bound to agent "${args.boundTo}" and may deliver webhooks only to it, not to "${args.agent}"`,
          { details: { agent: args.agent } },
        );
      }
      if (spawned === undefined) {
        throw new AgentvisorError(
          'NOT_FOUND',
          `agent "${args.agent}" is not running in this process; webhooks reach only a running daemon`,
          { details: { agent: args.agent } },
        );
      }
      if (spawned.webhooks === undefined) {
        throw new AgentvisorError(
          'NOT_FOUND',
          def.isolation === 'inline'
            ? `webhooks are not enabled for agent "${args.agent}"; set perception.webhooks.enabled: true in its definition`
            : `agent "${args.agent}" runs with isolation: ${def.isolation} and perceives its inbox only; webhooks need isolation: inline`,
          { details: { agent: args.agent } },
        );
      }
      // RATE_LIMITED (with retryAfterMs) when the queue is full; the gate records the refusal.
      const observation = spawned.webhooks.push({ name: args.hook, body: args.body ?? null });
      spawned.daemon.wake();
      return { observation: observation.id };
    },
    ledgerFacts: (args, result) => ({
      agent: args.agent,
      hook: args.hook,
      observation: result?.observation ?? null,
    }),
  });
}

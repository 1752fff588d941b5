/**
 * @module The policy and approval operations of the kernel: `policy.show`, `policy.list`,
 * `policy.patch`, `policy.escalate` (an agent asks for more), `approvals.list` and
 * `approvals.decide`. Besides the gate's own `op.*` entry, each writes the ledger entry the
 * compliance report counts (`policy.patch`, `policy.escalation.requested`,
 * `policy.escalation.refused`, `policy.approval.decided`), naming who acted and why.
 */
import { z } from 'zod';
import {
  AgentvisorError,
  actorOf,
  hasCapability,
  type Kernel,
  type LedgerStage,
  type Principal,
} from '../core/index.js';
import type { ApprovalItem, ApprovalQueue } from './approval-queue.js';
import { ceilingGrants, withinCeiling } from './ceiling.js';
import { describeGrant, type PolicyChange } from './policy-patch.js';
import {
  approvalDecideArgs,
  approvalListArgs,
  escalationArgs,
  policyPatchArgs,
  policyShowArgs,
} from './policy-schema.js';
import { describeCeiling, type PolicyAuthor, type PolicyStore } from './policy-store.js';
import { ADMIN_CAPABILITY, type AgentPolicy, type CapabilityGrant } from './policy-types.js';

/** What the policy operations work on. */
export interface PolicyOperationsOptions {
  readonly policies: PolicyStore;
  readonly approvals: ApprovalQueue;
  /** Where the compliance entries go (the kernel's ledger). */
  readonly ledger: LedgerStage;
  /** Capabilities an agent's escalations are approved for by rule (within its ceiling). */
  readonly autoApprove?: (agent: string) => readonly string[];
}

/** A policy as the CLI and API show it. */
export interface PolicyView extends AgentPolicy {
  readonly ceilingText: string;
  readonly grantsText: readonly string[];
}

function view(policy: AgentPolicy): PolicyView {
  return {
    ...policy,
    ceilingText: describeCeiling(policy.ceiling),
    grantsText: policy.grants.map(describeGrant),
  };
}

function authorOf(principal: Principal): PolicyAuthor {
  return {
    kind: principal.kind,
    id: principal.id,
    admin: principal.kind === 'human' && hasCapability(principal, ADMIN_CAPABILITY),
  };
}

/**
 * Registers the operations on `kernel`.
 *
 * @example
 * registerPolicyOperations(kernel, { policies, approvals, ledger });
 * await kernel.call(operator, 'policy.patch', { agent: 'coder',
 *   changes: [{ op: 'remove', capability: 'net.http' }], reason: 'incident 42' });
 */
export function registerPolicyOperations(kernel: Kernel, options: PolicyOperationsOptions): void {
  const { policies, approvals, ledger } = options;

  kernel.register({
    name: 'policy.show',
    description: "an agent's policy in force: grants, ceiling, auto-restart limit, version",
    effect: 'read',
    capability: 'agent.info',
    args: policyShowArgs,
    handler: (_ctx, args) => view(policies.byName(args.agent)),
  });

  kernel.register({
    name: 'policy.list',
    description: 'every agent policy in force',
    effect: 'read',
    capability: 'agent.info',
    args: policyShowArgs.omit({ agent: true }),
    handler: () => ({ policies: policies.list().map(view) }),
  });

  kernel.register({
    name: 'policy.patch',
    description:
      "hot-patches an agent's policy (add, remove, scope, auto_restart); in force on its next operation",
    effect: 'write',
    capability: 'agent.govern',
    args: policyPatchArgs,
    handler: async (ctx, args) => {
      const current = policies.byName(args.agent);
      const by = actorOf(ctx.principal);
      try {
        const record = await policies.patch(current.agentId, args.changes as PolicyChange[], {
          author: authorOf(ctx.principal),
          reason: args.reason,
        });
        await ledger.append({
          type: 'policy.patch',
          actor: by,
          subject: current.agent,
          payload: {
            agent_id: current.agentId,
            agent: current.agent,
            changes: args.changes,
            reason: args.reason,
            version: record.policy.version,
            previous_version: record.previousVersion,
            changed: record.changed,
            escalations: record.escalations.map(describeGrant),
          },
        });
        return { policy: view(record.policy), changed: record.changed };
      } catch (error) {
        await recordRefusal(ledger, error, by, current, {
          changes: args.changes,
          reason: args.reason,
        });
        throw error;
      }
    },
    ledgerFacts: (args) => ({ agent: args.agent, reason: args.reason }),
  });

  kernel.register({
    name: 'policy.escalate',
    description:
      'an agent asks for a capability it lacks; opens an approval item a human approves or denies',
    effect: 'write',
    capability: 'agent.self',
    args: escalationArgs,
    handler: async (ctx, args) => {
      if (ctx.principal.kind !== 'agent') {
        throw new AgentvisorError(
          'INPUT_INVALID',
          `policy.escalate is how an agent asks for more; ${actorOf(ctx.principal)} should patch the policy instead`,
        );
      }
      const policy = policies.get(ctx.principal.id);
      if (policy === undefined) {
        throw new AgentvisorError(
          'NOT_FOUND',
          `agent ${actorOf(ctx.principal)} has no policy to escalate`,
        );
      }
      const grant: CapabilityGrant =
        args.scope === undefined
          ? { capability: args.capability }
          : { capability: args.capability, scope: args.scope };
      const withinItsCeiling = withinCeiling(grant, ceilingGrants(policy.ceiling));
      const item = await approvals.request({
        kind: 'escalation',
        agentId: policy.agentId,
        agent: policy.agent,
        summary: `${policy.agent} asks for ${describeGrant(grant)}: ${args.reason}`,
        request: {
          grant,
          reason: args.reason,
          within_ceiling: withinItsCeiling,
          ceiling: describeCeiling(policy.ceiling),
        },
        requestedBy: actorOf(ctx.principal),
        ttlSeconds: args.ttlSeconds,
      });
      await ledger.append({
        type: 'policy.escalation.requested',
        actor: actorOf(ctx.principal),
        subject: policy.agent,
        payload: {
          agent_id: policy.agentId,
          agent: policy.agent,
          approval_id: item.id,
          grant: describeGrant(grant),
          within_ceiling: withinItsCeiling,
          reason: args.reason,
          expires_at: item.expiresAt,
        },
      });
      const rule = options.autoApprove?.(policy.agent) ?? [];
      if (!withinItsCeiling || !rule.includes(grant.capability)) return item;
      // The agent's `auto_approve` rule allows it: approved now, by the rule, and recorded so.
      const by = 'system:policy-rule';
      const reason = `auto-approved: agents.${policy.agent}.auto_approve lists ${grant.capability}, within the ceiling`;
      let decided: ApprovalItem | undefined;
      await policies.patch(
        policy.agentId,
        [
          {
            op: 'add',
            capability: grant.capability,
            ...(grant.scope === undefined ? {} : { scope: grant.scope }),
            expiresAt: ctx.clock.now() + args.ttlSeconds * 1000,
          },
        ],
        {
          author: { kind: 'system', id: 'policy-rule', admin: false },
          reason,
          inTransaction: async (trx) => {
            decided = await approvals.decideIn(trx, item.id, { decision: 'approve', by, reason });
          },
        },
      );
      approvals.announce(decided!);
      await ledger.append({
        type: 'policy.approval.decided',
        actor: by,
        subject: policy.agent,
        payload: {
          agent_id: policy.agentId,
          agent: policy.agent,
          approval_id: item.id,
          kind: 'escalation',
          decision: 'approved',
          reason,
          auto: true,
          grant: describeGrant(grant),
        },
      });
      return decided!;
    },
    ledgerFacts: (args, result) => ({
      capability: args.capability,
      ...(result === undefined ? {} : { approval_id: result.id }),
    }),
  });

  kernel.register({
    name: 'human.ask',
    description:
      'an agent asks the humans overseeing it a question; an approval item they answer (approve --answer) or decline',
    effect: 'write',
    capability: 'agent.self',
    args: z
      .object({
        question: z.string().trim().min(1, 'ask something').max(4000, 'at most 4000 characters'),
        ttlSeconds: z
          .number()
          .int()
          .min(60, 'at least 60 seconds')
          .max(30 * 86_400, 'at most 30 days')
          .default(86_400),
      })
      .strict(),
    handler: async (ctx, args) => {
      if (ctx.principal.kind !== 'agent') {
        throw new AgentvisorError(
          'INPUT_INVALID',
          'human.ask is how an agent asks a person; people ask each other elsewhere',
        );
      }
      const policy = policies.get(ctx.principal.id);
      const name = policy?.agent ?? ctx.principal.name ?? ctx.principal.id;
      return approvals.request({
        kind: 'question',
        agentId: ctx.principal.id,
        agent: name,
        summary: `${name} asks: ${args.question.slice(0, 200)}`,
        request: { question: args.question },
        requestedBy: actorOf(ctx.principal),
        ttlSeconds: args.ttlSeconds,
      });
    },
    ledgerFacts: (_args, result) => (result === undefined ? {} : { approval_id: result.id }),
  });

  kernel.register({
    name: 'approvals.list',
    description: 'approval items (escalations, questions, confirmations), newest first',
    effect: 'read',
    capability: 'agent.info',
    args: approvalListArgs,
    handler: async (_ctx, args) => {
      const agentId = args.agent === undefined ? undefined : policies.byName(args.agent).agentId;
      const items = await approvals.list({
        limit: args.limit,
        ...(args.status === undefined ? {} : { status: args.status }),
        ...(args.kind === undefined ? {} : { kind: args.kind }),
        ...(agentId === undefined ? {} : { agentId }),
      });
      return { approvals: items };
    },
  });

  kernel.register({
    name: 'approvals.decide',
    description:
      'a human approves or denies an approval item; an approved escalation becomes a grant at once',
    effect: 'write',
    capability: 'agent.govern',
    args: approvalDecideArgs,
    handler: async (ctx, args) => {
      if (ctx.principal.kind !== 'human') {
        throw new AgentvisorError(
          'POLICY_DENIED',
          `approvals are decided by people; ${actorOf(ctx.principal)} is not a human`,
        );
      }
      const by = actorOf(ctx.principal);
      const pending = await approvals.get(args.id);
      const decision = {
        decision: args.decision,
        by,
        reason: args.reason,
        ...(args.answer === undefined && args.grantSeconds === undefined
          ? {}
          : {
              response: {
                ...(args.answer === undefined ? {} : { answer: args.answer }),
                ...(args.grantSeconds === undefined ? {} : { grant_seconds: args.grantSeconds }),
              },
            }),
      };
      let decided: ApprovalItem;
      let granted: CapabilityGrant | undefined;
      if (pending.kind === 'escalation' && args.decision === 'approve') {
        const requested = pending.request['grant'] as CapabilityGrant;
        granted =
          args.grantSeconds === undefined
            ? requested
            : { ...requested, expiresAt: ctx.clock.now() + args.grantSeconds * 1000 };
        let inTrx: ApprovalItem | undefined;
        try {
          await policies.patch(
            pending.agentId,
            [
              {
                op: 'add',
                capability: granted.capability,
                ...(granted.scope === undefined ? {} : { scope: granted.scope }),
                ...(granted.expiresAt === undefined ? {} : { expiresAt: granted.expiresAt }),
              },
            ],
            {
              author: authorOf(ctx.principal),
              reason: `approval ${pending.id}: ${args.reason}`,
              inTransaction: async (trx) => {
                inTrx = await approvals.decideIn(trx, args.id, decision);
              },
            },
          );
        } catch (error) {
          await recordRefusal(ledger, error, by, pending, { approval_id: pending.id });
          throw error;
        }
        decided = inTrx!;
        approvals.announce(decided);
      } else {
        decided = await approvals.decide(args.id, decision);
      }
      await ledger.append({
        type: 'policy.approval.decided',
        actor: by,
        subject: decided.agent,
        payload: {
          agent_id: decided.agentId,
          agent: decided.agent,
          approval_id: decided.id,
          kind: decided.kind,
          decision: decided.status,
          reason: args.reason,
          ...(granted === undefined ? {} : { grant: describeGrant(granted) }),
        },
      });
      return decided;
    },
    ledgerFacts: (args) => ({ approval_id: args.id, decision: args.decision }),
  });

  // An item nobody decided in time is an oversight outcome too: record it once.
  approvals.onChange((item) => {
    if (item.status !== 'expired') return;
    ledger
      .append({
        type: 'policy.approval.decided',
        actor: 'system:agentvisor',
        subject: item.agent,
        payload: {
          agent_id: item.agentId,
          agent: item.agent,
          approval_id: item.id,
          kind: item.kind,
          decision: 'expired',
          reason: `nobody decided before ${item.expiresAt}`,
        },
      })
      .catch(() => {
        // The ledger reports its own failures; a lost expiry note leaves the item pending in
        // the report, which errs on the side of asking for oversight.
      });
  });
}

/** Records a refused escalation (the compliance report counts it) when `error` is one. */
async function recordRefusal(
  ledger: LedgerStage,
  error: unknown,
  by: string,
  agent: { readonly agentId: string; readonly agent: string },
  facts: Record<string, unknown>,
): Promise<void> {
  if (!(error instanceof AgentvisorError) || error.code !== 'POLICY_DENIED') return;
  await ledger.append({
    type: 'policy.escalation.refused',
    actor: by,
    subject: agent.agent,
    payload: { agent_id: agent.agentId, agent: agent.agent, ...facts, refusal: error.message },
  });
}

/**
 * @module Policies as stored and as enforced. The {@link PolicyStore} keeps each agent's policy
 * in the data layer (table `agent_policies`) and in the {@link PolicyEngine} the gate asks, so a
 * hot patch is durable before it is in force and in force on the agent's next operation. Every
 * write is a read-modify-write under the store's writer lock with a version that grows by one,
 * so two nodes on one database never lose each other's patches.
 */
import type { Transaction } from 'kysely';
import { AgentvisorError, type Clock, type PrincipalKind, systemClock } from '../core/index.js';
import type { AgentPolicyTable, Database, Store } from '../store/index.js';
import type { PolicyEngine } from './policy-engine.js';
import {
  applyPolicyChanges,
  describeGrant,
  type PatchResult,
  type PolicyChange,
} from './policy-patch.js';
import type { AgentPolicy, CapabilityGrant, PolicyCeiling } from './policy-types.js';

/** Who changes a policy. `admin` is true only for a human holding the admin role. */
export interface PolicyAuthor {
  readonly kind: PrincipalKind;
  readonly id: string;
  readonly admin: boolean;
}

/** A committed policy change. */
export interface PolicyChangeRecord extends PatchResult {
  readonly previousVersion: number;
  readonly by: string;
  readonly reason: string;
}

/** Options for {@link PolicyStore}. */
export interface PolicyStoreOptions {
  readonly store: Store;
  readonly engine: PolicyEngine;
  readonly clock?: Clock;
}

/** Extra work to do in the same transaction as a patch (an approval marked decided). */
export type InTransaction = (trx: Transaction<Database>) => Promise<void>;

const LOCK = 'agent_policies';

/**
 * See the module comment.
 *
 * @example
 * const policies = new PolicyStore({ store, engine });
 * await policies.install(policy, { configDigest, by: 'system:agentvisor' });
 * await policies.patch(policy.agentId, [{ op: 'remove', capability: 'net.http' }], {
 *   author: { kind: 'human', id: 'alice', admin: true }, reason: 'incident 42',
 * });
 */
export class PolicyStore {
  readonly #store: Store;
  readonly #engine: PolicyEngine;
  readonly #clock: Clock;
  readonly #ids = new Map<string, string>();
  readonly #listeners = new Set<(record: PolicyChangeRecord) => void>();

  constructor(options: PolicyStoreOptions) {
    this.#store = options.store;
    this.#engine = options.engine;
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Puts an agent's configured policy in force. A stored policy derived from the same
   * configuration wins (it carries the hot patches made since); when the configuration changed,
   * the configured policy replaces it with the next version, because the operator's edit of the
   * file is the newer decision.
   */
  async install(
    configured: AgentPolicy,
    options: { configDigest: string; by: string },
  ): Promise<AgentPolicy> {
    const policy = await this.#store.writeTransaction(
      async (trx) => {
        const row = await trx
          .selectFrom('agent_policies')
          .selectAll()
          .where('agent_id', '=', configured.agentId)
          .executeTakeFirst();
        if (row !== undefined && row.config_digest === options.configDigest) {
          return decodeRow(row);
        }
        const next: AgentPolicy = { ...configured, version: (row?.version ?? 0) + 1 };
        const reason =
          row === undefined ? 'policy from configuration' : 'configuration changed: re-applied';
        await this.#write(trx, next, options.configDigest, options.by, reason, row !== undefined);
        return next;
      },
      { lock: LOCK },
    );
    this.#ids.set(policy.agent, policy.agentId);
    this.#engine.set(policy);
    return policy;
  }

  /** The policy in force for an agent id, or undefined. */
  get(agentId: string): AgentPolicy | undefined {
    return this.#engine.get(agentId);
  }

  /** The policy in force for an agent name; NOT_FOUND names the agents that have one. */
  byName(name: string): AgentPolicy {
    const id = this.#ids.get(name);
    const policy = id === undefined ? undefined : this.#engine.get(id);
    if (policy === undefined) {
      throw new AgentvisorError(
        'NOT_FOUND',
        `no agent named "${name}" has a policy here; known: ${[...this.#ids.keys()].sort().join(', ') || 'none'}`,
        { details: { agent: name } },
      );
    }
    return policy;
  }

  /** Every policy in force, by agent name. */
  list(): AgentPolicy[] {
    return [...this.#ids.values()]
      .map((id) => this.#engine.get(id))
      .filter((p): p is AgentPolicy => p !== undefined)
      .sort((a, b) => a.agent.localeCompare(b.agent));
  }

  /** Calls `listener` after every committed change (to update displays, restart limits). */
  onChange(listener: (record: PolicyChangeRecord) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Applies a hot patch: durable first, then in force. A change that widens the agent beyond
   * its ceiling (or grants `admin`) is refused with POLICY_DENIED unless the author is a human
   * with the admin role; the refusal names what was above the ceiling and what to do instead.
   */
  async patch(
    agentId: string,
    changes: readonly PolicyChange[],
    options: { author: PolicyAuthor; reason: string; inTransaction?: InTransaction },
  ): Promise<PolicyChangeRecord> {
    const by = `${options.author.kind}:${options.author.id}`;
    const record = await this.#store.writeTransaction(
      async (trx) => {
        const row = await trx
          .selectFrom('agent_policies')
          .selectAll()
          .where('agent_id', '=', agentId)
          .executeTakeFirst();
        if (row === undefined) {
          throw new AgentvisorError('NOT_FOUND', `agent ${agentId} has no policy to patch`, {
            details: { agentId },
          });
        }
        const current = decodeRow(row);
        const result = applyPolicyChanges(current, changes, this.#clock.now());
        if (result.escalations.length > 0 && !options.author.admin) {
          throw new AgentvisorError(
            'POLICY_DENIED',
            `privilege escalation refused: ${result.escalations.map(describeGrant).join('; ')} ` +
              `is above agent ${current.agent}'s ceiling (${describeCeiling(current.ceiling)}); ` +
              'only a human with the admin role may grant it, or the agent may request an escalation for approval',
            {
              details: {
                agent: current.agent,
                escalations: result.escalations.map(describeGrant),
                by,
              },
            },
          );
        }
        await options.inTransaction?.(trx);
        await this.#write(trx, result.policy, row.config_digest, by, options.reason, true);
        return { ...result, previousVersion: current.version, by, reason: options.reason };
      },
      { lock: LOCK },
    );
    this.#ids.set(record.policy.agent, record.policy.agentId);
    this.#engine.set(record.policy);
    for (const listener of this.#listeners) listener(record);
    return record;
  }

  /**
   * Reads an agent's policy from the database and puts it in force: how a node picks up a patch
   * another node on the same database made.
   */
  async reload(agentId: string): Promise<AgentPolicy | undefined> {
    const row = await this.#store.db
      .selectFrom('agent_policies')
      .selectAll()
      .where('agent_id', '=', agentId)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    const policy = decodeRow(row);
    const current = this.#engine.get(agentId);
    if (current === undefined || current.version !== policy.version) {
      this.#ids.set(policy.agent, policy.agentId);
      this.#engine.set(policy);
    }
    return policy;
  }

  async #write(
    trx: Transaction<Database>,
    policy: AgentPolicy,
    configDigest: string,
    by: string,
    reason: string,
    exists: boolean,
  ): Promise<void> {
    const row: AgentPolicyTable = {
      agent_id: policy.agentId,
      agent: policy.agent,
      level: policy.level,
      grants: JSON.stringify(policy.grants),
      ceiling: JSON.stringify(policy.ceiling),
      auto_restart: policy.autoRestart,
      version: policy.version,
      config_digest: configDigest,
      updated_at: new Date(this.#clock.now()).toISOString(),
      updated_by: by,
      reason,
    };
    if (exists) {
      await trx
        .updateTable('agent_policies')
        .set(row)
        .where('agent_id', '=', policy.agentId)
        .execute();
    } else {
      await trx.insertInto('agent_policies').values(row).execute();
    }
  }
}

function decodeRow(row: AgentPolicyTable): AgentPolicy {
  return {
    agentId: row.agent_id,
    agent: row.agent,
    level: row.level as AgentPolicy['level'],
    grants: JSON.parse(row.grants) as CapabilityGrant[],
    ceiling: JSON.parse(row.ceiling) as PolicyCeiling,
    autoRestart: Number(row.auto_restart),
    version: Number(row.version),
  };
}

/** A ceiling as a person reads it. */
export function describeCeiling(ceiling: PolicyCeiling): string {
  return ceiling.kind === 'level'
    ? `permission level ${ceiling.level}`
    : ceiling.grants.map(describeGrant).join('; ') || 'nothing';
}

/**
 * @module Agents' policies from their configuration, and the policy gate of a running system.
 * An agent's configured policy is what its config file grants: its capabilities, its tool
 * scopes as scoped grants (so the gate refuses a path, host or program before the tool is even
 * asked), the preset of its `permission_level` when set, and `agent.self`. Its ceiling, the most
 * a patch may give it without a human admin, is the preset of its `ceiling` (else its level,
 * else 1) plus whatever its config grants, since the operator who wrote the file is an admin.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import {
  type AgentConfig,
  AgentvisorError,
  type Kernel,
  type LedgerStage,
  type Principal,
} from '../core/index.js';
import { DEFAULT_AGENT_CAPABILITIES } from '../daemon/index.js';
import { canonicalJson } from '../ledger/index.js';
import {
  ADMIN_CAPABILITY,
  type AgentPolicy,
  AgentPolicyStage,
  ApprovalQueue,
  type CapabilityGrant,
  levelGrants,
  type PermissionLevel,
  PolicyEngine,
  PolicyStore,
  registerPolicyOperations,
  SELF_CAPABILITY,
  toolCallResource,
} from '../policy/index.js';
import type { Store } from '../store/index.js';
import {
  DEFAULT_CONFIRM_COMMANDS,
  DestructiveConfirmations,
  destructiveEffect,
} from './destructive-confirmation.js';

/** An agent's policy as its configuration states it (version 0; the store numbers it). */
export function policyFromConfig(def: AgentConfig, agentId: string): AgentPolicy {
  const configured = configuredGrants(def);
  const level = (def.permission_level ?? def.ceiling ?? 1) as PermissionLevel;
  const grants =
    def.permission_level === undefined
      ? configured
      : dedupe([...levelGrants(def.permission_level as PermissionLevel), ...configured]);
  const ceilingLevel = (def.ceiling ?? def.permission_level ?? 1) as PermissionLevel;
  return {
    agentId,
    agent: def.name,
    level,
    grants,
    ceiling: { kind: 'grants', grants: dedupe([...levelGrants(ceilingLevel), ...grants]) },
    autoRestart: def.restart.auto_restart,
    version: 0,
  };
}

/** A digest of what the configuration grants, to notice when the operator edited it. */
export function policyConfigDigest(policy: AgentPolicy): string {
  const { version: _version, ...rest } = policy;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

function configuredGrants(def: AgentConfig): CapabilityGrant[] {
  const capabilities =
    def.capabilities.length === 0 ? [...DEFAULT_AGENT_CAPABILITIES] : def.capabilities;
  const grants: CapabilityGrant[] = [{ capability: SELF_CAPABILITY }];
  for (const capability of capabilities) {
    grants.push({ capability: capability === '*' ? ADMIN_CAPABILITY : capability });
  }
  const { fs, http, shell } = def.scopes;
  if (fs !== undefined) {
    const readable = [...new Set([...fs.read, ...fs.write])];
    if (readable.length > 0) grants.push({ capability: 'fs.read', scope: { paths: readable } });
    if (fs.write.length > 0) grants.push({ capability: 'fs.write', scope: { paths: fs.write } });
  }
  if (http !== undefined && http.hosts.length > 0) {
    grants.push({ capability: 'net.http', scope: { hosts: http.hosts } });
  }
  if (shell !== undefined && shell.commands.length > 0) {
    grants.push({ capability: 'shell.exec', scope: { commands: shell.commands } });
  }
  return dedupe(grants);
}

function dedupe(grants: readonly CapabilityGrant[]): CapabilityGrant[] {
  const seen = new Set<string>();
  return grants.filter((g) => {
    const key = JSON.stringify(g);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The policy side of a running system. */
export interface PolicySystem {
  readonly engine: PolicyEngine;
  readonly policies: PolicyStore;
  readonly approvals: ApprovalQueue;
  /** The policy's check of a tool call's resource; throws POLICY_DENIED. */
  authorizeTool(
    principal: Principal,
    call: { readonly tool: string; readonly args: Record<string, unknown> },
  ): void | Promise<void>;
  /** Puts each configured agent's policy in force (after the agents have identities). */
  install(agents: ReadonlyArray<{ def: AgentConfig; id: string }>): Promise<void>;
}

/** Options for {@link openPolicySystem}. */
export interface PolicySystemOptions {
  readonly kernel: Kernel;
  readonly store: Store;
  readonly ledger: LedgerStage;
  /** An agent's file-tool roots, to resolve the relative paths its tool calls name. */
  readonly fsRoots: (agentId: string) => readonly string[];
  /** Programs whose runs need a confirmation at permission level 3 (the agent's `confirm_commands`). */
  readonly confirmCommands?: (agent: string) => readonly string[] | undefined;
  /** Capabilities an agent's escalations are approved for by its `auto_approve` rule. */
  readonly autoApprove?: (agent: string) => readonly string[];
}

/**
 * Builds the engine, store and approval queue, registers the policy operations and makes the
 * agent policy stage the kernel's policy.
 */
export function openPolicySystem(options: PolicySystemOptions): PolicySystem {
  const engine = new PolicyEngine({ clock: options.kernel.clock });
  const policies = new PolicyStore({ store: options.store, engine, clock: options.kernel.clock });
  const approvals = new ApprovalQueue({ store: options.store, clock: options.kernel.clock });
  const stage = new AgentPolicyStage(engine);
  const confirmations = new DestructiveConfirmations(approvals, () => options.kernel.clock.now());
  // The tool's resource (path, host, program) is decided inside `tool.call`, after the call is
  // journalled, not at the gate: a refusal then reaches the model like any tool failure.
  const toolResource = toolCallResource({
    // The fs tools resolve a relative path against the agent's first root; so does the policy.
    // The tool's own scope check stays the last word on where a path really lands.
    resolvePath: (principal: Principal, p: string) =>
      path.resolve(options.fsRoots(principal.id)[0] ?? '/', p),
  });
  options.kernel.setPolicy(stage);
  registerPolicyOperations(options.kernel, {
    policies,
    approvals,
    ledger: options.ledger,
    ...(options.autoApprove === undefined ? {} : { autoApprove: options.autoApprove }),
  });
  return {
    engine,
    policies,
    approvals,
    async authorizeTool(principal, call) {
      if (principal.kind !== 'agent' || !engine.has(principal.id)) return;
      const resource = toolResource(call, principal);
      if (resource?.capability === undefined) return;
      const decision = engine.decideFor(principal.id, resource.capability, {
        kind: resource.kind,
        value: resource.value,
      });
      if (decision.kind !== 'allow') {
        throw new AgentvisorError('POLICY_DENIED', `tool.call ${call.tool}: ${decision.reason}`, {
          details: { tool: call.tool, decision: decision.kind },
        });
      }
      const policy = policies.get(principal.id);
      if (policy?.level !== 3) return;
      const effect = destructiveEffect(
        call,
        resource.kind === 'path' ? resource.value : undefined,
        options.confirmCommands?.(policy.agent) ?? DEFAULT_CONFIRM_COMMANDS,
      );
      if (effect === undefined) return;
      await confirmations.require(
        principal,
        { id: policy.agentId, name: policy.agent },
        call,
        effect,
      );
    },
    async install(agents) {
      for (const { def, id } of agents) {
        const configured = policyFromConfig(def, id);
        await policies.install(configured, {
          configDigest: policyConfigDigest(configured),
          by: 'system:agentvisor',
        });
      }
    },
  };
}

/**
 * @module Agents' snapshots for people: list an agent's stored versions, delete one, and restore
 * one. Restoring brings back the agent's memory (items and procedures) as the snapshot holds it;
 * its goals and tasks are not rolled back — they are sealed in the ledger, and rewriting them
 * would rewrite audited history. The agent must not be running (pause or stop it first).
 */
import { z } from 'zod';
import { AgentvisorError, type Kernel } from '../core/index.js';
import type { AgentHost } from '../daemon/index.js';

const agentArg = z.string().min(1).max(64);
const versionArgs = z
  .object({
    agent: agentArg,
    version: z.number().int().min(1),
    reason: z.string().trim().min(1).max(500),
  })
  .strict();

/** Registers `snapshot.list`, `snapshot.delete` and `snapshot.restore`. */
export function registerSnapshotOperations(kernel: Kernel, agents: AgentHost): void {
  kernel.register({
    name: 'snapshot.list',
    description: "An agent's stored snapshots, newest first (checksums, sizes; not the data).",
    effect: 'read',
    capability: 'agent.info',
    args: z.object({ agent: agentArg }).strict(),
    handler: async (_ctx, args) => {
      agents.require(args.agent);
      return { agent: args.agent, snapshots: await agents.snapshots.list(args.agent) };
    },
  });
  kernel.register({
    name: 'snapshot.delete',
    description: 'Deletes one stored snapshot version of an agent.',
    effect: 'write',
    capability: 'agent.govern',
    args: versionArgs,
    handler: async (_ctx, args) => {
      agents.require(args.agent);
      const deleted = await agents.snapshots.delete(args.agent, args.version);
      if (!deleted) {
        throw new AgentvisorError(
          'NOT_FOUND',
          `agent "${args.agent}" has no snapshot version ${args.version}`,
        );
      }
      return { agent: args.agent, version: args.version, deleted: true };
    },
    ledgerFacts: (args) => ({ agent: args.agent, version: args.version, reason: args.reason }),
  });
  kernel.register({
    name: 'snapshot.restore',
    description:
      "Restores an agent's memory from a snapshot version (verified first); the agent must be paused or stopped.",
    effect: 'write',
    capability: 'agent.govern',
    args: versionArgs,
    handler: async (_ctx, args) => {
      const agent = agents.require(args.agent);
      const status = agents.spawned(args.agent)?.daemon.status;
      if (status === 'running') {
        throw new AgentvisorError(
          'CONFLICT',
          `agent "${args.agent}" is running; pause it first (agentvisor agent pause ${args.agent} --reason ...)`,
        );
      }
      const snapshot = await agents.snapshots.load(args.agent, args.version);
      const state = snapshot.state as { memory?: unknown };
      if (state.memory === undefined) {
        throw new AgentvisorError(
          'SNAPSHOT_CORRUPT',
          `snapshot ${args.version} of "${args.agent}" holds no memory`,
        );
      }
      const restored = await agent.memory.import(agent.id, state.memory);
      return { agent: args.agent, version: args.version, checksum: snapshot.checksum, ...restored };
    },
    ledgerFacts: (args, result) => ({
      agent: args.agent,
      version: args.version,
      reason: args.reason,
      checksum: result?.checksum ?? null,
    }),
  });
}

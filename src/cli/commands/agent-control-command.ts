/**
 * @module `agentvisor agent pause|resume|start|stop|restart NAME --reason TEXT` and
 * `agentvisor team pause|resume [--agent A ...] --reason TEXT`: change a running node's agents
 * through its API, as the local operator, recorded in the ledger with the reason.
 */
import type { Command } from 'commander';
import { AgentvisorError } from '../../core/index.js';
import type { SupervisedAgentView } from '../../system/index.js';
import { requiredReason } from '../arguments.js';
import { nodeOfCommand } from '../node-client.js';
import { type CliIo, colours, printJson, printTable } from '../output.js';

const VERBS = {
  pause: 'pause an agent: no more beats; its goals, memory and pending work are kept',
  resume: 'resume a paused agent where it was',
  start: 'start a stopped or failed agent',
  stop: 'stop an agent (until started again)',
  restart: 'restart an agent now',
} as const;

function stateOf(agent: SupervisedAgentView): string {
  return agent.daemon?.status === 'suspended' ? 'paused' : agent.state;
}

/** Registers the control verbs under the existing `agent` and `team` commands. */
export function registerAgentControlCommands(program: Command, io: CliIo): void {
  const c = colours(io);
  const agent = program.commands.find((x) => x.name() === 'agent')!;
  for (const [verb, description] of Object.entries(VERBS)) {
    agent
      .command(`${verb} <name>`)
      .description(description)
      .option('--reason <text>', 'why (required; recorded in the ledger)')
      .action(async (name: string, opts: { reason?: string }, cmd: Command) => {
        const reason = requiredReason(`agent ${verb}`, opts.reason);
        const { node, json } = nodeOfCommand(cmd);
        const view = await node.send<SupervisedAgentView>(
          'POST',
          `/api/v1/agents/${encodeURIComponent(name)}/${verb}`,
          { reason },
        );
        if (json) printJson(io, view);
        else io.out(`${c.bold(view.name)}: ${stateOf(view)}`);
      });
  }
  const snapshot = program
    .command('snapshot')
    .description("agents' snapshots: list, restore (memory), delete");
  snapshot
    .command('list <agent>', { isDefault: true })
    .description('stored snapshots of an agent, newest first')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const { node, json } = nodeOfCommand(cmd);
      const result = await node.get<{
        snapshots: { version: number; createdAt: string; checksum: string; size: number }[];
      }>(`/api/v1/agents/${encodeURIComponent(name)}/snapshots`);
      if (json) return printJson(io, result);
      if (result.snapshots.length === 0) return io.out(`agent ${name} has no snapshots yet`);
      printTable(
        io,
        ['version', 'taken', 'size', 'checksum'],
        result.snapshots.map((s) => [
          String(s.version),
          s.createdAt,
          `${s.size}`,
          s.checksum.slice(0, 16),
        ]),
      );
    });
  for (const verb of ['restore', 'delete'] as const) {
    snapshot
      .command(`${verb} <agent> <version>`)
      .description(
        verb === 'restore'
          ? "restore the agent's memory from a snapshot (pause the agent first; goals and tasks stay as sealed)"
          : 'delete one stored snapshot',
      )
      .option('--reason <text>', 'why (required; recorded in the ledger)')
      .action(async (name: string, version: string, opts: { reason?: string }, cmd: Command) => {
        const reason = requiredReason(`snapshot ${verb}`, opts.reason);
        const n = Number(version);
        if (!Number.isInteger(n) || n < 1) {
          throw new AgentvisorError(
            'INPUT_INVALID',
            `version: expected a positive integer, got "${version}"`,
          );
        }
        const { node, json } = nodeOfCommand(cmd);
        const path = `/api/v1/agents/${encodeURIComponent(name)}/snapshots/${n}`;
        const result =
          verb === 'restore'
            ? await node.send<Record<string, unknown>>('POST', `${path}/restore`, { reason })
            : await node.send<Record<string, unknown>>(
                'DELETE',
                `${path}?reason=${encodeURIComponent(reason)}`,
              );
        if (json) printJson(io, result);
        else
          io.out(
            verb === 'restore'
              ? `${name}: memory restored from snapshot ${n} (${String(result['items'])} items, ${String(result['procedures'])} procedures)`
              : `${name}: snapshot ${n} deleted`,
          );
      });
  }
  const team = program.commands.find((x) => x.name() === 'team')!;
  for (const verb of ['pause', 'resume'] as const) {
    team
      .command(verb)
      .description(
        verb === 'pause'
          ? 'pause every agent of the team (runs wait until they resume)'
          : 'resume every paused agent of the team',
      )
      .option('--agent <name...>', 'only these agents')
      .option('--reason <text>', 'why (required; recorded in the ledger)')
      .action(async (opts: { agent?: string[]; reason?: string }, cmd: Command) => {
        const reason = requiredReason(`team ${verb}`, opts.reason);
        const { node, json } = nodeOfCommand(cmd);
        const result = await node.send<{ agents: SupervisedAgentView[] }>(
          'POST',
          `/api/v1/team/${verb}`,
          { reason, ...(opts.agent === undefined ? {} : { agents: opts.agent }) },
        );
        if (json) printJson(io, result);
        else if (result.agents.length === 0) io.out(`no agent to ${verb}`);
        else for (const a of result.agents) io.out(`${c.bold(a.name)}: ${stateOf(a)}`);
      });
  }
}

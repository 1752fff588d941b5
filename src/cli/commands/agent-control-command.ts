/**
 * @module `agentvisor agent pause|resume|start|stop|restart NAME --reason TEXT` and
 * `agentvisor team pause|resume [--agent A ...] --reason TEXT`: change a running node's agents
 * through its API, as the local operator, recorded in the ledger with the reason.
 */
import type { Command } from 'commander';
import type { SupervisedAgentView } from '../../system/index.js';
import { requiredReason } from '../arguments.js';
import { nodeOfCommand } from '../node-client.js';
import { type CliIo, colours, printJson } from '../output.js';

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

/**
 * @module The `agentvisor` command tree. Each verb lives in `commands/`; this file wires the
 * global options and turns every failure into a message and an exit code.
 */

import { Command, CommanderError } from 'commander';
import { packageVersion } from '../core/index.js';
import { registerAgentCommand } from './commands/agent-command.js';
import { registerAgentControlCommands } from './commands/agent-control-command.js';
import { registerAlertsCommand } from './commands/alerts-command.js';
import { registerApiKeyCommand } from './commands/apikey-command.js';
import { registerAuditCommand } from './commands/audit-command.js';
import { registerBusCommands } from './commands/bus-command.js';
import { registerGatewayCommands } from './commands/gateway-command.js';
import { registerInitCommand } from './commands/init-command.js';
import { registerKeysCommand } from './commands/keys-command.js';
import { registerLogsCommand } from './commands/logs-command.js';
import { registerPolicyCommands } from './commands/policy-command.js';
import { registerStartCommand } from './commands/start-command.js';
import { registerSupervisionCommands } from './commands/supervision-command.js';
import { registerTaskCommand } from './commands/task-command.js';
import { registerTeamCommands } from './commands/team-command.js';
import { registerUserCommand } from './commands/user-command.js';
import { type CliIo, processIo, reportError } from './output.js';

/** Builds the command tree. */
export function buildProgram(io: CliIo = processIo): Command {
  const program = new Command('agentvisor')
    .description('Supervised, accountable runtime for teams of autonomous LLM agents')
    .version(packageVersion())
    .option('--data-dir <dir>', 'data directory (default ./.agentvisor, or AGENTVISOR_DATA_DIR)')
    .option('--config <file>', 'config file (default ./agentvisor.yaml when present)')
    .option('--json', 'machine-readable JSON output')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  registerStartCommand(program, io);
  registerInitCommand(program, io);
  registerAuditCommand(program, io);
  registerKeysCommand(program, io);
  registerApiKeyCommand(program, io);
  registerUserCommand(program, io);
  registerGatewayCommands(program, io);
  registerAgentCommand(program, io);
  registerTaskCommand(program, io);
  registerSupervisionCommands(program, io);
  registerPolicyCommands(program, io);
  registerTeamCommands(program, io);
  registerAgentControlCommands(program, io);
  registerBusCommands(program, io);
  registerAlertsCommand(program, io);
  registerLogsCommand(program, io);
  for (const cmd of program.commands) {
    cmd.exitOverride();
    for (const sub of cmd.commands) sub.exitOverride();
  }
  return program;
}

/** Runs the CLI with `argv` (as process.argv); resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const program = buildProgram(io);
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are successes; anything else commander rejects is a usage error.
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      )
        return 0;
      return 2;
    }
    return reportError(io, error, json);
  }
}

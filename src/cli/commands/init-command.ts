/**
 * @module `agentvisor init`: writes a commented example `agentvisor.yaml`, or with `--team` a
 * team of seed 002's role agents led by the orchestrator.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { AgentvisorError, CONFIG_FILE_NAME } from '../../core/index.js';
import { EXAMPLE_CONFIG } from '../example-config.js';
import type { CliIo } from '../output.js';
import { TEAM_CONFIG } from '../team-example.js';

/** Registers `init`. */
export function registerInitCommand(program: Command, io: CliIo): void {
  program
    .command('init')
    .description(`write a commented example ${CONFIG_FILE_NAME} in the current directory`)
    .option(
      '--team',
      'write a team: code, data, infra, research and qa agents and the orchestrator',
    )
    .option('--force', 'overwrite an existing file')
    .option('--output <file>', 'write somewhere else', CONFIG_FILE_NAME)
    .action((opts: { force?: boolean; team?: boolean; output: string }) => {
      const file = path.resolve(opts.output);
      if (existsSync(file) && opts.force !== true) {
        throw new AgentvisorError(
          'CONFLICT',
          `${file} already exists; pass --force to overwrite it`,
        );
      }
      writeFileSync(file, opts.team === true ? TEAM_CONFIG : EXAMPLE_CONFIG, { mode: 0o644 });
      if (opts.team === true)
        mkdirSync(path.join(path.dirname(file), 'workspace'), { recursive: true });
      io.out(`wrote ${file}`);
    });
}

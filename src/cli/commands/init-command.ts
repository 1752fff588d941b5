/** @module `agentvisor init`: writes a commented example `agentvisor.yaml`. */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { AgentvisorError, CONFIG_FILE_NAME } from '../../core/index.js';
import { EXAMPLE_CONFIG } from '../example-config.js';
import type { CliIo } from '../output.js';

/** Registers `init`. */
export function registerInitCommand(program: Command, io: CliIo): void {
  program
    .command('init')
    .description(`write a commented example ${CONFIG_FILE_NAME} in the current directory`)
    .option('--force', 'overwrite an existing file')
    .option('--output <file>', 'write somewhere else', CONFIG_FILE_NAME)
    .action((opts: { force?: boolean; output: string }) => {
      const file = path.resolve(opts.output);
      if (existsSync(file) && opts.force !== true) {
        throw new AgentvisorError(
          'CONFLICT',
          `${file} already exists; pass --force to overwrite it`,
        );
      }
      writeFileSync(file, EXAMPLE_CONFIG, { mode: 0o644 });
      io.out(`wrote ${file}`);
    });
}

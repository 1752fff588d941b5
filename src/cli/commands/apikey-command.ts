/** @module `agentvisor apikey ...`: create, list and revoke API keys for the HTTP endpoints. */
import type { Command } from 'commander';
import { type ApiKeyRecord, parseRole } from '../../auth/index.js';
import { type GlobalOptions, withSystem } from '../context.js';
import { type CliIo, colours, printJson, printTable } from '../output.js';

/** Registers `apikey` and its verbs. */
export function registerApiKeyCommand(program: Command, io: CliIo): void {
  const apikey = program
    .command('apikey')
    .description('API keys for the OpenAI- and Anthropic-compatible endpoints');
  const c = colours(io);

  apikey
    .command('create')
    .description('create a key; the secret is printed once and stored only as a hash')
    .requiredOption('--name <name>', 'a name to tell keys apart')
    .option('--agent <agent>', 'the agent whose identity, limits and budgets the key uses')
    .option(
      '--role <role>',
      'for the /api/v1 API: the role the key acts with (viewer, operator, admin)',
    )
    .action(async (opts: { name: string; agent?: string; role?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await withSystem(
        g,
        async (system, operator) => {
          const { result } = await system.kernel.call<{ record: ApiKeyRecord; secret: string }>(
            operator,
            'apikey.create',
            {
              name: opts.name,
              ...(opts.agent === undefined ? {} : { agent: opts.agent }),
              ...(opts.role === undefined ? {} : { role: parseRole(opts.role, '--role') }),
            },
          );
          if (g.json === true) printJson(io, { ...result.record, secret: result.secret });
          else {
            io.out(`created API key ${c.bold(result.record.name)} (${result.record.id})`);
            io.out(`  ${c.ok(result.secret)}`);
            io.out(c.dim('  This is the only time the key is shown. Store it now.'));
          }
        },
        { writes: true },
      );
    });

  apikey
    .command('list')
    .description('list keys (never their secrets)')
    .action(async (_opts: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await withSystem(g, async (system, operator) => {
        const { result } = await system.kernel.call<ApiKeyRecord[]>(operator, 'apikey.list', {});
        if (g.json === true) printJson(io, result);
        else
          printTable(
            io,
            ['name', 'prefix', 'agent', 'created', 'last used', 'status'],
            result.map((k) => [
              k.name,
              `${k.prefix}…`,
              k.agent_id ?? '',
              k.created_at,
              k.last_used_at ?? '',
              k.revoked_at === null ? c.ok('active') : c.bad(`revoked ${k.revoked_at}`),
            ]),
          );
      });
    });

  apikey
    .command('revoke')
    .description('revoke a key by name or id')
    .argument('<key>', 'key name or id')
    .action(async (key: string, _opts: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await withSystem(
        g,
        async (system, operator) => {
          const { result } = await system.kernel.call<ApiKeyRecord>(operator, 'apikey.revoke', {
            key,
          });
          if (g.json === true) printJson(io, result);
          else io.out(`revoked ${result.name} at ${result.revoked_at}`);
        },
        { writes: true },
      );
    });
}

/**
 * @module `agentvisor user ...`: the people who sign in to the dashboard and API. Works on the
 * data directory directly (like `apikey`), so the first admin can be made before the first start.
 */
import type { Command } from 'commander';
import { parseRole, type UserRecord } from '../../auth/index.js';
import { type GlobalOptions, withSystem } from '../context.js';
import { type CliIo, colours, printJson, printTable } from '../output.js';
import { readNewPassword } from '../password-input.js';

/** Registers `user` and its verbs. */
export function registerUserCommand(program: Command, io: CliIo): void {
  const user = program.command('user').description('users of the dashboard and API, with roles');
  const c = colours(io);
  const show = (g: GlobalOptions, record: UserRecord, verb: string) => {
    if (g.json === true) printJson(io, record);
    else
      io.out(
        `${verb} ${c.bold(record.email)} (${record.role}${record.disabled ? ', disabled' : ''})`,
      );
  };

  user
    .command('create')
    .description('create a user; asks for the password (or reads it with --password-stdin)')
    .requiredOption('--email <email>', 'the address they sign in with')
    .option('--role <role>', 'viewer, operator or admin', 'viewer')
    .option('--admin', 'shorthand for --role admin')
    .option('--password-stdin', 'read the password from stdin')
    .action(
      async (
        opts: { email: string; role: string; admin?: boolean; passwordStdin?: boolean },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        const role = opts.admin === true ? 'admin' : parseRole(opts.role, '--role');
        const password = await readNewPassword(opts.passwordStdin === true);
        await withSystem(
          g,
          async (system, operator) => {
            const { result } = await system.kernel.call<UserRecord>(operator, 'user.create', {
              email: opts.email,
              role,
              password_hash: await system.access.hashPassword(password),
            });
            show(g, result, 'created user');
          },
          { writes: true },
        );
      },
    );

  user
    .command('list', { isDefault: true })
    .description('every user and their role')
    .action(async (_opts: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await withSystem(g, async (system, operator) => {
        const { result } = await system.kernel.call<UserRecord[]>(operator, 'user.list', {});
        if (g.json === true) return printJson(io, result);
        if (result.length === 0) {
          io.out('no users yet: agentvisor user create --email YOU --admin');
          return;
        }
        printTable(
          io,
          ['email', 'role', 'state', 'last login', 'created'],
          result.map((u) => [
            u.email,
            u.role,
            u.disabled ? c.bad('disabled') : u.lockedUntil !== null ? c.warn('locked') : 'active',
            u.lastLoginAt ?? '-',
            u.createdAt,
          ]),
        );
      });
    });

  const change = (
    verb: string,
    description: string,
    args: (
      opts: Record<string, unknown>,
      extra: string | undefined,
    ) => Promise<Record<string, unknown>>,
    extraArg?: string,
  ) => {
    const command = user.command(`${verb} <user>${extraArg === undefined ? '' : ` <${extraArg}>`}`);
    command.description(description);
    if (verb === 'passwd') command.option('--password-stdin', 'read the password from stdin');
    command.action(async (who: string, ...rest: unknown[]) => {
      const cmd = rest.at(-1) as Command;
      const extra = extraArg === undefined ? undefined : (rest[0] as string);
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const opts = cmd.opts<Record<string, unknown>>();
      const fields = await args(opts, extra);
      await withSystem(
        g,
        async (system, operator) => {
          const hashed =
            typeof fields['password'] === 'string'
              ? { password_hash: await system.access.hashPassword(fields['password']) }
              : {};
          const { password: _, ...rest2 } = fields;
          const { result } = await system.kernel.call<UserRecord>(operator, 'user.update', {
            user: who,
            ...rest2,
            ...hashed,
          });
          show(g, result, 'updated user');
        },
        { writes: true },
      );
    });
  };
  change(
    'role',
    "change a user's role (their sessions end)",
    async (_o, role) => ({
      role: parseRole(role, 'role'),
    }),
    'role',
  );
  change('disable', 'disable a user (their sessions end)', async () => ({ disabled: true }));
  change('enable', 'enable a disabled user', async () => ({ disabled: false }));
  change('passwd', "set a user's password (their sessions end)", async (opts) => ({
    password: await readNewPassword(opts['passwordStdin'] === true),
  }));

  user
    .command('delete <user>')
    .description('delete a user and end their sessions')
    .action(async (who: string, _opts: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await withSystem(
        g,
        async (system, operator) => {
          const { result } = await system.kernel.call<UserRecord>(operator, 'user.delete', {
            user: who,
          });
          show(g, result, 'deleted user');
        },
        { writes: true },
      );
    });
}

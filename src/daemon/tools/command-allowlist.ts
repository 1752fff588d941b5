/**
 * @module Deciding which executable a `shell.exec` command names. An allowlist entry is either a
 * basename (`git`, looked up on PATH) or an exact absolute path (`/usr/bin/git`). A request with
 * a slash must match an exact-path entry; a bare name matches a basename entry or, failing that,
 * the exact-path entry with that basename. So `/tmp/x/git` never passes for `git`.
 */
import path from 'node:path';
import { AgentvisorError } from '../../core/index.js';

/**
 * Returns the executable to spawn for `command`, or throws `POLICY_DENIED` listing the allowed
 * commands.
 *
 * @example
 * allowedExecutable('ls', ['ls', '/usr/bin/git']); // 'ls'
 * allowedExecutable('git', ['ls', '/usr/bin/git']); // '/usr/bin/git'
 */
export function allowedExecutable(command: string, allowlist: readonly string[]): string {
  const denied = () =>
    new AgentvisorError(
      'POLICY_DENIED',
      `shell.exec: command ${JSON.stringify(command)} is not on the allowlist (${allowlist.join(', ') || 'empty'})`,
      { details: { command, allowed: [...allowlist] } },
    );
  if (command.includes('/')) {
    if (!path.isAbsolute(command)) throw denied();
    const exact = path.normalize(command);
    if (allowlist.some((entry) => path.isAbsolute(entry) && path.normalize(entry) === exact))
      return exact;
    throw denied();
  }
  if (allowlist.includes(command)) return command;
  const byPath = allowlist.find(
    (entry) => path.isAbsolute(entry) && path.basename(entry) === command,
  );
  if (byPath !== undefined) return byPath;
  throw denied();
}

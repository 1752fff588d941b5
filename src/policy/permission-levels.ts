/**
 * @module The permission levels of seed 002 (Permission Model) as named presets of grants.
 * Paths, hosts and commands are the seed's; an agent's configured scopes are added on top by
 * whoever builds its policy. Each level contains the one below it.
 */
import type { CapabilityGrant, PermissionLevel } from './policy-types.js';

/** What every agent needs to think and to talk: a model, its tools, its inbox. */
const BASE: readonly CapabilityGrant[] = [
  { capability: 'llm.use' },
  { capability: 'tool.call' },
  { capability: 'memory.read' },
];

/** Seed 002 level 1 command and host allowlists (git, npm, pip, pytest; github, pypi, npm). */
const STANDARD_COMMANDS = ['git', 'npm', 'pip', 'pytest'];
const STANDARD_HOSTS = ['github.com', 'pypi.org', 'registry.npmjs.org', 'npmjs.com'];

const LEVELS: Record<PermissionLevel, readonly CapabilityGrant[]> = {
  // Level 0, restricted: read /workspace only; no write, network or execute.
  0: [...BASE, { capability: 'fs.read', scope: { paths: ['/workspace'] } }],
  // Level 1, standard: write /workspace, HTTPS to an allowlist, the usual dev tools.
  1: [
    ...BASE,
    { capability: 'memory.write' },
    { capability: 'message.send' },
    { capability: 'bus.send' },
    { capability: 'task.submit' },
    { capability: 'fs.read', scope: { paths: ['/workspace', '/var/www'] } },
    { capability: 'fs.write', scope: { paths: ['/workspace'] } },
    { capability: 'net.http', scope: { hosts: STANDARD_HOSTS } },
    { capability: 'shell.exec', scope: { commands: STANDARD_COMMANDS } },
  ],
  // Level 2, elevated (infrastructure): web and nginx config, full outbound HTTPS, service tools.
  2: [
    ...BASE,
    { capability: 'memory.write' },
    { capability: 'message.send' },
    { capability: 'bus.send' },
    { capability: 'task.submit' },
    {
      capability: 'fs.read',
      scope: { paths: ['/workspace', '/var/www', '/etc/nginx', '/var/log'] },
    },
    {
      capability: 'fs.write',
      scope: { paths: ['/workspace', '/var/www', '/etc/nginx/sites-available'] },
    },
    { capability: 'net.http' },
    {
      capability: 'shell.exec',
      scope: { commands: [...STANDARD_COMMANDS, 'docker', 'nginx', 'certbot', 'systemctl'] },
    },
  ],
  // Level 3, privileged: everything; reaching it always takes a human admin.
  3: [{ capability: 'admin' }],
};

/** The human names of the levels, as the seed calls them. */
export const PERMISSION_LEVEL_NAMES: Record<PermissionLevel, string> = {
  0: 'restricted',
  1: 'standard',
  2: 'elevated',
  3: 'privileged',
};

/**
 * The grants of a permission level (a fresh copy the caller may extend).
 *
 * @example
 * const grants = levelGrants(1); // fs.write on /workspace, git/npm/pip/pytest, ...
 */
export function levelGrants(level: PermissionLevel): CapabilityGrant[] {
  return LEVELS[level].map((g) => ({ ...g }));
}

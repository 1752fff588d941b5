/**
 * @module Confining paths to allowed roots. A path is accepted only when both its lexical form
 * and its real location (every symlink resolved, for files that do not exist yet through their
 * nearest existing ancestor) lie inside one of the roots. This refuses `..` escapes, absolute
 * paths elsewhere, and symlinks planted inside a scope that point out of it.
 */
import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';
import { AgentvisorError } from '../../core/index.js';

/** A path accepted by {@link resolveInScope}. */
export interface ScopedPath {
  /** The real absolute path, symlinks resolved; operate on this one. */
  real: string;
  /** The real root it lies in. */
  root: string;
  /** True when nothing exists at `real` yet. */
  missing: boolean;
}

function inside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

async function realRoot(root: string): Promise<string> {
  try {
    return await realpath(root);
  } catch {
    // A root that does not exist yet still bounds its lexical subtree.
    return path.resolve(root);
  }
}

/** Resolves symlinks of the longest existing prefix and appends the rest; missing when partial. */
async function realLocation(
  candidate: string,
  shown: string,
): Promise<{ real: string; missing: boolean }> {
  const rest: string[] = [];
  let at = candidate;
  for (;;) {
    try {
      const real = await realpath(at);
      return { real: path.join(real, ...rest.reverse()), missing: rest.length > 0 };
    } catch (error) {
      const code = errnoOf(error);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
      // A dangling symlink could be written through to anywhere, so it is refused outright.
      const exists = await lstat(at).then(
        () => true,
        () => false,
      );
      if (exists)
        throw new AgentvisorError(
          'POLICY_DENIED',
          `path ${JSON.stringify(shown)} goes through a symlink whose target does not exist`,
          { details: { path: shown, reason: 'dangling-symlink' } },
        );
    }
    const parent = path.dirname(at);
    if (parent === at) return { real: candidate, missing: true };
    rest.push(path.basename(at));
    at = parent;
  }
}

/**
 * Resolves `requested` (relative paths against `roots[0]`) and returns its real location when it
 * lies inside one of `roots`; otherwise throws `POLICY_DENIED` naming the allowed roots.
 *
 * @example
 * const { real } = await resolveInScope(['/srv/agent'], 'notes/today.md');
 */
export async function resolveInScope(
  roots: readonly string[],
  requested: string,
): Promise<ScopedPath> {
  if (roots.length === 0)
    throw new AgentvisorError('POLICY_DENIED', 'no directory is in scope for this operation', {
      details: { path: requested, allowed: [], reason: 'outside' },
    });
  if (requested === '' || requested.includes('\0'))
    throw new AgentvisorError(
      'INPUT_INVALID',
      `path ${JSON.stringify(requested)} is not a valid path`,
      {
        details: { path: requested },
      },
    );
  const lexical = path.resolve(roots[0]!, requested);
  const denied = (why: string, reason: 'outside' | 'symlink') =>
    new AgentvisorError(
      'POLICY_DENIED',
      `path ${JSON.stringify(requested)} ${why}; allowed: ${roots.join(', ')}`,
      { details: { path: requested, allowed: [...roots], reason } },
    );
  if (!roots.some((root) => inside(path.resolve(root), lexical)))
    throw denied('is outside the allowed directories', 'outside');
  const { real, missing } = await realLocation(lexical, requested);
  for (const root of roots) {
    const rootReal = await realRoot(root);
    if (inside(rootReal, real)) return { real, root: rootReal, missing };
  }
  throw denied('leads outside the allowed directories through a symlink', 'symlink');
}

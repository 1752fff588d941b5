/**
 * @module The file built-ins `fs.read`, `fs.write` and `fs.list`, confined to the agent's
 * `fs` scope by {@link resolveInScope}. Reads cap their size, writes are atomic and capped.
 */
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { AgentvisorError, isAgentvisorError } from '../../core/index.js';
import { writeFileAtomic } from './atomic-write.js';
import { builtinTool } from './builtin-tool.js';
import { resolveInScope, type ScopedPath } from './path-scope.js';
import { requireScope } from './require-scope.js';
import type { ToolContext, ToolDefinition, ToolScopes } from './tool-types.js';

const DEFAULT_MAX_READ = 1024 * 1024;
const DEFAULT_MAX_WRITE = 10 * 1024 * 1024;
const MAX_LIST_ENTRIES = 1000;

type FsScope = NonNullable<ToolScopes['fs']>;

function readRoots(scope: FsScope): string[] {
  return [...new Set([...scope.read, ...scope.write])];
}

function notFound(requested: string): AgentvisorError {
  return new AgentvisorError('NOT_FOUND', `path ${JSON.stringify(requested)} does not exist`, {
    details: { path: requested },
  });
}

async function existing(roots: string[], requested: string): Promise<ScopedPath> {
  const scoped = await resolveInScope(roots, requested);
  if (scoped.missing) throw notFound(requested);
  return scoped;
}

async function writable(ctx: ToolContext, scope: FsScope, requested: string): Promise<ScopedPath> {
  try {
    return await resolveInScope(scope.write, requested);
  } catch (error) {
    // Only a path plainly outside the write roots can be "read-only"; symlink refusals stand.
    if (!isAgentvisorError(error, 'POLICY_DENIED') || error.details?.['reason'] !== 'outside')
      throw error;
    const absolute = path.resolve(scope.write[0] ?? scope.read[0] ?? '/', requested);
    const readable = await resolveInScope(scope.read, absolute).then(
      () => true,
      () => false,
    );
    if (!readable) throw error;
    throw new AgentvisorError(
      'POLICY_DENIED',
      `fs.write: path ${JSON.stringify(requested)} is read-only for agent ${ctx.agentId}; writable: ${scope.write.join(', ') || '(none)'}`,
      { details: { path: requested, writable: [...scope.write] } },
    );
  }
}

const readArgs = z.strictObject({
  path: z
    .string()
    .min(1)
    .describe('File path, relative to the first allowed directory or absolute'),
  encoding: z.enum(['utf8', 'base64']).default('utf8'),
});

/** `fs.read`: reads a file inside the read or write scope, up to the scope's read cap. */
export const fsRead: ToolDefinition<z.output<typeof readArgs>> = builtinTool({
  name: 'fs.read',
  description: 'Read a file inside the allowed directories. Large files are cut at the size cap.',
  args: readArgs,
  effect: 'read',
  async run(ctx, args) {
    const scope = requireScope(ctx, 'fs', 'fs.read');
    const { real } = await existing(readRoots(scope), args.path);
    const max = scope.maxReadBytes ?? DEFAULT_MAX_READ;
    // O_NOFOLLOW: a symlink swapped in after the scope check is refused instead of followed.
    const file = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const info = await file.stat();
      if (info.isDirectory())
        throw new AgentvisorError(
          'INPUT_INVALID',
          `path ${JSON.stringify(args.path)} is a directory; use fs.list`,
          {
            details: { path: args.path },
          },
        );
      const buffer = Buffer.alloc(Math.min(info.size, max));
      const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
      const truncated = info.size > bytesRead;
      const content = buffer.subarray(0, bytesRead).toString(args.encoding);
      return { content, data: { path: args.path, size: info.size }, truncated };
    } finally {
      await file.close();
    }
  },
});

const writeArgs = z.strictObject({
  path: z
    .string()
    .min(1)
    .describe('File path, relative to the first writable directory or absolute'),
  content: z.string(),
  encoding: z.enum(['utf8', 'base64']).default('utf8'),
  createDirs: z.boolean().default(false).describe('Create missing parent directories'),
});

/** `fs.write`: atomically replaces a file inside the write scope, up to the scope's write cap. */
export const fsWrite: ToolDefinition<z.output<typeof writeArgs>> = builtinTool({
  name: 'fs.write',
  description: 'Write (create or replace) a file inside the writable directories, atomically.',
  args: writeArgs,
  effect: 'write',
  async run(ctx, args) {
    const scope = requireScope(ctx, 'fs', 'fs.write');
    const data = Buffer.from(args.content, args.encoding);
    const max = scope.maxWriteBytes ?? DEFAULT_MAX_WRITE;
    if (data.length > max)
      throw new AgentvisorError(
        'PAYLOAD_TOO_LARGE',
        `fs.write: content is ${data.length} bytes; the limit is ${max} bytes`,
        { details: { path: args.path, bytes: data.length, limit: max } },
      );
    const { real } = await writable(ctx, scope, args.path);
    const existingEntry = await lstat(real).catch(() => undefined);
    if (existingEntry?.isDirectory())
      throw new AgentvisorError(
        'INPUT_INVALID',
        `path ${JSON.stringify(args.path)} is a directory`,
        {
          details: { path: args.path },
        },
      );
    const parent = path.dirname(real);
    const parentInfo = await stat(parent).catch(() => undefined);
    if (parentInfo === undefined) {
      if (!args.createDirs)
        throw new AgentvisorError(
          'NOT_FOUND',
          `fs.write: directory of ${JSON.stringify(args.path)} does not exist; pass createDirs: true to create it`,
          { details: { path: args.path } },
        );
      await mkdir(parent, { recursive: true });
    }
    await writeFileAtomic(real, data);
    return {
      content: `wrote ${data.length} bytes to ${args.path}`,
      data: { path: args.path, bytes: data.length },
    };
  },
});

const listArgs = z.strictObject({
  path: z
    .string()
    .min(1)
    .default('.')
    .describe('Directory, relative to the first allowed directory or absolute'),
});

/** One directory entry as `fs.list` reports it. */
export interface FsListEntry {
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
  size: number;
}

/** `fs.list`: lists a directory inside the read or write scope, sorted by name. */
export const fsList: ToolDefinition<z.output<typeof listArgs>> = builtinTool({
  name: 'fs.list',
  description: 'List a directory inside the allowed directories: names with type and size.',
  args: listArgs,
  effect: 'read',
  async run(ctx, args) {
    const scope = requireScope(ctx, 'fs', 'fs.list');
    const { real } = await existing(readRoots(scope), args.path);
    if (!(await stat(real)).isDirectory())
      throw new AgentvisorError(
        'INPUT_INVALID',
        `path ${JSON.stringify(args.path)} is not a directory; use fs.read`,
        {
          details: { path: args.path },
        },
      );
    const names = (await readdir(real)).sort();
    const shown = names.slice(0, MAX_LIST_ENTRIES);
    const entries: FsListEntry[] = await Promise.all(
      shown.map(async (name) => {
        // lstat: a symlink is reported as one, not as what it points to (possibly out of scope).
        const info = await lstat(path.join(real, name)).catch(() => undefined);
        const type: FsListEntry['type'] =
          info === undefined || (!info.isFile() && !info.isDirectory() && !info.isSymbolicLink())
            ? 'other'
            : info.isSymbolicLink()
              ? 'symlink'
              : info.isDirectory()
                ? 'directory'
                : 'file';
        return { name, type, size: info?.size ?? 0 };
      }),
    );
    const content = entries
      .map((e) => `${e.type === 'directory' ? `${e.name}/` : e.name}\t${e.type}\t${e.size}`)
      .join('\n');
    return { content, data: { path: args.path, entries }, truncated: names.length > shown.length };
  },
});

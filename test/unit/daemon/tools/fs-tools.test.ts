import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  builtinTools,
  resolveInScope,
  ToolRegistry,
  type ToolScopes,
} from '../../../../src/daemon/tools/index.js';
import { toolContext } from './tool-context.js';

let base: string;
let readDir: string;
let writeDir: string;
let outside: string;
let scopes: ToolScopes;
const registry = new ToolRegistry();
for (const tool of builtinTools()) registry.register(tool);

function call(name: string, args: unknown, s: ToolScopes = scopes) {
  return registry.run(name, toolContext(s), args);
}

beforeEach(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'av-fs-'));
  readDir = path.join(base, 'docs');
  writeDir = path.join(base, 'work');
  outside = path.join(base, 'secret');
  await Promise.all([mkdir(readDir), mkdir(writeDir), mkdir(outside)]);
  await writeFile(path.join(readDir, 'a.txt'), 'alpha');
  await writeFile(path.join(outside, 'key.txt'), 'top secret');
  scopes = { fs: { read: [readDir], write: [writeDir], maxWriteBytes: 64, maxReadBytes: 1024 } };
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('fs.read', () => {
  it('reads a file by relative and absolute path, including from the write scope', async () => {
    expect((await call('fs.read', { path: 'a.txt' })).content).toBe('alpha');
    expect((await call('fs.read', { path: path.join(readDir, 'a.txt') })).content).toBe('alpha');
    await writeFile(path.join(writeDir, 'w.txt'), 'written');
    expect((await call('fs.read', { path: path.join(writeDir, 'w.txt') })).content).toBe('written');
  });

  it('refuses a .. escape and an absolute path outside the scope', async () => {
    await expect(call('fs.read', { path: '../secret/key.txt' })).rejects.toMatchObject({
      code: 'POLICY_DENIED',
      message: expect.stringContaining('is outside the allowed directories'),
    });
    await expect(call('fs.read', { path: path.join(outside, 'key.txt') })).rejects.toMatchObject({
      code: 'POLICY_DENIED',
    });
    await expect(call('fs.read', { path: '/etc/passwd' })).rejects.toMatchObject({
      code: 'POLICY_DENIED',
    });
  });

  it('refuses a symlink inside the scope that points outside it', async () => {
    await symlink(path.join(outside, 'key.txt'), path.join(readDir, 'link.txt'));
    await symlink(outside, path.join(readDir, 'linkdir'));
    for (const p of ['link.txt', 'linkdir/key.txt']) {
      await expect(call('fs.read', { path: p })).rejects.toMatchObject({
        code: 'POLICY_DENIED',
        message: expect.stringContaining('through a symlink'),
      });
    }
  });

  it('follows a symlink that stays inside the scope', async () => {
    await symlink(path.join(readDir, 'a.txt'), path.join(readDir, 'inner.txt'));
    expect((await call('fs.read', { path: 'inner.txt' })).content).toBe('alpha');
  });

  it('cuts a file at the read cap and marks it truncated', async () => {
    await writeFile(path.join(readDir, 'big.txt'), 'x'.repeat(3000));
    const result = await call('fs.read', { path: 'big.txt' });
    expect(result.content).toHaveLength(1024);
    expect(result.truncated).toBe(true);
  });

  it('reports a missing file as NOT_FOUND and an agent without fs scope as POLICY_DENIED', async () => {
    await expect(call('fs.read', { path: 'nope.txt' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(call('fs.read', { path: 'a.txt' }, {})).rejects.toMatchObject({
      code: 'POLICY_DENIED',
    });
  });
});

describe('fs.write', () => {
  it('writes atomically, leaving no temporary file', async () => {
    await call('fs.write', { path: 'out.txt', content: 'one' });
    await call('fs.write', { path: 'out.txt', content: 'two' });
    expect(await readFile(path.join(writeDir, 'out.txt'), 'utf8')).toBe('two');
    expect(await readdir(writeDir)).toEqual(['out.txt']);
  });

  it('creates parent directories only when asked', async () => {
    await expect(call('fs.write', { path: 'sub/x.txt', content: 'x' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('createDirs'),
    });
    await call('fs.write', { path: 'sub/deeper/x.txt', content: 'x', createDirs: true });
    expect(await readFile(path.join(writeDir, 'sub/deeper/x.txt'), 'utf8')).toBe('x');
  });

  it('refuses a write into a read-only scope, saying so', async () => {
    await expect(
      call('fs.write', { path: path.join(readDir, 'a.txt'), content: 'x' }),
    ).rejects.toMatchObject({
      code: 'POLICY_DENIED',
      message: expect.stringContaining('is read-only'),
    });
    expect(await readFile(path.join(readDir, 'a.txt'), 'utf8')).toBe('alpha');
  });

  it('refuses an oversized write', async () => {
    await expect(
      call('fs.write', { path: 'big.txt', content: 'x'.repeat(65) }),
    ).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      message: 'fs.write: content is 65 bytes; the limit is 64 bytes',
    });
  });

  it('refuses escapes, including through symlinks to files that do not exist yet', async () => {
    await expect(
      call('fs.write', { path: '../secret/new.txt', content: 'x' }),
    ).rejects.toMatchObject({
      code: 'POLICY_DENIED',
    });
    await symlink(outside, path.join(writeDir, 'escape'));
    await expect(call('fs.write', { path: 'escape/new.txt', content: 'x' })).rejects.toMatchObject({
      code: 'POLICY_DENIED',
    });
    await symlink(path.join(outside, 'absent.txt'), path.join(writeDir, 'dangling'));
    await expect(call('fs.write', { path: 'dangling', content: 'x' })).rejects.toMatchObject({
      code: 'POLICY_DENIED',
      message: expect.stringContaining('does not exist'),
    });
    expect(await readdir(outside)).toEqual(['key.txt']);
  });

  it('writes base64 content as bytes', async () => {
    await call('fs.write', {
      path: 'bin',
      content: Buffer.from([0, 1, 2]).toString('base64'),
      encoding: 'base64',
    });
    expect([...(await readFile(path.join(writeDir, 'bin')))]).toEqual([0, 1, 2]);
  });
});

describe('fs.list', () => {
  it('lists names with type and size, symlinks as symlinks', async () => {
    await mkdir(path.join(readDir, 'sub'));
    await symlink(outside, path.join(readDir, 'out'));
    const result = await call('fs.list', { path: '.' });
    const entries = (result.data as { entries: unknown[] }).entries;
    expect(entries).toEqual([
      { name: 'a.txt', type: 'file', size: 5 },
      { name: 'out', type: 'symlink', size: expect.any(Number) },
      { name: 'sub', type: 'directory', size: expect.any(Number) },
    ]);
    expect(result.content.split('\n')[0]).toBe('a.txt\tfile\t5');
  });

  it('refuses to list through a symlink that leaves the scope', async () => {
    await symlink(outside, path.join(readDir, 'out'));
    await expect(call('fs.list', { path: 'out' })).rejects.toMatchObject({ code: 'POLICY_DENIED' });
  });
});

describe('resolveInScope', () => {
  it('accepts a .. that stays inside and returns the real path', async () => {
    const scoped = await resolveInScope([readDir], 'x/../a.txt');
    expect(scoped.missing).toBe(false);
    expect(path.basename(scoped.real)).toBe('a.txt');
  });

  it('refuses a sibling directory sharing the root as a name prefix', async () => {
    await mkdir(`${readDir}-evil`);
    await expect(resolveInScope([readDir], `${readDir}-evil/x`)).rejects.toMatchObject({
      code: 'POLICY_DENIED',
    });
  });
});

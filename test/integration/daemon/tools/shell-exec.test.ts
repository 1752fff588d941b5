import { mkdir, mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ShellExecData,
  shellExec,
  ToolRegistry,
  type ToolScopes,
} from '../../../../src/daemon/tools/index.js';
import { toolContext } from './tool-context.js';

let base: string;
let root: string;
const registry = new ToolRegistry().register(shellExec);

beforeAll(async () => {
  base = await realpath(await mkdtemp(path.join(tmpdir(), 'av-shell-')));
  root = path.join(base, 'root');
  await mkdir(path.join(root, 'sub'), { recursive: true });
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

function scopes(over: Partial<NonNullable<ToolScopes['shell']>> = {}): ToolScopes {
  return {
    shell: {
      commands: ['echo', 'pwd', 'env', 'sleep', 'sh', 'head'],
      cwd: root,
      timeoutMs: 5000,
      maxOutputBytes: 4096,
      ...over,
    },
  };
}
async function exec(args: Record<string, unknown>, s: ToolScopes = scopes()) {
  const result = await registry.run('shell.exec', toolContext(s), args);
  return { ...result, data: result.data as ShellExecData };
}

/** Running, as opposed to gone or a zombie left for an init that may not reap it. */
async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

describe('shell.exec', () => {
  it('runs an allowed command without a shell: arguments are not expanded', async () => {
    const result = await exec({ command: 'echo', args: ['$HOME', '; rm -rf /', '*'] });
    expect(result.data).toEqual({
      exitCode: 0,
      signal: null,
      stdout: '$HOME ; rm -rf / *\n',
      stderr: '',
    });
    expect(result.truncated).toBe(false);
  });

  it('reports a non-zero exit code as a result, not an error', async () => {
    const result = await exec({ command: 'sh', args: ['-c', 'echo oops >&2; exit 7'] });
    expect(result.data).toMatchObject({ exitCode: 7, stderr: 'oops\n' });
    expect(result.content).toContain('exit code 7');
  });

  it('refuses a command that is not on the allowlist', async () => {
    await expect(exec({ command: 'rm', args: ['-rf', root] })).rejects.toMatchObject({
      code: 'POLICY_DENIED',
      message: expect.stringContaining('"rm" is not on the allowlist'),
    });
    await expect(exec({ command: '/tmp/echo' })).rejects.toMatchObject({ code: 'POLICY_DENIED' });
  });

  it('runs in a cwd inside the scope and refuses one outside', async () => {
    expect((await exec({ command: 'pwd', cwd: 'sub' })).data.stdout).toBe(
      `${path.join(root, 'sub')}\n`,
    );
    await expect(exec({ command: 'pwd', cwd: '..' })).rejects.toMatchObject({
      code: 'POLICY_DENIED',
    });
    await expect(exec({ command: 'pwd', cwd: '/' })).rejects.toMatchObject({
      code: 'POLICY_DENIED',
    });
    await expect(exec({ command: 'pwd', cwd: 'missing' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('gives the child only PATH, HOME and LANG', async () => {
    process.env['AGENTVISOR_TEST_SECRET'] = 'parent-secret-value';
    try {
      const { stdout } = (await exec({ command: 'env' })).data;
      expect(stdout).not.toContain('parent-secret-value');
      const names = stdout
        .trim()
        .split('\n')
        .map((line) => line.split('=')[0])
        .sort();
      expect(names).toEqual(['HOME', 'LANG', 'PATH']);
      expect(stdout).toContain(`HOME=${root}\n`);
    } finally {
      delete process.env['AGENTVISOR_TEST_SECRET'];
    }
  });

  it('kills the whole process group at the timeout', async () => {
    const started = Date.now();
    await expect(
      exec(
        { command: 'sh', args: ['-c', 'sleep 30 & echo $! > bg.pid; sleep 30'] },
        scopes({ timeoutMs: 500 }),
      ),
    ).rejects.toMatchObject({
      code: 'TIMEOUT',
      message: 'shell.exec did not finish within 500 ms',
    });
    expect(Date.now() - started).toBeLessThan(3000);
    const bgPid = Number(await readFile(path.join(root, 'bg.pid'), 'utf8'));
    // SIGKILL lands asynchronously; give it a moment before calling the process a survivor.
    for (let i = 0; i < 20 && (await running(bgPid)); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await running(bgPid)).toBe(false);
  });

  it('caps output and marks it truncated while draining the rest', async () => {
    const result = await exec(
      { command: 'head', args: ['-c', '100000', '/dev/zero'] },
      scopes({ maxOutputBytes: 1000 }),
    );
    expect(result.truncated).toBe(true);
    expect(result.data.stdout).toHaveLength(1000);
    expect(result.data.exitCode).toBe(0);
  });

  it('passes stdin and stops when the caller aborts', async () => {
    expect((await exec({ command: 'head', args: ['-c', '3'], stdin: 'abcdef' })).data.stdout).toBe(
      'abc',
    );
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    await expect(
      registry.run('shell.exec', toolContext(scopes(), controller.signal), {
        command: 'sleep',
        args: ['30'],
      }),
    ).rejects.toMatchObject({
      code: 'TOOL_FAILED',
      message: 'shell.exec was cancelled by its caller',
    });
  });
});

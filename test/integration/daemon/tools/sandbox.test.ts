/**
 * The sandbox conformance suite: every runner must return a normal result and turn a throw into
 * TOOL_FAILED; the isolating runners must also survive exit, unbounded allocation and endless
 * loops, leaving this test process healthy.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  inlineRunner,
  processRunner,
  runInSandbox,
  type SandboxRunner,
  workerRunner,
} from '../../../../src/daemon/sandbox/index.js';
import { moduleTool, ToolRegistry } from '../../../../src/daemon/tools/index.js';
import { toolContext } from './tool-context.js';

const MODULES: Record<string, string> = {
  'add.mjs': `export default async ({ a, b }) => ({ sum: a + b });
export const shout = async ({ text }) => text.toUpperCase();
export const env = async () => Object.keys(process.env).sort();`,
  'throws.mjs': `export default async () => { throw new RangeError('value out of range'); };`,
  'exits.mjs': `export default async () => { process.exit(3); };`,
  'hog.mjs': `export default async () => { const keep = []; for (;;) keep.push(new Array(100_000).fill(keep.length)); };`,
  'spins.mjs': `export default async () => { for (;;) {} };`,
  'waits.mjs': `export default () => new Promise(() => { setInterval(() => {}, 1000); });`,
  'never.mjs': `export default () => new Promise(() => {});`,
  'unserialisable.mjs': `export default async () => 10n;`,
};

let dir: string;
const mod = (name: string) => path.join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'av-sandbox-'));
  for (const [name, source] of Object.entries(MODULES)) await writeFile(mod(name), source);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function request(
  name: string,
  over: { exportName?: string; timeoutMs?: number; args?: unknown } = {},
) {
  return {
    modulePath: mod(name),
    args: over.args ?? {},
    timeoutMs: over.timeoutMs ?? 10_000,
    memoryMb: 64,
    ...(over.exportName === undefined ? {} : { exportName: over.exportName }),
  };
}

describe.each<SandboxRunner>([inlineRunner, workerRunner, processRunner])(
  '$isolation runner',
  (runner) => {
    const run = (name: string, over: Parameters<typeof request>[1] = {}) =>
      runner.run({ isolation: runner.isolation, ...request(name, over) });

    it('returns the JSON result of the default and of a named export', async () => {
      await expect(run('add.mjs', { args: { a: 2, b: 3 } })).resolves.toEqual({ sum: 5 });
      await expect(run('add.mjs', { exportName: 'shout', args: { text: 'hi' } })).resolves.toBe(
        'HI',
      );
    });

    it('turns a thrown error into TOOL_FAILED with its message', async () => {
      await expect(run('throws.mjs')).rejects.toMatchObject({
        code: 'TOOL_FAILED',
        message: 'tool module throws.mjs#default threw RangeError: value out of range',
      });
    });

    it('reports a missing export, a missing module and a non-JSON result', async () => {
      await expect(run('add.mjs', { exportName: 'nope' })).rejects.toMatchObject({
        code: 'TOOL_FAILED',
        message: expect.stringContaining('no function export "nope"'),
      });
      await expect(run('missing.mjs')).rejects.toMatchObject({
        code: 'TOOL_FAILED',
        message: expect.stringContaining('could not be loaded'),
      });
      await expect(run('unserialisable.mjs')).rejects.toMatchObject({
        code: 'TOOL_FAILED',
        message: expect.stringContaining('not JSON-serialisable'),
      });
    });

    it('stops a call that never settles at its timeout', async () => {
      await expect(run('waits.mjs', { timeoutMs: 300 })).rejects.toMatchObject({
        code: 'TIMEOUT',
        message: 'tool module waits.mjs#default did not finish within 300 ms and was stopped',
      });
    });
  },
);

describe.each<SandboxRunner>([workerRunner, processRunner])(
  '$isolation runner isolation',
  (runner) => {
    const run = (name: string, over: Parameters<typeof request>[1] = {}) =>
      runner.run({ isolation: runner.isolation, ...request(name, over) });

    it('survives process.exit(3) as SANDBOX_CRASHED', async () => {
      await expect(run('exits.mjs')).rejects.toMatchObject({
        code: 'SANDBOX_CRASHED',
        message: expect.stringContaining('exited with code 3 before returning a result'),
      });
    });

    it('survives unbounded allocation as SANDBOX_CRASHED out of memory', async () => {
      await expect(run('hog.mjs', { timeoutMs: 60_000 })).rejects.toMatchObject({
        code: 'SANDBOX_CRASHED',
        message: expect.stringContaining('ran out of memory (limit 64 MB)'),
      });
    });

    it('reports a promise that can never settle once the sandbox has nothing left to do', async () => {
      await expect(run('never.mjs')).rejects.toMatchObject({
        code: 'SANDBOX_CRASHED',
        message: expect.stringContaining('can never settle'),
      });
    });

    it('kills a synchronous endless loop at the timeout', async () => {
      const started = Date.now();
      await expect(run('spins.mjs', { timeoutMs: 500 })).rejects.toMatchObject({ code: 'TIMEOUT' });
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it('does not hand the environment to the module', async () => {
      process.env['AGENTVISOR_SANDBOX_SECRET'] = 'x';
      try {
        const names = (await run('add.mjs', { exportName: 'env' })) as string[];
        expect(names).not.toContain('AGENTVISOR_SANDBOX_SECRET');
        expect(names.every((n) => ['PATH', 'HOME', 'LANG'].includes(n))).toBe(true);
      } finally {
        delete process.env['AGENTVISOR_SANDBOX_SECRET'];
      }
    });

    it('leaves the host process healthy afterwards', async () => {
      await expect(run('add.mjs', { args: { a: 1, b: 1 } })).resolves.toEqual({ sum: 2 });
      expect(process.memoryUsage().heapUsed).toBeLessThan(1024 * 1024 * 1024);
    });
  },
);

describe('runInSandbox and moduleTool', () => {
  it('dispatches by isolation and checks its limits', async () => {
    await expect(
      runInSandbox({ isolation: 'process', ...request('add.mjs', { args: { a: 1, b: 2 } }) }),
    ).resolves.toEqual({
      sum: 3,
    });
    await expect(
      runInSandbox({ isolation: 'worker', ...request('add.mjs'), timeoutMs: 0 }),
    ).rejects.toMatchObject({
      code: 'INPUT_INVALID',
    });
  });

  it('exposes a module as a tool validated against its JSON Schema', async () => {
    const registry = new ToolRegistry().register(
      moduleTool('calc.add', {
        module: mod('add.mjs'),
        isolation: 'worker',
        timeoutMs: 10_000,
        memoryMb: 64,
        description: 'Adds two numbers',
        inputSchema: {
          type: 'object',
          properties: { a: { type: 'number' }, b: { type: 'number' } },
          required: ['a', 'b'],
        },
      }),
    );
    const result = await registry.run('calc.add', toolContext({}), { a: 4, b: 5 });
    expect(result).toEqual({ content: '{"sum":9}', data: { sum: 9 } });
    await expect(registry.run('calc.add', toolContext({}), { a: 4 })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: 'calc.add: invalid arguments: b: required (a value)',
    });
  });

  it('stops a module tool when its caller aborts', async () => {
    const tool = moduleTool('slow', {
      module: mod('waits.mjs'),
      isolation: 'process',
      timeoutMs: 30_000,
      memoryMb: 64,
      description: 'never ends',
      inputSchema: { type: 'object' },
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    await expect(tool.run(toolContext({}, controller.signal), {})).rejects.toMatchObject({
      code: 'TOOL_FAILED',
      message: expect.stringContaining('cancelled by its caller'),
    });
  });
});

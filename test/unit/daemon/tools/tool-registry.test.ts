import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isAgentvisorError } from '../../../../src/core/index.js';
import {
  builtinTool,
  builtinTools,
  type ToolContext,
  type ToolDefinition,
  ToolRegistry,
  toolAllowed,
} from '../../../../src/daemon/tools/index.js';

function caught(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (isAgentvisorError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected an error');
}

const schemaOnly: ToolDefinition = {
  name: 'ext.lookup',
  description: 'schema-only tool',
  inputSchema: {
    type: 'object',
    properties: {
      city: { type: 'string' },
      units: { enum: ['metric', 'imperial'] },
      days: { type: 'integer', minimum: 1 },
    },
    required: ['city'],
    additionalProperties: false,
  },
  effect: 'read',
  run: async (_ctx, args) => ({ content: JSON.stringify(args) }),
};

function registry(): ToolRegistry {
  const r = new ToolRegistry();
  for (const tool of builtinTools()) r.register(tool);
  return r.register(schemaOnly);
}

describe('ToolRegistry', () => {
  it('holds every built-in with a JSON Schema derived from zod', () => {
    const names = registry()
      .list()
      .map((t) => t.name);
    expect(names).toEqual([
      'ext.lookup',
      'fs.list',
      'fs.read',
      'fs.write',
      'goal.complete',
      'goal.push',
      'http.fetch',
      'human.ask',
      'memory.put',
      'memory.search',
      'message.send',
      'permission.request',
      'shell.exec',
    ]);
    const read = registry().get('fs.read')!;
    expect(read.inputSchema).toMatchObject({
      type: 'object',
      properties: { path: { type: 'string' }, encoding: { enum: ['utf8', 'base64'] } },
      required: ['path'],
      additionalProperties: false,
    });
    expect(read.inputSchema['$schema']).toBeUndefined();
    expect(read.effect).toBe('read');
    expect(registry().get('fs.write')!.effect).toBe('write');
  });

  it('narrows the list to exact names and prefix patterns', () => {
    const names = (allowed: string[]) =>
      registry()
        .list(allowed)
        .map((t) => t.name);
    expect(names(['fs.*', 'memory.search'])).toEqual([
      'fs.list',
      'fs.read',
      'fs.write',
      'memory.search',
    ]);
    expect(names([])).toEqual([]);
    expect(toolAllowed('mcp.github.search', ['mcp.github.*'])).toBe(true);
    expect(toolAllowed('mcp.githubx.search', ['mcp.github.*'])).toBe(false);
    expect(toolAllowed('fsx.read', ['fs.*'])).toBe(false);
  });

  it('refuses duplicate and malformed names', () => {
    const r = registry();
    expect(caught(() => r.register(schemaOnly)).code).toBe('CONFLICT');
    expect(caught(() => r.register({ ...schemaOnly, name: 'bad name' })).code).toBe(
      'INPUT_INVALID',
    );
    expect(r.unregister('ext.lookup')).toBe(true);
    expect(r.has('ext.lookup')).toBe(false);
    expect(r.get('ext.lookup')).toBeUndefined();
  });

  it('returns parsed arguments with defaults applied', () => {
    expect(registry().validate('fs.read', { path: 'a.txt' })).toEqual({
      path: 'a.txt',
      encoding: 'utf8',
    });
    expect(registry().validate('shell.exec', { command: 'ls' })).toEqual({
      command: 'ls',
      args: [],
      cwd: '.',
    });
  });

  it('names the field, the bad value and what is allowed (zod)', () => {
    const wrongType = caught(() => registry().validate('fs.read', { path: 42 }));
    expect(wrongType.code).toBe('INPUT_INVALID');
    expect(wrongType.message).toBe(
      'fs.read: invalid arguments: path: expected string, received number, got 42',
    );
    expect(caught(() => registry().validate('fs.read', {})).message).toMatch(
      /fs\.read: invalid arguments: path: required/,
    );
    expect(
      caught(() => registry().validate('fs.read', { path: 'a', encoding: 'latin1' })).message,
    ).toMatch(/encoding: .*"utf8".*"base64".*, got "latin1"/);
    expect(caught(() => registry().validate('fs.read', { path: 'a', pth: 'b' })).message).toMatch(
      /pth: not an allowed field, got "b"/,
    );
    expect(
      caught(() => registry().validate('shell.exec', { command: 'ls', args: ['a', 3] })).message,
    ).toMatch(/args\[1\]: expected string.*got 3/);
    expect(
      caught(() => registry().validate('memory.search', { query: 'x', limit: 0 })).message,
    ).toMatch(/limit: .*>=1.*got 0/);
  });

  it('validates schema-only tools with ajv, naming fields', () => {
    expect(registry().validate('ext.lookup', { city: 'Oslo', days: 2 })).toEqual({
      city: 'Oslo',
      days: 2,
    });
    const bad = caught(() =>
      registry().validate('ext.lookup', { units: 'kelvin', days: 0, extra: true }),
    );
    expect(bad.code).toBe('INPUT_INVALID');
    expect(bad.message).toContain('city: required');
    expect(bad.message).toContain('units: must be one of "metric", "imperial", got "kelvin"');
    expect(bad.message).toContain('days: must be >= 1, got 0');
    expect(bad.message).toContain('extra: not an allowed field, got true');
  });

  it('reports a tool whose schema cannot compile as the tool’s fault', () => {
    const r = new ToolRegistry().register({ ...schemaOnly, inputSchema: { type: 'no-such-type' } });
    expect(caught(() => r.validate('ext.lookup', {})).code).toBe('TOOL_FAILED');
  });

  it('refuses unknown tools with NOT_FOUND', () => {
    expect(caught(() => registry().validate('nope', {})).code).toBe('NOT_FOUND');
  });

  it('runs a tool and turns a stray exception into TOOL_FAILED', async () => {
    const boom = builtinTool({
      name: 'test.boom',
      description: 'throws',
      args: z.strictObject({ n: z.number() }),
      effect: 'read',
      run: async () => {
        throw new TypeError('kaput');
      },
    });
    const r = new ToolRegistry().register(boom).register(schemaOnly);
    const ctx = {} as ToolContext;
    await expect(r.run('ext.lookup', ctx, { city: 'Oslo' })).resolves.toEqual({
      content: '{"city":"Oslo"}',
    });
    await expect(r.run('test.boom', ctx, { n: 1 })).rejects.toMatchObject({
      code: 'TOOL_FAILED',
      message: 'test.boom failed: kaput',
    });
    await expect(r.run('test.boom', ctx, { n: 'x' })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
    });
  });
});

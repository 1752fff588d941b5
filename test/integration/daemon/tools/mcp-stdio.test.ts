/**
 * MCP over stdio against the real `@modelcontextprotocol/server-filesystem`.
 */
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectMcpServer,
  type McpConnection,
  ToolRegistry,
} from '../../../../src/daemon/tools/index.js';
import { toolContext } from './tool-context.js';

const serverScript = fileURLToPath(
  new URL(
    '../../../../node_modules/@modelcontextprotocol/server-filesystem/dist/index.js',
    import.meta.url,
  ),
);

let base: string;
let allowed: string;
let outside: string;
let connection: McpConnection;
const registry = new ToolRegistry();

beforeAll(async () => {
  base = await realpath(await mkdtemp(path.join(tmpdir(), 'av-mcp-')));
  allowed = path.join(base, 'allowed');
  outside = path.join(base, 'outside');
  await mkdir(allowed);
  await mkdir(outside);
  await writeFile(path.join(allowed, 'hello.txt'), 'hello from disk');
  await writeFile(path.join(outside, 'secret.txt'), 'keep out');
  connection = await connectMcpServer(
    'files',
    { transport: 'stdio', command: process.execPath, args: [serverScript, allowed] },
    { callTimeoutMs: 20_000 },
  );
  for (const tool of connection.tools) registry.register(tool);
});

afterAll(async () => {
  await connection?.close();
  await rm(base, { recursive: true, force: true });
});

const ctx = () => toolContext({});

describe('MCP over stdio (server-filesystem)', () => {
  it('lists the server tools under mcp.<server>.<tool> with effects from annotations', () => {
    const names = registry.list(['mcp.files.*']).map((t) => t.name);
    expect(names).toContain('mcp.files.read_text_file');
    expect(names).toContain('mcp.files.write_file');
    expect(registry.get('mcp.files.read_text_file')!.effect).toBe('read');
    expect(registry.get('mcp.files.write_file')!.effect).toBe('write');
    expect(registry.get('mcp.files.read_text_file')!.inputSchema).toMatchObject({ type: 'object' });
    expect(connection.connected).toBe(true);
  });

  it('reads a file', async () => {
    const result = await registry.run('mcp.files.read_text_file', ctx(), {
      path: path.join(allowed, 'hello.txt'),
    });
    expect(result.content).toBe('hello from disk');
  });

  it('writes a file', async () => {
    const target = path.join(allowed, 'new.txt');
    await registry.run('mcp.files.write_file', ctx(), { path: target, content: 'written via MCP' });
    expect(await readFile(target, 'utf8')).toBe('written via MCP');
  });

  it('validates arguments with ajv against the server schema before calling', async () => {
    await expect(
      registry.run('mcp.files.read_text_file', ctx(), { pth: 'x' }),
    ).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringContaining(
        'mcp.files.read_text_file: invalid arguments: path: required',
      ),
    });
  });

  it('surfaces the server refusing a path outside its allowed directory as a clear error', async () => {
    await expect(
      registry.run('mcp.files.read_text_file', ctx(), { path: path.join(outside, 'secret.txt') }),
    ).rejects.toMatchObject({
      code: 'TOOL_FAILED',
      message: expect.stringMatching(
        /^mcp\.files\.read_text_file: MCP server 'files' reported an error: .*Access denied - path outside allowed directories/,
      ),
    });
  });

  it('fails calls with UNAVAILABLE naming the server once it has died, without crashing', async () => {
    const doomed = await connectMcpServer('doomed', {
      transport: 'stdio',
      command: process.execPath,
      args: [serverScript, allowed],
    });
    const read = doomed.tools.find((t) => t.name === 'mcp.doomed.read_text_file')!;
    await doomed.close();
    await expect(read.run(ctx(), { path: path.join(allowed, 'hello.txt') })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining("MCP server 'doomed' is not connected"),
    });
    expect(doomed.connected).toBe(false);
  });

  it('turns a server dying mid-call into UNAVAILABLE, and later calls too', async () => {
    const sdk = (file: string) =>
      new URL(
        `../../../../node_modules/@modelcontextprotocol/sdk/dist/esm/server/${file}`,
        import.meta.url,
      ).href;
    const script = path.join(base, 'crashing-server.mjs');
    await writeFile(
      script,
      `import { McpServer } from '${sdk('mcp.js')}';
import { StdioServerTransport } from '${sdk('stdio.js')}';
const server = new McpServer({ name: 'crashy', version: '1.0.0' });
server.registerTool('crash', { description: 'exits the server' }, async () => process.exit(1));
server.registerTool('ping', { description: 'answers' }, async () => ({ content: [{ type: 'text', text: 'pong' }] }));
await server.connect(new StdioServerTransport());
`,
    );
    const crashy = await connectMcpServer('crashy', {
      transport: 'stdio',
      command: process.execPath,
      args: [script],
    });
    const local = new ToolRegistry();
    for (const tool of crashy.tools) local.register(tool);
    expect((await local.run('mcp.crashy.ping', ctx(), {})).content).toBe('pong');
    await expect(local.run('mcp.crashy.crash', ctx(), {})).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining("MCP server 'crashy' is not connected"),
    });
    await expect(local.run('mcp.crashy.ping', ctx(), {})).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
    expect(crashy.connected).toBe(false);
  });

  it('reports a server that cannot start as UNAVAILABLE', async () => {
    await expect(
      connectMcpServer(
        'ghost',
        { transport: 'stdio', command: '/nonexistent/mcp-server' },
        { connectTimeoutMs: 5000 },
      ),
    ).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining("could not connect to MCP server 'ghost'"),
    });
  });
});

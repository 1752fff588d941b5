/**
 * MCP over Streamable HTTP against a small server built in-test with the SDK's `McpServer` and
 * `StreamableHTTPServerTransport` (stateless: one server per request) on 127.0.0.1.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  connectMcpServer,
  type McpConnection,
  ToolRegistry,
} from '../../../../src/daemon/tools/index.js';
import { toolContext } from './tool-context.js';

let http: Server;
let url: string;
let connection: McpConnection;
const registry = new ToolRegistry();
const authSeen: Array<string | undefined> = [];

function mcpServer(): McpServer {
  const server = new McpServer({ name: 'calc', version: '1.0.0' });
  server.registerTool(
    'add',
    {
      description: 'Adds two numbers',
      inputSchema: { a: z.number(), b: z.number() },
      annotations: { readOnlyHint: true },
    },
    async ({ a, b }) => ({
      content: [{ type: 'text', text: String(a + b) }],
      structuredContent: { sum: a + b },
    }),
  );
  server.registerTool('slow', { description: 'Takes five seconds' }, async () => {
    await new Promise((resolve) => setTimeout(resolve, 5000));
    return { content: [{ type: 'text', text: 'finally' }] };
  });
  server.registerTool('refuse', { description: 'Always refuses' }, async () => ({
    isError: true,
    content: [{ type: 'text', text: 'quota exhausted for today' }],
  }));
  return server;
}

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

beforeAll(async () => {
  http = createServer(async (req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    authSeen.push(req.headers.authorization);
    const server = mcpServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, await jsonBody(req));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  connection = await connectMcpServer(
    'calc',
    { transport: 'http', url, headers: { authorization: 'Bearer test-token' } },
    { callTimeoutMs: 500 },
  );
  for (const tool of connection.tools) registry.register(tool);
});

afterAll(async () => {
  await connection?.close();
  http.closeAllConnections();
  await new Promise((resolve) => http.close(resolve));
});

const ctx = () => toolContext({});

describe('MCP over Streamable HTTP', () => {
  it('lists tools with effects from annotations and sends the configured headers', () => {
    expect(registry.list().map((t) => t.name)).toEqual([
      'mcp.calc.add',
      'mcp.calc.refuse',
      'mcp.calc.slow',
    ]);
    expect(registry.get('mcp.calc.add')!.effect).toBe('read');
    expect(registry.get('mcp.calc.slow')!.effect).toBe('write');
    expect(authSeen.length).toBeGreaterThan(0);
    expect(authSeen.every((a) => a === 'Bearer test-token')).toBe(true);
  });

  it('calls a tool and returns text and structured data', async () => {
    const result = await registry.run('mcp.calc.add', ctx(), { a: 2, b: 40 });
    expect(result).toEqual({ content: '42', data: { sum: 42 }, truncated: false });
  });

  it('validates arguments against the server schema', async () => {
    await expect(registry.run('mcp.calc.add', ctx(), { a: 'two', b: 40 })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: 'mcp.calc.add: invalid arguments: a: must be number, got "two"',
    });
  });

  it('turns a tool error result into TOOL_FAILED with the server text', async () => {
    await expect(registry.run('mcp.calc.refuse', ctx(), {})).rejects.toMatchObject({
      code: 'TOOL_FAILED',
      message: "mcp.calc.refuse: MCP server 'calc' reported an error: quota exhausted for today",
    });
  });

  it('times a slow call out', async () => {
    await expect(registry.run('mcp.calc.slow', ctx(), {})).rejects.toMatchObject({
      code: 'TIMEOUT',
      message: "mcp.calc.slow: MCP server 'calc' did not answer within 500 ms",
    });
  });

  it('reports an unreachable server as UNAVAILABLE without echoing headers or query', async () => {
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const deadPort = (dead.address() as AddressInfo).port;
    await new Promise((resolve) => dead.close(resolve));
    const error = await connectMcpServer(
      'gone',
      {
        transport: 'http',
        url: `http://127.0.0.1:${deadPort}/mcp?key=q-secret`,
        headers: { authorization: 'h-secret' },
      },
      { connectTimeoutMs: 3000 },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining(
        `could not connect to MCP server 'gone' (http://127.0.0.1:${deadPort}/mcp)`,
      ),
    });
    expect((error as Error).message).not.toMatch(/secret/);
  });
});

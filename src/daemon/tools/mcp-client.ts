/**
 * @module Connecting to MCP servers (stdio or Streamable HTTP) with the official SDK client and
 * exposing their tools as {@link ToolDefinition}s named `mcp.<server>.<tool>`. The registry
 * validates their arguments with ajv against the server's schema and lists them under the same
 * allowlist as the built-ins. A server that dies, hangs or refuses makes calls fail with a typed
 * error naming it; the caller never crashes.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { AgentvisorError } from '../../core/index.js';
import { abortError } from './abort-reason.js';
import type { ToolContext, ToolDefinition, ToolResult } from './tool-types.js';

/** How to reach one MCP server, as declared in configuration. */
export type McpServerConfig =
  | {
      transport: 'stdio';
      command: string;
      args?: string[];
      env?: Record<string, string>;
      cwd?: string;
    }
  | { transport: 'http'; url: string; headers?: Record<string, string> };

/** Limits for one server's connection and calls. */
export interface McpConnectOptions {
  /** Time allowed to start, initialise and list tools; default 30 s. */
  connectTimeoutMs?: number;
  /** Time allowed for one tool call; default 60 s. */
  callTimeoutMs?: number;
  /** Text returned to the model is cut here; default 1 MiB. */
  maxResultBytes?: number;
  /** What happens to a stdio server's stderr; default `ignore`. */
  stderr?: 'ignore' | 'inherit';
}

/** A live connection to one MCP server. */
export interface McpConnection {
  readonly server: string;
  /** The server's tools as listed at connect time. */
  readonly tools: readonly ToolDefinition[];
  /** False once the server exited or the connection closed. */
  readonly connected: boolean;
  close(): Promise<void>;
}

const SERVER_NAME = /^[A-Za-z0-9_-]+$/;
const MAX_ERROR_TEXT = 500;

function transportFor(config: McpServerConfig, options: McpConnectOptions): Transport {
  if (config.transport === 'stdio')
    return new StdioClientTransport({
      command: config.command,
      args: config.args ?? [],
      ...(config.env === undefined ? {} : { env: config.env }),
      ...(config.cwd === undefined ? {} : { cwd: config.cwd }),
      stderr: options.stderr ?? 'ignore',
    });
  return new StreamableHTTPClientTransport(new URL(config.url), {
    requestInit: { headers: config.headers ?? {} },
  });
}

/** Where the server is, for messages: never headers, env or a URL's query (may hold tokens). */
function whereIs(config: McpServerConfig): string {
  if (config.transport === 'stdio') return `stdio command ${JSON.stringify(config.command)}`;
  try {
    const url = new URL(config.url);
    return `${url.origin}${url.pathname}`;
  } catch {
    return 'an invalid URL';
  }
}

function toolName(server: string, tool: string): string {
  return `mcp.${server}.${tool.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

type ContentItem = { type: string; [key: string]: unknown };

function contentText(items: readonly ContentItem[]): string {
  return items
    .map((item) => {
      if (item.type === 'text') return String(item['text'] ?? '');
      if (item.type === 'resource') {
        const resource = item['resource'] as { uri?: string; text?: string } | undefined;
        return resource?.text ?? `[resource ${resource?.uri ?? ''}]`;
      }
      if (item.type === 'resource_link') return `[resource ${String(item['uri'] ?? '')}]`;
      return `[${item.type} ${String(item['mimeType'] ?? '')}]`;
    })
    .join('\n');
}

function capped(text: string, maxBytes: number): { text: string; truncated: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return { text, truncated: false };
  return { text: bytes.subarray(0, maxBytes).toString('utf8'), truncated: true };
}

interface ServerState {
  server: string;
  client: Client;
  connected: boolean;
  callTimeoutMs: number;
  maxResultBytes: number;
}

function unavailable(state: ServerState, tool: string): AgentvisorError {
  return new AgentvisorError(
    'UNAVAILABLE',
    `${tool}: MCP server '${state.server}' is not connected (it exited or the connection closed); reconnect it to use its tools`,
    { details: { server: state.server, tool } },
  );
}

function callError(
  state: ServerState,
  tool: string,
  error: unknown,
  ctx: ToolContext,
): AgentvisorError {
  if (ctx.signal.aborted) return abortError(tool, ctx.signal, undefined, state.callTimeoutMs);
  if (!state.connected) return unavailable(state, tool);
  if (error instanceof McpError) {
    const details = { server: state.server, tool, mcpCode: error.code };
    const message = error.message.slice(0, MAX_ERROR_TEXT);
    if (error.code === ErrorCode.RequestTimeout)
      return new AgentvisorError(
        'TIMEOUT',
        `${tool}: MCP server '${state.server}' did not answer within ${state.callTimeoutMs} ms`,
        { details },
      );
    if (error.code === ErrorCode.ConnectionClosed) return unavailable(state, tool);
    if (error.code === ErrorCode.InvalidParams)
      return new AgentvisorError(
        'INPUT_INVALID',
        `${tool}: MCP server '${state.server}' rejected the arguments: ${message}`,
        {
          details,
        },
      );
    if (error.code === ErrorCode.MethodNotFound)
      return new AgentvisorError(
        'NOT_FOUND',
        `${tool}: MCP server '${state.server}' no longer offers this tool`,
        {
          details,
        },
      );
    return new AgentvisorError(
      'TOOL_FAILED',
      `${tool}: MCP server '${state.server}' failed: ${message}`,
      { details },
    );
  }
  const reason = error instanceof Error ? error.message.slice(0, MAX_ERROR_TEXT) : String(error);
  return new AgentvisorError(
    'TOOL_FAILED',
    `${tool}: call to MCP server '${state.server}' failed: ${reason}`,
    {
      details: { server: state.server, tool },
      cause: error,
    },
  );
}

function definitionFor(state: ServerState, tool: Tool): ToolDefinition {
  const name = toolName(state.server, tool.name);
  return {
    name,
    description: tool.description ?? tool.title ?? tool.name,
    inputSchema: tool.inputSchema as Record<string, unknown>,
    // Only a server's explicit promise makes a tool read-only; silence means it may write.
    effect: tool.annotations?.readOnlyHint === true ? 'read' : 'write',
    async run(ctx, args): Promise<ToolResult> {
      if (!state.connected) throw unavailable(state, name);
      let result: Awaited<ReturnType<Client['callTool']>>;
      try {
        result = await state.client.callTool(
          { name: tool.name, arguments: (args ?? {}) as Record<string, unknown> },
          undefined,
          { timeout: state.callTimeoutMs, signal: ctx.signal },
        );
      } catch (error) {
        throw callError(state, name, error, ctx);
      }
      const items = (Array.isArray(result.content) ? result.content : []) as ContentItem[];
      const text = contentText(items);
      if (result.isError === true)
        throw new AgentvisorError(
          'TOOL_FAILED',
          `${name}: MCP server '${state.server}' reported an error: ${text.slice(0, MAX_ERROR_TEXT)}`,
          { details: { server: state.server, tool: name } },
        );
      const { text: content, truncated } = capped(text, state.maxResultBytes);
      return { content, data: result.structuredContent ?? items, truncated };
    },
  };
}

async function listAllTools(client: Client, timeout: number): Promise<Tool[]> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor === undefined ? undefined : { cursor }, { timeout });
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return tools;
}

/**
 * Connects to MCP server `name`, lists its tools and returns them as tool definitions.
 * Throws `UNAVAILABLE` naming the server when it cannot be started, reached or initialised.
 *
 * @example
 * const fsServer = await connectMcpServer('files', {
 *   transport: 'stdio', command: 'npx', args: ['@modelcontextprotocol/server-filesystem', '/srv'],
 * });
 * for (const tool of fsServer.tools) registry.register(tool);
 */
export async function connectMcpServer(
  name: string,
  config: McpServerConfig,
  options: McpConnectOptions = {},
): Promise<McpConnection> {
  if (!SERVER_NAME.test(name))
    throw new AgentvisorError(
      'INPUT_INVALID',
      `MCP server name ${JSON.stringify(name)} is invalid: use letters, digits, '_' and '-'`,
      { details: { path: 'name' } },
    );
  const connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
  const client = new Client({ name: 'agentvisor', version: '0.1.0' }, { capabilities: {} });
  const state: ServerState = {
    server: name,
    client,
    connected: false,
    callTimeoutMs: options.callTimeoutMs ?? 60_000,
    maxResultBytes: options.maxResultBytes ?? 1024 * 1024,
  };
  client.onclose = () => {
    state.connected = false;
  };
  // Transport errors also reject the pending request, which is where they are reported.
  client.onerror = () => undefined;
  let tools: Tool[];
  try {
    await client.connect(transportFor(config, options), { timeout: connectTimeoutMs });
    state.connected = true;
    tools = await listAllTools(client, connectTimeoutMs);
  } catch (error) {
    await client.close().catch(() => undefined);
    const reason = error instanceof Error ? error.message.slice(0, MAX_ERROR_TEXT) : String(error);
    throw new AgentvisorError(
      'UNAVAILABLE',
      `could not connect to MCP server '${name}' (${whereIs(config)}): ${reason}`,
      { details: { server: name, transport: config.transport }, cause: error },
    );
  }
  const definitions = tools.map((tool) => definitionFor(state, tool));
  return {
    server: name,
    tools: definitions,
    get connected() {
      return state.connected;
    },
    async close() {
      state.connected = false;
      await client.close();
    },
  };
}

/**
 * @module Tools: the registry with argument validation, the built-ins (files, HTTP, commands,
 * memory, messages, goals) confined to an agent's scopes, MCP servers' tools, and tools run from
 * an operator's module through a sandbox.
 */
export { type ArgumentIssue, invalidArguments } from './argument-errors.js';
export { type BuiltinToolSpec, builtinTool } from './builtin-tool.js';
export { builtinTools } from './builtin-tools.js';
export { type FsListEntry, fsList, fsRead, fsWrite } from './fs-tools.js';
export { hostAllowed } from './host-allowlist.js';
export { httpFetch } from './http-fetch-tool.js';
export { jsonSchemaValidator } from './json-schema-validator.js';
export {
  connectMcpServer,
  type McpConnection,
  type McpConnectOptions,
  type McpServerConfig,
} from './mcp-client.js';
export { type ModuleToolOptions, moduleTool } from './module-tool.js';
export { resolveInScope, type ScopedPath } from './path-scope.js';
export {
  goalComplete,
  goalPush,
  humanAsk,
  memoryPut,
  memorySearch,
  messageSend,
  permissionRequest,
} from './service-tools.js';
export { type ShellExecData, shellExec } from './shell-exec-tool.js';
export { ToolRegistry, toolAllowed } from './tool-registry.js';
export type {
  ToolContext,
  ToolDefinition,
  ToolGoalInput,
  ToolMemoryHit,
  ToolMemoryItem,
  ToolResult,
  ToolScopes,
  ToolServices,
} from './tool-types.js';

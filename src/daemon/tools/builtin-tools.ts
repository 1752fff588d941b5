/**
 * @module The list of built-in tools a daemon registers.
 */
import { fsList, fsRead, fsWrite } from './fs-tools.js';
import { httpFetch } from './http-fetch-tool.js';
import {
  goalComplete,
  goalPush,
  humanAsk,
  memoryPut,
  memorySearch,
  messageSend,
  permissionRequest,
} from './service-tools.js';
import { shellExec } from './shell-exec-tool.js';
import type { ToolDefinition } from './tool-types.js';

/**
 * Every built-in tool. What each may touch is decided per call by the agent's
 * {@link ToolScopes}, so the same definitions serve every agent.
 *
 * @example
 * const registry = new ToolRegistry();
 * for (const tool of builtinTools()) registry.register(tool);
 */
export function builtinTools(): ToolDefinition[] {
  return [
    fsRead,
    fsWrite,
    fsList,
    httpFetch,
    shellExec,
    memorySearch,
    memoryPut,
    messageSend,
    goalPush,
    permissionRequest,
    humanAsk,
    goalComplete,
  ] as ToolDefinition[];
}

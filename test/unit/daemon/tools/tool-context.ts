import type { ToolContext, ToolScopes, ToolServices } from '../../../../src/daemon/tools/index.js';

/** Services that fail if a test reaches them unexpectedly. */
export const unusedServices: ToolServices = {
  memory: {
    put: () => Promise.reject(new Error('memory.put not expected')),
    search: () => Promise.reject(new Error('memory.search not expected')),
  },
  messages: { send: () => Promise.reject(new Error('messages.send not expected')) },
  goals: {
    push: () => Promise.reject(new Error('goals.push not expected')),
    complete: () => Promise.reject(new Error('goals.complete not expected')),
  },
  permissions: { request: () => Promise.reject(new Error('permissions.request not expected')) },
  humans: { ask: () => Promise.reject(new Error('humans.ask not expected')) },
};

export function toolContext(
  scopes: ToolScopes,
  services: ToolServices = unusedServices,
): ToolContext {
  return {
    agentId: 'agent-1',
    scopes,
    services,
    signal: new AbortController().signal,
    idempotencyKey: 'key-1',
  };
}

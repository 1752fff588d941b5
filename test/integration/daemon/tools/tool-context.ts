import type { ToolContext, ToolScopes, ToolServices } from '../../../../src/daemon/tools/index.js';

const unused = () => Promise.reject(new Error('service not expected in this test'));

/** A context for tools that call no service. */
export function toolContext(
  scopes: ToolScopes,
  signal: AbortSignal = new AbortController().signal,
): ToolContext {
  const services: ToolServices = {
    memory: { put: unused, search: unused },
    messages: { send: unused },
    goals: { push: unused, complete: unused },
    permissions: { request: unused },
    humans: { ask: unused },
  };
  return { agentId: 'agent-1', scopes, services, signal, idempotencyKey: 'call-key-1' };
}

/**
 * @module The CLI's client for a running node: the verbs that show or change live state
 * (`status`, `top`, `policy patch` ...) ask the node's HTTP API as the local operator, with the
 * token from `<data dir>/node.json`. Errors come back as the node's `{ code, message }` and are
 * rethrown as the same typed error, so exit codes match a local failure.
 */

import type { Command } from 'commander';
import { AgentvisorError, type ErrorCode } from '../core/index.js';
import { readNodeEndpoint } from '../system/index.js';
import { type GlobalOptions, loadCliConfig, operatorCaller } from './context.js';

/** A connection to the running node of a data directory. */
export interface NodeClient {
  readonly url: string;
  get<T>(path: string): Promise<T>;
  send<T>(method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
  /** The raw response body (for HTML and text). */
  text(path: string): Promise<string>;
}

/**
 * Connects to the node that runs on `dataDir`. Nothing is sent until the first call; a node that
 * wrote its endpoint file and then died is reported as not running, with the pid it had.
 */
export function connectNode(dataDir: string, timeoutMs = 10_000): NodeClient {
  const endpoint = readNodeEndpoint(dataDir);
  const headers = {
    authorization: `Bearer ${endpoint.token}`,
    'x-agentvisor-operator': operatorCaller().id,
  };
  async function request(method: string, path: string, body?: unknown): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${endpoint.url}${path}`, {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const reason = (error as Error).name === 'TimeoutError' ? 'did not answer' : 'is not running';
      throw new AgentvisorError(
        'UNAVAILABLE',
        `the Agentvisor node at ${endpoint.url} (pid ${endpoint.pid}, started ${endpoint.startedAt}) ${reason}; start one with \`agentvisor start\``,
        { cause: error },
      );
    }
    if (!response.ok) {
      let code: ErrorCode = 'INTERNAL';
      let message = `${method} ${path} failed with HTTP ${response.status}`;
      try {
        const e = (await response.json()) as { code?: ErrorCode; message?: string };
        if (typeof e.code === 'string') code = e.code;
        if (typeof e.message === 'string') message = e.message;
      } catch {
        // Not our JSON error shape: keep the status line.
      }
      throw new AgentvisorError(code, message);
    }
    return response;
  }
  return {
    url: endpoint.url,
    async get<T>(path: string) {
      return (await (await request('GET', path)).json()) as T;
    },
    async send<T>(method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown) {
      return (await (await request(method, path, body)).json()) as T;
    },
    async text(path: string) {
      return (await request('GET', path)).text();
    },
  };
}

/** The running node of a verb's data directory, and whether the verb prints JSON. */
export function nodeOfCommand(cmd: Command): { node: NodeClient; json: boolean } {
  const options = cmd.optsWithGlobals<GlobalOptions>();
  const { dataDir } = loadCliConfig(options);
  return { node: connectNode(dataDir), json: options.json === true };
}

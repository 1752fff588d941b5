/**
 * @module The agent and task logs over REST: `GET /logs?agent=&task=&level=&after=&limit=`, the
 * `logs.read` operation (whose argument schema is the request schema). Poll with the answer's
 * `cursor` as `after` to follow new lines.
 */
import { type ApiRoute, apiRoute } from './api-route.js';

/** The log routes. */
export function logRoutes(): ApiRoute[] {
  return [
    apiRoute({
      method: 'GET',
      path: '/logs',
      summary:
        "Agent and task log lines, newest last, by agent, task and minimum level; pass the answer's `cursor` as `after` for newer lines",
      tag: 'Logs',
      role: 'viewer',
      op: 'logs.read',
    }),
  ];
}

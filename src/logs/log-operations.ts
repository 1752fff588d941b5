/**
 * @module The kernel operation `logs.read`: stored agent and task log lines, for the REST route
 * `GET /logs`, the CLI's `logs` verb and the dashboard. Its argument schema is the route's
 * request schema, so a bad level is refused with the allowed values named.
 */
import { z } from 'zod';
import { type Kernel, LOG_LEVELS } from '../core/index.js';
import type { Store } from '../store/index.js';
import { DEFAULT_QUERY_LIMIT, type LogPage, MAX_QUERY_LIMIT, queryLogs } from './log-query.js';

/** The arguments of `logs.read`. */
export const logsReadArgs = z
  .object({
    /** An agent's name or id. */
    agent: z.string().min(1).max(200).optional(),
    /** A task id. */
    task: z.string().min(1).max(200).optional(),
    /** This level or more severe. */
    level: z.enum(LOG_LEVELS).optional(),
    /** Only lines after this entry id (the previous answer's `cursor`). */
    after: z.uuid().optional(),
    limit: z.number().int().min(1).max(MAX_QUERY_LIMIT).default(DEFAULT_QUERY_LIMIT),
  })
  .strict();

/**
 * Registers `logs.read` (capability `telemetry.read`).
 *
 * @example
 * registerLogOperations(kernel, { store });
 * const { result } = await kernel.call(operator, 'logs.read', { task: id, level: 'warn' });
 */
export function registerLogOperations(kernel: Kernel, deps: { readonly store: Store }): void {
  kernel.register({
    name: 'logs.read',
    description:
      'Stored agent and task log lines, newest last: by agent, task and minimum level, after a cursor.',
    effect: 'read',
    capability: 'telemetry.read',
    args: logsReadArgs,
    handler: (_ctx, args): Promise<LogPage> => queryLogs(deps.store, args),
    ledgerFacts: (args, result) => ({
      ...(args.agent === undefined ? {} : { agent: args.agent }),
      ...(args.task === undefined ? {} : { task: args.task }),
      ...(result === undefined ? {} : { lines: result.entries.length }),
    }),
  });
}

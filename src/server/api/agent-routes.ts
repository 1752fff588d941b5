/**
 * @module Agents under supervision: list, detail, lifecycle (start, stop, restart), dependencies,
 * profile, policy, goals and memory. Lifecycle and policy changes are kernel operations in the
 * caller's name.
 */
import { z } from 'zod';
import type { AgentSupervision } from '../../system/index.js';
import { type ApiRoute, apiRoute } from './api-route.js';

const name = z.object({ name: z.string().min(1).max(128) }).strict();
const snapshotVersion = z
  .object({
    name: z.string().min(1).max(64),
    version: z.coerce.number().int().min(1),
    reason: z.string(),
  })
  .strict();

/** The agent routes; they need the node's supervision. */
export function agentRoutes(supervision: AgentSupervision): ApiRoute[] {
  const lifecycle = (verb: 'start' | 'stop' | 'restart', summary: string) =>
    apiRoute({
      method: 'POST',
      path: `/agents/:name/${verb}`,
      summary,
      tag: 'Agents',
      role: 'operator',
      op: `agent.${verb}`,
      params: { name: 'agent' },
    });
  return [
    apiRoute({
      method: 'GET',
      path: '/agents',
      summary: 'Every configured agent with its supervision state',
      tag: 'Agents',
      role: 'viewer',
      input: z.object({}).strict(),
      handle: () => ({ agents: supervision.list() }),
    }),
    apiRoute({
      method: 'GET',
      path: '/agents/:name',
      summary: 'One agent: state, resource usage and rates',
      tag: 'Agents',
      role: 'viewer',
      input: name,
      handle: (_ctx, input) => {
        const agent = supervision.info(input.name);
        const watched = supervision.monitor.has(agent.id);
        return {
          agent,
          usage: watched ? supervision.monitor.usage(agent.id) : null,
          rates: watched ? supervision.monitor.rates(agent.id, 10) : null,
        };
      },
    }),
    lifecycle('start', 'Start a stopped or failed agent'),
    lifecycle('stop', 'Stop an agent (it keeps its goals and memory)'),
    lifecycle('restart', 'Restart an agent now'),
    apiRoute({
      method: 'POST',
      path: '/agents/:name/pause',
      summary: 'Pause an agent: no beats; goals, memory and pending work are kept',
      tag: 'Agents',
      role: 'operator',
      op: 'agent.pause',
      params: { name: 'agent' },
    }),
    apiRoute({
      method: 'POST',
      path: '/agents/:name/resume',
      summary: 'Resume a paused agent where it was',
      tag: 'Agents',
      role: 'operator',
      op: 'agent.resume',
      params: { name: 'agent' },
    }),
    apiRoute({
      method: 'GET',
      path: '/agents/:name/memory',
      summary: "Search the agent's memory (or list its newest items without a query)",
      tag: 'Agents',
      role: 'viewer',
      op: 'memory.inspect',
      params: { name: 'agent' },
    }),
    apiRoute({
      method: 'GET',
      path: '/agents/:name/snapshots',
      summary: "The agent's stored snapshots, newest first",
      tag: 'Agents',
      role: 'viewer',
      op: 'snapshot.list',
      params: { name: 'agent' },
    }),
    apiRoute({
      method: 'POST',
      path: '/agents/:name/snapshots/:version/restore',
      summary: "Restore the agent's memory from a snapshot (pause the agent first)",
      tag: 'Agents',
      role: 'operator',
      input: snapshotVersion,
      handle: (ctx, input) =>
        ctx.call('snapshot.restore', {
          agent: input.name,
          version: input.version,
          reason: input.reason,
        }),
    }),
    apiRoute({
      method: 'DELETE',
      path: '/agents/:name/snapshots/:version',
      summary: 'Delete one stored snapshot',
      tag: 'Agents',
      role: 'operator',
      input: snapshotVersion,
      handle: (ctx, input) =>
        ctx.call('snapshot.delete', {
          agent: input.name,
          version: input.version,
          reason: input.reason,
        }),
    }),
    apiRoute({
      method: 'POST',
      path: '/team/pause',
      summary: 'Pause every agent of the team (or those named in `agents`)',
      tag: 'Team',
      role: 'operator',
      op: 'team.pause',
    }),
    apiRoute({
      method: 'POST',
      path: '/team/resume',
      summary: 'Resume every paused agent of the team (or those named in `agents`)',
      tag: 'Team',
      role: 'operator',
      op: 'team.resume',
    }),
    apiRoute({
      method: 'GET',
      path: '/agents/:name/dependencies',
      summary: 'What the agent depends on, what depends on it, and the exit cascade',
      tag: 'Agents',
      role: 'viewer',
      input: name,
      handle: (_ctx, input) => supervision.deps(input.name),
    }),
    apiRoute({
      method: 'GET',
      path: '/agents/:name/profile',
      summary: 'Per-operation latency profile (p50, p95, p99) of the last 100 calls of each',
      tag: 'Agents',
      role: 'viewer',
      input: name,
      handle: (_ctx, input) => supervision.profile(input.name),
    }),
    apiRoute({
      method: 'GET',
      path: '/agents/:name/policy',
      summary: "The agent's policy in force (grants, ceiling, version)",
      tag: 'Agents',
      role: 'viewer',
      op: 'policy.show',
      params: { name: 'agent' },
    }),
    apiRoute({
      method: 'POST',
      path: '/agents/:name/policy',
      summary: "Hot-patch the agent's policy; in force on its next operation",
      tag: 'Agents',
      role: 'operator',
      op: 'policy.patch',
      params: { name: 'agent' },
    }),
    apiRoute({
      method: 'GET',
      path: '/agents/:name/goals',
      summary: "The agent's goal tree (newest 500 goals)",
      tag: 'Agents',
      role: 'viewer',
      input: name,
      handle: async ({ system }, input) => {
        const { id } = supervision.info(input.name);
        const goals = await system.store.db
          .selectFrom('goals')
          .select([
            'id',
            'parent_id',
            'description',
            'priority',
            'status',
            'status_reason',
            'status_at',
            'outcome',
            'attempts',
            'created_at',
          ])
          .where('agent_id', '=', id)
          .orderBy('created_at', 'desc')
          .limit(500)
          .execute();
        return { agent: input.name, goals };
      },
    }),
  ];
}

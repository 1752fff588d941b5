/**
 * @module The node as a whole: status (agents, system gauges, recent calls, ledger head), model
 * providers' health, usage counters, and the kernel's operation table.
 */
import { z } from 'zod';
import { gatewayStatus } from '../../gateway/index.js';
import type { AgentSupervision } from '../../system/index.js';
import { type ApiRoute, apiRoute } from './api-route.js';

/** The system routes. */
export function systemRoutes(supervision: AgentSupervision | undefined): ApiRoute[] {
  return [
    apiRoute({
      method: 'GET',
      path: '/status',
      summary: 'Agents and their states, system gauges, recent calls and the ledger head',
      tag: 'System',
      role: 'viewer',
      input: z.object({ recent: z.number().int().min(0).max(200).default(20) }).strict(),
      handle: async ({ system }, input) => {
        const snapshot = system.telemetry.snapshot({ recent: input.recent });
        return {
          agents: supervision?.list() ?? [],
          system: snapshot.system,
          totalCalls: snapshot.totalCalls,
          recent: snapshot.recent,
          ledger: await system.ledger.head(),
          store: system.store.dialect,
        };
      },
    }),
    apiRoute({
      method: 'GET',
      path: '/providers',
      summary: "Model providers: each one's health, and the gateway's counters for a window",
      tag: 'System',
      role: 'viewer',
      input: z.object({ window_minutes: z.number().int().min(1).max(10_080).default(60) }).strict(),
      handle: async ({ system }, input) => ({
        live: system.gateway.metrics(),
        recent: await gatewayStatus(system.store, Date.now() - input.window_minutes * 60_000),
      }),
    }),
    apiRoute({
      method: 'GET',
      path: '/operations',
      summary: "The kernel's operation table: every operation, its capability and effect",
      tag: 'System',
      role: 'viewer',
      input: z.object({}).strict(),
      handle: ({ system }) => ({
        operations: system.kernel
          .operations()
          .map((o) => ({
            name: o.name,
            description: o.description,
            effect: o.effect,
            capability: o.capability ?? null,
          }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      }),
    }),
  ];
}

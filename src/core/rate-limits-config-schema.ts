/**
 * @module The `rate_limits` config section: seed 002's "Rate Limiting" table as defaults — API
 * requests per minute by role, WebSocket messages and connections, agents' tool calls,
 * escalations and messages, and failed sign-ins per address.
 */
import { z } from 'zod';

const perMinute = z.int().min(1).max(1_000_000);

export const rateLimitsConfigSchema = z
  .object({
    /** API requests per minute: `anonymous` per client address, the rest per caller. */
    api: z
      .object({
        anonymous: perMinute.default(10),
        viewer: perMinute.default(100),
        operator: perMinute.default(100),
        admin: perMinute.default(1000),
      })
      .strict()
      .default({ anonymous: 10, viewer: 100, operator: 100, admin: 1000 }),
    websocket: z
      .object({
        /** Messages a client sends per minute. */
        messages: perMinute.default(30),
        /** Open connections per user or key. */
        connections: z.int().min(1).max(10_000).default(5),
      })
      .strict()
      .default({ messages: 30, connections: 5 }),
    /** Per agent, per minute. */
    agents: z
      .object({
        tool_calls: perMinute.default(50),
        escalations: perMinute.default(5),
        messages: perMinute.default(100),
      })
      .strict()
      .default({ tool_calls: 50, escalations: 5, messages: 100 }),
    /** Failed sign-ins per client address per 15 minutes. */
    login_failures: z.int().min(1).max(10_000).default(5),
  })
  .strict();

/** The validated section. */
export type RateLimitsConfig = z.infer<typeof rateLimitsConfigSchema>;

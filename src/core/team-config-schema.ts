/**
 * @module The `team` section of agentvisor.yaml: how the orchestrator runs the 7-phase
 * algorithm over the configured role agents (seed 002, "The Algorithm").
 */
import { z } from 'zod';

/** The `team` section. */
export const teamConfigSchema = z
  .object({
    /** The gateway alias the orchestrator plans and verifies with. */
    model: z.string().min(1).optional(),
    /** Verify failures traced back and retried at most this many times per run. */
    max_rounds: z.number().int().min(1).max(10).default(3),
    /** Most subtasks one plan may hold. */
    max_subtasks: z.number().int().min(1).max(100).default(12),
    /** How often a run looks at its subtasks' state while they are worked on. */
    poll_ms: z.number().int().min(10).max(60_000).default(200),
    /** A subtask not finished in this time fails (and verify decides what follows). */
    subtask_timeout_seconds: z
      .number()
      .int()
      .min(1)
      .max(7 * 86_400)
      .default(3600),
    /** Every run waits for a human's approval (an approval item) before it executes. */
    require_approval: z.boolean().default(false),
    /** How long that approval item stays open. */
    approval_ttl_seconds: z
      .number()
      .int()
      .min(60)
      .max(30 * 86_400)
      .default(86_400),
  })
  .strict();

/** The parsed `team` section. */
export type TeamConfig = z.output<typeof teamConfigSchema>;

/** The `bus` section: which message bus carries agents' messages, and its limits (seed 002). */
export const busConfigSchema = z
  .object({
    /** `memory` (in-process, the default) or `redis` (Redis Streams; needs `redis.url`). */
    driver: z.enum(['memory', 'redis']).default('memory'),
    /** Largest payload in bytes of canonical JSON. */
    max_payload_bytes: z
      .number()
      .int()
      .min(1024)
      .max(16 * 1024 * 1024)
      .default(256 * 1024),
    /** Inter-agent messages per minute per agent (seed 002 Rate Limiting). */
    messages_per_minute: z.number().int().min(1).max(1_000_000).default(100),
    /** Messages waiting per consumer before senders are held back. */
    queue_capacity: z.number().int().min(1).max(1_000_000).default(1024),
    /** Delivery attempts before a message goes to the dead-letter queue. */
    max_attempts: z.number().int().min(1).max(100).default(3),
    /** Dead letters above which an alert is raised (0: alert on the first). */
    dlq_alert_threshold: z.number().int().min(0).max(1_000_000).default(100),
  })
  .strict();

/** The parsed `bus` section. */
export type BusConfig = z.output<typeof busConfigSchema>;

/**
 * @module The `supervisor:` and `telemetry:` sections of `agentvisor.yaml`: how the supervisor
 * restarts agents (strategy, intensity, backoff), how often it samples them, how long the
 * watchdog waits, which fault preset applies, and where traces go.
 */
import { z } from 'zod';

/** `supervisor:` (seed 001 lifecycle and fault detection; seed 002 recovery and shutdown). */
export const supervisorConfigSchema = z
  .object({
    /** Which siblings restart with a crashed agent (Erlang/OTP). */
    strategy: z.enum(['one_for_one', 'one_for_all', 'rest_for_one']).default('one_for_one'),
    /** More restarts than this within the window and the supervisor gives up (escalates). */
    intensity: z
      .object({
        max_restarts: z.number().int().min(0).max(10_000).default(10),
        within_seconds: z.number().min(1).max(86_400).default(60),
      })
      .strict()
      .default({ max_restarts: 10, within_seconds: 60 }),
    /** Seconds to wait before restart 1, 2, 3 ...; the last value repeats (seed 002). */
    backoff_seconds: z.array(z.number().min(0).max(3600)).min(1).max(20).default([10, 30, 60]),
    /** An agent up this long has its backoff reset. */
    reset_after_seconds: z.number().min(1).max(86_400).default(60),
    /** Resource sampling period (seed 001 §15: 1-second windows). */
    monitor_interval_ms: z.number().int().min(100).max(60_000).default(1000),
    /** Seconds without a heartbeat before the watchdog acts; `null` turns it off. */
    watchdog_seconds: z.number().min(1).max(86_400).nullable().default(120),
    /**
     * Fault limits for every agent that sets none of its own (seed 001's safe defaults: a CPU
     * quota per window, a memory ceiling for isolated agents, an operation rate); `null` turns one
     * off.
     */
    default_limits: z
      .object({
        cpu_percent: z.number().positive().max(6400).nullable().default(100),
        memory_mb: z.number().positive().max(1_048_576).nullable().default(512),
        ops_per_second: z.number().positive().max(1_000_000).nullable().default(1000),
      })
      .strict()
      .default({ cpu_percent: 100, memory_mb: 512, ops_per_second: 1000 }),
    /** Recovery per fault type: `permissive` logs and throttles, `strict` kills and restarts. */
    faults: z.enum(['permissive', 'strict']).default('permissive'),
    /** How long a graceful shutdown waits for agents to finish their beat. */
    shutdown_timeout_seconds: z.number().min(0).max(3600).default(10),
  })
  .strict();

/** `telemetry:`: OpenTelemetry export (off unless an endpoint is set). */
export const telemetryConfigSchema = z
  .object({
    /** OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces. */
    otlp_endpoint: z.string().url().optional(),
    service_name: z.string().min(1).default('agentvisor'),
  })
  .strict();

/** Parsed `supervisor:` section. */
export type SupervisorConfig = z.infer<typeof supervisorConfigSchema>;
/** Parsed `telemetry:` section. */
export type TelemetryConfig = z.infer<typeof telemetryConfigSchema>;

/**
 * @module The `logs:` section of `agentvisor.yaml`: which agent and task log lines are stored
 * (the minimum level), and how long and how much of them is kept (by age and by total size, so
 * that logs never fill the disk).
 */
import { z } from 'zod';

/** Log levels from least to most severe, as pino names them. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `logs:` (seed 002 "Database Schema: task_logs", issue 9 "Logs"). */
export const logsConfigSchema = z
  .object({
    /** Lines older than this many days are deleted by the retention sweep. */
    retention_days: z.number().positive().max(3650).default(14),
    /** The stored lines' total size (MiB) the sweep keeps under, deleting the oldest first. */
    max_mb: z.number().positive().max(1_048_576).default(256),
    /** The least severe level stored; lines below it go to the process log only. */
    level: z.enum(LOG_LEVELS).default('info'),
  })
  .strict();

/** Parsed `logs:` section. */
export type LogsConfig = z.infer<typeof logsConfigSchema>;

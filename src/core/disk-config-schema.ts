/**
 * @module The `disk` config section: how much free space the data directory's disk keeps in
 * reserve. Below the reserve, operations that change anything are refused; below a quarter of
 * it, nothing is written at all — so the disk never fills and no acknowledged write is lost.
 */
import { z } from 'zod';

export const diskConfigSchema = z
  .object({
    /** Free space (MiB) kept on the data directory's disk; 0 turns the guard off. */
    reserve_mb: z.number().min(0).max(10_000_000).default(256),
    /** How often free space is measured, in seconds. */
    check_seconds: z.number().positive().max(3600).default(5),
  })
  .strict();

/** The validated section. */
export type DiskConfig = z.infer<typeof diskConfigSchema>;

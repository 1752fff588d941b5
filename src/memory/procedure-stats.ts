/**
 * @module Procedural memory's numbers: for each action an agent takes, how often it was tried,
 * how often it worked, how long it took, and how it went last time (seed 003 `learn(action,
 * result)`). Each action's statistics are also written out in words as a procedural memory item,
 * so "how does deploying usually go?" finds them by search and they count against the budget.
 */
import type { MemoryProcedureTable } from '../store/index.js';

/** The outcome statistics of one action. */
export interface ProcedureStats {
  action: string;
  /** The procedural memory item describing these statistics. */
  itemId: string;
  attempts: number;
  successes: number;
  failures: number;
  /** successes / attempts. */
  successRate: number;
  /** Mean of the reported durations; null when no outcome reported one. */
  meanDurationMs: number | null;
  lastOutcome: { success: boolean; durationMs: number | null; note: string | null; at: string };
}

/** An outcome as {@link AgentMemory.recordOutcome} takes it. */
export interface ActionOutcome {
  success: boolean;
  durationMs?: number;
  note?: string;
}

/** The statistics held in a `memory_procedures` row. */
export function rowToStats(row: MemoryProcedureTable): ProcedureStats {
  const attempts = Number(row.attempts);
  const durations = Number(row.duration_count);
  return {
    action: row.action,
    itemId: row.item_id,
    attempts,
    successes: Number(row.successes),
    failures: Number(row.failures),
    successRate: attempts === 0 ? 0 : Number(row.successes) / attempts,
    meanDurationMs: durations === 0 ? null : Number(row.duration_total_ms) / durations,
    lastOutcome: {
      success: Number(row.last_success) === 1,
      durationMs: row.last_duration_ms === null ? null : Number(row.last_duration_ms),
      note: row.last_note,
      at: row.last_at,
    },
  };
}

/** `row` after one more `outcome` at `at`; a new row when `row` is undefined. */
export function applyOutcome(
  row: MemoryProcedureTable | undefined,
  base: Pick<MemoryProcedureTable, 'agent_id' | 'action' | 'item_id'>,
  outcome: ActionOutcome,
  at: string,
): MemoryProcedureTable {
  const previous = row ?? {
    ...base,
    attempts: 0,
    successes: 0,
    failures: 0,
    duration_total_ms: 0,
    duration_count: 0,
    last_success: 0,
    last_duration_ms: null,
    last_note: null,
    last_at: at,
  };
  const timed = outcome.durationMs !== undefined;
  return {
    ...previous,
    attempts: Number(previous.attempts) + 1,
    successes: Number(previous.successes) + (outcome.success ? 1 : 0),
    failures: Number(previous.failures) + (outcome.success ? 0 : 1),
    duration_total_ms: Number(previous.duration_total_ms) + (outcome.durationMs ?? 0),
    duration_count: Number(previous.duration_count) + (timed ? 1 : 0),
    last_success: outcome.success ? 1 : 0,
    last_duration_ms: outcome.durationMs ?? null,
    last_note: outcome.note ?? null,
    last_at: at,
  };
}

/**
 * The statistics in words, as stored in the procedural item: searchable and readable in a
 * prompt as they are.
 *
 * @example
 * describeProcedure(stats); // 'deploy: 7 of 10 attempts succeeded (70%), mean 1200 ms; last: failed (timeout)'
 */
export function describeProcedure(stats: ProcedureStats): string {
  const rate = Math.round(stats.successRate * 100);
  const mean = stats.meanDurationMs === null ? '' : `, mean ${Math.round(stats.meanDurationMs)} ms`;
  const last = stats.lastOutcome.success ? 'succeeded' : 'failed';
  const note = stats.lastOutcome.note ? ` (${stats.lastOutcome.note.slice(0, 200)})` : '';
  return `${stats.action}: ${stats.successes} of ${stats.attempts} attempts succeeded (${rate}%)${mean}; last: ${last}${note}`;
}

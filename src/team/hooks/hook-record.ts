/**
 * @module The record of one hook run: what the runner hands to `onRecord` (which the lead
 * wires to the ledger). Plain frozen data, tagged by `kind`; it never holds the payload, the
 * arguments or a hook's output, because those may carry secrets.
 */
import type { HookEvent } from './hook-events.js';

/** What happened when one hook ran. */
export const HOOK_RUN_OUTCOMES = ['ok', 'error', 'timeout', 'denied', 'amended'] as const;
/** One of {@link HOOK_RUN_OUTCOMES}. */
export type HookRunOutcome = (typeof HOOK_RUN_OUTCOMES)[number];

/** Longest error message kept in a record. */
export const MAX_RECORD_ERROR_CHARS = 500;

/** The record of one hook run. */
export interface HookRecord {
  readonly kind: 'hook.run';
  /** Position of the hook in the `hooks:` list (`hooks[2]` is 2). */
  readonly hookIndex: number;
  readonly event: HookEvent;
  readonly outcome: HookRunOutcome;
  readonly durationMs: number;
  /** Why the hook failed (`error`, `timeout`). */
  readonly error?: string;
  /** The hook's deny reason (`denied`). */
  readonly reason?: string;
  /** True when this failure denied the call because the hook has `on_error: deny`. */
  readonly failedClosed?: boolean;
}

/**
 * Builds a frozen {@link HookRecord}, cutting a long error message.
 *
 * @example
 * hookRecord({ hookIndex: 0, event: 'PreToolUse', outcome: 'ok', durationMs: 3 });
 */
export function hookRecord(fields: Omit<HookRecord, 'kind'>): HookRecord {
  const error =
    fields.error !== undefined && fields.error.length > MAX_RECORD_ERROR_CHARS
      ? `${fields.error.slice(0, MAX_RECORD_ERROR_CHARS - 3)}...`
      : fields.error;
  const record: HookRecord = { kind: 'hook.run', ...fields };
  return Object.freeze(error === undefined ? record : { ...record, error });
}

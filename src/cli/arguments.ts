/** @module Parsing of CLI arguments into typed values, with errors that name the argument. */
import { AgentvisorError } from '../core/index.js';

/** Parses a positive integer argument (`--from 5`, `SEQ`). */
export function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new AgentvisorError(
      'INPUT_INVALID',
      `${name}: expected a positive integer, got "${value}"`,
      { details: { argument: name } },
    );
  }
  return Number(value);
}

/** Like {@link positiveInt} but the argument must be present. */
export function requiredPositiveInt(name: string, value: string | undefined): number {
  const n = positiveInt(name, value);
  if (n === undefined) throw new AgentvisorError('INPUT_INVALID', `${name} is required`);
  return n;
}

/**
 * The `--reason` of a verb that changes governed state; INPUT_INVALID naming the verb when it
 * is missing or blank.
 */
export function requiredReason(verb: string, reason: string | undefined): string {
  if (reason === undefined || reason.trim() === '') {
    throw new AgentvisorError(
      'INPUT_INVALID',
      `${verb}: --reason is required (the ledger records who did it and why)`,
      { details: { argument: '--reason' } },
    );
  }
  return reason;
}

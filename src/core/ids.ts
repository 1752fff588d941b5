/**
 * @module Identifiers. Every record Agentvisor creates is named by a UUIDv7 (RFC 9562): unique
 * across processes and machines without coordination, and sortable by creation time, which
 * keeps B-tree inserts local in SQLite and PostgreSQL.
 */
import { validate as uuidValidate, version as uuidVersion, v7 as uuidv7 } from 'uuid';
import type { Clock } from './clock.js';

/**
 * A new UUIDv7. With a clock, its timestamp comes from that clock so tests stay deterministic.
 *
 * @example
 * const id = newId(); // '0193a1c2-...'
 */
export function newId(clock?: Clock): string {
  return clock === undefined ? uuidv7() : uuidv7({ msecs: clock.now() });
}

/** True when `value` is a syntactically valid UUIDv7. */
export function isUuidV7(value: string): boolean {
  return uuidValidate(value) && uuidVersion(value) === 7;
}

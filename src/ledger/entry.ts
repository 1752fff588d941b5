/**
 * @module The ledger entry: its fields, how its hash is computed, and validation of what a
 * caller may put in one. Entries are plain readonly records, identical in the database, in an
 * export, and in a third party's verifier.
 */
import { hash } from 'node:crypto';
import { AgentvisorError } from '../core/index.js';
import { ledgerEntryCanonical } from './canonical-json.js';

/** One entry of the ledger, exactly as stored and exported. */
export interface LedgerEntry {
  readonly seq: number;
  readonly id: string;
  /** ISO-8601 UTC with milliseconds. */
  readonly ts: string;
  readonly type: string;
  readonly actor: string;
  readonly subject: string;
  /** RFC 8785 canonical JSON text. */
  readonly payload: string;
  /** Hex SHA-256 of the previous entry ({@link GENESIS_PREV_HASH} for seq 1). */
  readonly prev_hash: string;
  /** Hex SHA-256 of the canonical form of every other field except `signature`. */
  readonly entry_hash: string;
  /** Base64 signature over the 32 raw bytes of `entry_hash`. */
  readonly signature: string;
  readonly key_id: string;
}

/** The `prev_hash` of the first entry: 64 zeros, as no entry can hash to it. */
export const GENESIS_PREV_HASH = '0'.repeat(64);

/** Entry types the ledger writes itself. */
export const ENTRY_TYPES = {
  genesis: 'ledger.genesis',
  keyRotated: 'ledger.key_rotated',
  annotation: 'ledger.annotation',
  recordSealed: 'record.sealed',
} as const;

const TYPE_PATTERN = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/;

/** Canonical bytes of an entry (without its signature and hash), for hashing. */
export function entryCanonical(e: Omit<LedgerEntry, 'entry_hash' | 'signature'>): string {
  return ledgerEntryCanonical({
    actor: e.actor,
    id: e.id,
    key_id: e.key_id,
    payloadCanonical: e.payload,
    prev_hash: e.prev_hash,
    seq: e.seq,
    subject: e.subject,
    ts: e.ts,
    type: e.type,
  });
}

/** SHA-256 of the entry's canonical form, as raw bytes (a fresh buffer). */
export function computeEntryHash(e: Omit<LedgerEntry, 'entry_hash' | 'signature'>): Buffer {
  // node:crypto's one-shot hash takes the string directly and uses the CPU's SHA extensions:
  // measured 2.7 µs per entry against 5.5 µs for a Buffer conversion plus libsodium's SHA-256.
  return hash('sha256', entryCanonical(e), 'buffer') as unknown as Buffer;
}

/** Checks the caller-supplied parts of an entry; throws `INPUT_INVALID` naming the field. */
export function validateEntryFields(input: { type: string; actor: string; subject: string }): void {
  if (
    typeof input.type !== 'string' ||
    input.type.length === 0 ||
    input.type.length > 64 ||
    !TYPE_PATTERN.test(input.type)
  ) {
    throw new AgentvisorError(
      'INPUT_INVALID',
      `type: expected 1-64 characters of lower-case dotted words such as "operator.note", got ${JSON.stringify(input.type)}`,
      { details: { field: 'type' } },
    );
  }
  if (typeof input.actor !== 'string' || input.actor.length === 0 || input.actor.length > 256) {
    throw new AgentvisorError(
      'INPUT_INVALID',
      `actor: expected 1-256 characters, got ${JSON.stringify(input.actor)}`,
      {
        details: { field: 'actor' },
      },
    );
  }
  if (typeof input.subject !== 'string' || input.subject.length > 512) {
    throw new AgentvisorError('INPUT_INVALID', 'subject: expected at most 512 characters', {
      details: { field: 'subject' },
    });
  }
}

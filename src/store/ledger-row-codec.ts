/**
 * @module Conversion between the stored ledger row (raw bytes) and the row every other module
 * handles (hex hashes, base64 signature). Decoding is tolerant: a value an intruder wrote as text
 * comes back as that text, so the verifier sees exactly what is in the database.
 */
import type { LedgerEntryRow, LedgerEntryTable } from './schema.js';

function bytes(value: string, encoding: 'hex' | 'base64'): Buffer {
  return Buffer.from(value, encoding);
}

function text(value: unknown, encoding: 'hex' | 'base64'): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString(encoding);
  return String(value);
}

/** Row → stored form. */
export function encodeLedgerRow(row: LedgerEntryRow): LedgerEntryTable {
  return {
    ...row,
    prev_hash: bytes(row.prev_hash, 'hex'),
    entry_hash: bytes(row.entry_hash, 'hex'),
    signature: bytes(row.signature, 'base64'),
  };
}

/** Stored form → row. */
export function decodeLedgerRow(row: LedgerEntryTable): LedgerEntryRow {
  return {
    seq: Number(row.seq),
    id: row.id,
    ts: row.ts,
    type: row.type,
    actor: row.actor,
    subject: row.subject,
    payload: row.payload,
    prev_hash: text(row.prev_hash, 'hex'),
    entry_hash: text(row.entry_hash, 'hex'),
    signature: text(row.signature, 'base64'),
    key_id: row.key_id,
  };
}

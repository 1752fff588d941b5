/**
 * @module Witness cosignatures in the c2sp.org/tlog-cosignature v1 Ed25519 format: a signed-note
 * signature line `— <witness name> base64(key ID || u64 big-endian timestamp || signature)`
 * whose key ID is SHA-256(name || "\n" || 0x04 || public key)[:4] and whose signature covers
 * "cosignature/v1\ntime <timestamp>\n" followed by the checkpoint body. Only verification lives
 * here: the witness signs.
 */
import sodium from 'sodium-native';
import { AgentvisorError } from '../core/index.js';
import { parseSignedNote, parseVerifierKey } from './checkpoint-note.js';

/** Signature type byte of timestamped Ed25519 cosignatures (c2sp.org/signed-note). */
export const COSIGNATURE_V1_TYPE = 0x04;

/**
 * Largest timestamp accepted: the format allows up to 2^63 - 1 (c2sp.org/tlog-cosignature), but
 * a time past what a JS Date holds (year 275760) can only be a broken or hostile witness.
 */
const MAX_TIMESTAMP = 8_640_000_000_000n;

// The sodium-native typings ask for Buffer, but the binding accepts any typed array.
const verifyDetached = sodium.crypto_sign_verify_detached as unknown as (
  sig: Uint8Array,
  msg: Uint8Array,
  publicKey: Uint8Array,
) => boolean;

const encoder = new TextEncoder();

/** A witness's cosigning key. */
export interface CosignerKey {
  readonly name: string;
  /** The 4-byte key ID computed with type 0x04. */
  readonly keyHash: Uint8Array;
  readonly publicKey: Uint8Array;
}

/**
 * Parses a witness verifier key `<name>+<hex key ID>+<base64(0x04 || 32-byte Ed25519 key)>` and
 * checks its key ID. Throws INPUT_INVALID for another type or a mismatched ID.
 *
 * @example
 * const key = parseCosignerKey('witness.example/w1+1a2b3c4d+BO...');
 */
export function parseCosignerKey(vkey: string): CosignerKey {
  const key = parseVerifierKey(vkey);
  if (key.algorithm !== COSIGNATURE_V1_TYPE || key.publicKey.length !== 32) {
    throw new AgentvisorError(
      'INPUT_INVALID',
      `witness key: expected type 0x04 (Ed25519 cosignature/v1) with a 32-byte key, got type 0x${key.algorithm.toString(16).padStart(2, '0')}`,
    );
  }
  return { name: key.name, keyHash: key.keyHash, publicKey: key.publicKey };
}

/**
 * The message a cosignature/v1 signs: header line, time line, then the checkpoint body (with
 * its final newline, without signature lines).
 *
 * @example
 * cosignatureMessage('example.com/log\n8\n...=\n', 1679315147n);
 */
export function cosignatureMessage(body: string, timestamp: bigint): Uint8Array {
  return encoder.encode(`cosignature/v1\ntime ${timestamp}\n${body}`);
}

/**
 * The timestamp of a cosignature: the big-endian u64 after the 4-byte key ID of the decoded
 * signature blob (`key ID || timestamp || signature`, c2sp.org/tlog-cosignature).
 *
 * @example
 * cosignatureTimestamp(Buffer.from(line.split(' ')[2], 'base64')); // 1727964367n
 */
export function cosignatureTimestamp(blob: Uint8Array): bigint {
  if (blob.length < 12) throw new AgentvisorError('INPUT_INVALID', 'cosignature: too short');
  return Buffer.from(blob.buffer, blob.byteOffset, blob.length).readBigUInt64BE(4);
}

/** The answer of {@link verifyCosignedNote}. */
export type CosignatureVerification =
  | { readonly ok: true; readonly timestamp: number }
  | { readonly ok: false; readonly reason: string };

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Checks the cosignatures by `key` on a signed note (a checkpoint with its signature lines and
 * the witness's lines appended): at least one must be present, every one must verify over the
 * note body, and timestamps must be non-zero. Signatures from other keys are ignored, as
 * c2sp.org/signed-note requires. Returns the newest verified timestamp (POSIX seconds).
 *
 * @example
 * const result = verifyCosignedNote(noteWithCosignatures, parseCosignerKey(vkey));
 */
export function verifyCosignedNote(text: string, key: CosignerKey): CosignatureVerification {
  let note: ReturnType<typeof parseSignedNote>;
  try {
    note = parseSignedNote(text);
  } catch (error) {
    return { ok: false, reason: `not a well-formed cosigned note: ${(error as Error).message}` };
  }
  const mine = note.signatures.filter(
    (s) => s.name === key.name && equalBytes(s.keyHash, key.keyHash),
  );
  if (mine.length === 0) {
    return { ok: false, reason: `no cosignature from witness key "${key.name}"` };
  }
  let newest = 0;
  for (const s of mine) {
    if (s.signature.length !== 8 + 64) {
      return { ok: false, reason: `a cosignature from "${key.name}" has the wrong length` };
    }
    const timestamp = cosignatureTimestamp(Uint8Array.of(...s.keyHash, ...s.signature));
    if (timestamp === 0n || timestamp > MAX_TIMESTAMP) {
      return { ok: false, reason: `a cosignature from "${key.name}" has an invalid timestamp` };
    }
    const message = cosignatureMessage(note.body, timestamp);
    if (!verifyDetached(s.signature.subarray(8), message, key.publicKey)) {
      return {
        ok: false,
        reason: `the cosignature from "${key.name}" does not verify over this checkpoint: the checkpoint or the cosignature was altered`,
      };
    }
    newest = Math.max(newest, Number(timestamp));
  }
  return { ok: true, timestamp: newest };
}

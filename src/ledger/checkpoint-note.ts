/**
 * @module Ledger checkpoints in the C2SP formats used by Go's sumdb, Sigstore and the
 * transparency-dev witnesses, so third-party tooling can verify and witness our tree heads:
 * the body is a c2sp.org/tlog-checkpoint (origin, tree size, base64 root, extension lines)
 * and it travels inside a c2sp.org/signed-note (body, blank line, `— <name> <base64 sig>`
 * lines). Ed25519 signing and verification use sodium-native.
 */

import sodium from 'sodium-native';
import { AgentvisorError } from '../core/index.js';

/**
 * A fresh copy of `bytes`. Not `bytes.slice()`: on a Node Buffer (a Uint8Array subclass) that
 * returns a view sharing memory, so a verifier fed Buffers would hash into its own input.
 */
function copyBytes(bytes: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes);
}

/** Signature type byte for Ed25519 (c2sp.org/signed-note, "Signature types"). */
export const NOTE_ALG_ED25519 = 0x01;
/** Signature type byte for algorithms without an assigned identifier (c2sp.org/signed-note). */
export const NOTE_ALG_UNIDENTIFIED = 0xff;

/** Most signature lines a note may carry; the spec requires at least 16 (Go accepts 100). */
const MAX_SIGNATURES = 100;
const ROOT_HASH_BYTES = 32;
const SIGNATURE_PREFIX = '\u2014 ';
const TIME_EXTENSION = 'time ';

// The sodium-native typings ask for Buffer, but the binding accepts any typed array.
const sha256Into = sodium.crypto_hash_sha256 as unknown as (
  out: Uint8Array,
  input: Uint8Array,
) => void;
const signDetached = sodium.crypto_sign_detached as unknown as (
  sig: Uint8Array,
  msg: Uint8Array,
  secretKey: Uint8Array,
) => void;
const verifyDetached = sodium.crypto_sign_verify_detached as unknown as (
  sig: Uint8Array,
  msg: Uint8Array,
  publicKey: Uint8Array,
) => boolean;

const encoder = new TextEncoder();

function invalid(message: string, details?: Record<string, unknown>): AgentvisorError {
  return new AgentvisorError('INPUT_INVALID', message, details === undefined ? {} : { details });
}

/** The fields of a tlog checkpoint body. */
export interface Checkpoint {
  /** Log identity, e.g. `agentvisor.example/ledger`; non-empty, no newline. */
  origin: string;
  /** Number of leaves in the tree. */
  size: number;
  /** RFC 6962 root hash of the tree at `size` (32 bytes). */
  rootHash: Uint8Array;
  /** Unix milliseconds from our `time <ms>` extension line, if present. */
  timeMs?: number | undefined;
}

/** A parsed checkpoint body: the fields plus every extension line verbatim. */
export interface ParsedCheckpoint extends Checkpoint {
  /** All extension lines (including `time ...`) in order, without their newlines. */
  extensions: string[];
}

/**
 * Strict RFC 4648 §4 base64: padded, standard alphabet, and canonical (zero pad bits), so
 * every byte string has exactly one accepted encoding — a flipped character can never decode
 * to the same bytes, which keeps tampering with signature lines detectable.
 */
function decodeBase64Strict(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) return undefined;
  // Copy out of Buffer's shared allocation pool so callers own a plain, compact Uint8Array.
  return new Uint8Array(bytes);
}

function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
}

const CANONICAL_DECIMAL = /^(?:0|[1-9][0-9]*)$/;

function parseDecimal(text: string): number | undefined {
  if (!CANONICAL_DECIMAL.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

/**
 * Formats a checkpoint body (c2sp.org/tlog-checkpoint "Note text"): origin, decimal size,
 * base64 root, then our `time <unix ms>` extension line when `timeMs` is given.
 *
 * @example
 * const body = formatCheckpointBody({ origin: 'example.com/log', size: 8, rootHash, timeMs: Date.now() });
 */
export function formatCheckpointBody(checkpoint: Checkpoint): string {
  const { origin, size, rootHash, timeMs } = checkpoint;
  if (typeof origin !== 'string' || origin === '' || origin.includes('\n')) {
    throw invalid('origin: expected a non-empty string without newlines');
  }
  if (!Number.isSafeInteger(size) || size < 0) {
    throw invalid(`size: expected an integer in [0, ${Number.MAX_SAFE_INTEGER}], got ${size}`);
  }
  if (!(rootHash instanceof Uint8Array) || rootHash.length !== ROOT_HASH_BYTES) {
    throw invalid(`rootHash: expected ${ROOT_HASH_BYTES} bytes`);
  }
  let body = `${origin}\n${size}\n${encodeBase64(rootHash)}\n`;
  if (timeMs !== undefined) {
    if (!Number.isSafeInteger(timeMs) || timeMs < 0) {
      throw invalid(`timeMs: expected a non-negative integer of Unix milliseconds, got ${timeMs}`);
    }
    body += `${TIME_EXTENSION}${timeMs}\n`;
  }
  return body;
}

/**
 * Parses a checkpoint body strictly: at least three non-empty newline-terminated lines, a
 * canonical decimal size (no leading zeros, c2sp.org/tlog-checkpoint), a base64 32-byte
 * root, and non-empty extension lines. A `time <ms>` extension fills `timeMs`.
 *
 * @example
 * const { origin, size, rootHash, timeMs } = parseCheckpointBody(note.body);
 */
export function parseCheckpointBody(text: string): ParsedCheckpoint {
  if (typeof text !== 'string' || !text.endsWith('\n')) {
    throw invalid('checkpoint: the body must end with a newline');
  }
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) {
    throw invalid(
      `checkpoint: expected at least 3 lines (origin, size, root), got ${lines.length}`,
    );
  }
  const [origin, sizeText, rootText, ...extensions] = lines as [
    string,
    string,
    string,
    ...string[],
  ];
  if (origin === '') throw invalid('checkpoint line 1 (origin): must be non-empty');
  const size = parseDecimal(sizeText);
  if (size === undefined) {
    throw invalid(
      `checkpoint line 2 (tree size): expected a decimal integer in [0, ${Number.MAX_SAFE_INTEGER}] without leading zeros, got ${JSON.stringify(sizeText)}`,
    );
  }
  const rootHash = decodeBase64Strict(rootText);
  if (rootHash === undefined || rootHash.length !== ROOT_HASH_BYTES) {
    throw invalid(
      `checkpoint line 3 (root hash): expected standard base64 of ${ROOT_HASH_BYTES} bytes, got ${JSON.stringify(rootText)}`,
    );
  }
  let timeMs: number | undefined;
  extensions.forEach((line, i) => {
    const lineNo = i + 4;
    if (line === '') throw invalid(`checkpoint line ${lineNo} (extension): must be non-empty`);
    if (!line.startsWith(TIME_EXTENSION)) return;
    const value = parseDecimal(line.slice(TIME_EXTENSION.length));
    if (value === undefined) {
      throw invalid(
        `checkpoint line ${lineNo} (time): expected "time <unix milliseconds>", got ${JSON.stringify(line)}`,
      );
    }
    if (timeMs !== undefined) throw invalid(`checkpoint line ${lineNo} (time): duplicate`);
    timeMs = value;
  });
  return { origin, size, rootHash, timeMs, extensions };
}

/** Something that signs note bodies under one key. */
export interface NoteSigner {
  name: string;
  /** The 4-byte key ID (see {@link noteKeyHash}). */
  keyHash: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

/** Something that checks note signatures for one key. */
export interface NoteVerifier {
  name: string;
  /** The 4-byte key ID (see {@link noteKeyHash}). */
  keyHash: Uint8Array;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

/** One signature line of a note, decoded. */
export interface NoteSignature {
  name: string;
  keyHash: Uint8Array;
  signature: Uint8Array;
}

/** A parsed signed note: the body (with its final newline) and its signature lines. */
export interface SignedNote {
  body: string;
  signatures: NoteSignature[];
}

/**
 * Key names must be non-empty and contain no Unicode spaces or '+' (c2sp.org/signed-note
 * "Format"); `\p{White_Space}` is the same set as Go's unicode.IsSpace used by x/mod.
 */
function isValidKeyName(name: unknown): name is string {
  return typeof name === 'string' && name !== '' && !/[\p{White_Space}+]/u.test(name);
}

function checkKeyName(name: unknown): asserts name is string {
  if (!isValidKeyName(name)) {
    throw invalid(
      `name: expected a non-empty key name without spaces or "+", got ${JSON.stringify(name)}`,
    );
  }
}

/**
 * Signed notes must be valid UTF-8 with no ASCII control characters besides newline
 * (c2sp.org/signed-note "Format"). In a JS string, invalid UTF-8 means a lone surrogate.
 */
function findForbiddenCharacter(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20) {
      if (c !== 0x0a) return i;
    } else if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return i;
      i++; // a valid surrogate pair
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return i;
    }
  }
  return -1;
}

function checkNoteText(what: string, text: string): void {
  const at = findForbiddenCharacter(text);
  if (at >= 0) {
    throw invalid(
      `${what}: control character or unpaired surrogate at offset ${at}; notes must be UTF-8 text with newlines as the only control character`,
      { offset: at },
    );
  }
}

/**
 * Key ID of a note key: the first 4 bytes of SHA-256(name || 0x0A || type || publicKey)
 * (c2sp.org/signed-note, "Signatures"). Use {@link NOTE_ALG_ED25519} for Ed25519 and
 * {@link NOTE_ALG_UNIDENTIFIED} for algorithms the spec assigns no byte to.
 *
 * @example
 * const id = noteKeyHash('example.com/log', NOTE_ALG_ED25519, publicKey);
 */
export function noteKeyHash(name: string, algByte: number, publicKey: Uint8Array): Uint8Array {
  checkKeyName(name);
  if (!Number.isInteger(algByte) || algByte < 0 || algByte > 0xff) {
    throw invalid(`algByte: expected an integer in [0, 255], got ${algByte}`);
  }
  const nameBytes = encoder.encode(name);
  const input = new Uint8Array(nameBytes.length + 2 + publicKey.length);
  input.set(nameBytes, 0);
  input[nameBytes.length] = 0x0a;
  input[nameBytes.length + 1] = algByte;
  input.set(publicKey, nameBytes.length + 2);
  const digest = new Uint8Array(32);
  sha256Into(digest, input);
  return digest.slice(0, 4);
}

/**
 * Signs a note body with each signer and returns the signed note text: body, blank line,
 * one `— <name> <base64(keyHash || signature)>` line per signer (c2sp.org/signed-note).
 *
 * @example
 * const note = signNote(formatCheckpointBody(cp), [ed25519NoteSigner('example.com/log', sk)]);
 */
export function signNote(body: string, signers: readonly NoteSigner[]): string {
  if (typeof body !== 'string' || !body.endsWith('\n')) {
    throw invalid('body: a note body must end with a newline');
  }
  checkNoteText('body', body);
  if (signers.length === 0) throw invalid('signers: at least one signer is required');
  if (signers.length > MAX_SIGNATURES) {
    throw invalid(`signers: at most ${MAX_SIGNATURES} signatures fit in a note`);
  }
  const message = encoder.encode(body);
  let out = `${body}\n`;
  for (const signer of signers) {
    checkKeyName(signer.name);
    if (!(signer.keyHash instanceof Uint8Array) || signer.keyHash.length !== 4) {
      throw invalid(`signers: keyHash of "${signer.name}" must be 4 bytes`);
    }
    const signature = signer.sign(message);
    const blob = new Uint8Array(4 + signature.length);
    blob.set(signer.keyHash, 0);
    blob.set(signature, 4);
    out += `${SIGNATURE_PREFIX}${signer.name} ${encodeBase64(blob)}\n`;
  }
  return out;
}

/**
 * Parses a signed note without verifying it: the body is everything up to and including
 * the newline before the last blank line (c2sp.org/signed-note "Format"), followed by 1 to
 * 100 well-formed signature lines. Malformed input throws INPUT_INVALID naming the line.
 *
 * @example
 * const { body, signatures } = parseSignedNote(text);
 */
export function parseSignedNote(text: string): SignedNote {
  if (typeof text !== 'string') throw invalid('note: expected a string');
  checkNoteText('note', text);
  const split = text.lastIndexOf('\n\n');
  if (split < 0) {
    throw invalid('note: no blank line separating the body from the signature lines');
  }
  const body = text.slice(0, split + 1);
  const block = text.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) {
    throw invalid('note: the signature block must hold at least one newline-terminated line');
  }
  const bodyLineCount = body.split('\n').length; // = lines in body + the blank line
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) {
    throw invalid(`note: ${lines.length} signature lines exceed the limit of ${MAX_SIGNATURES}`);
  }
  const signatures = lines.map((line, i): NoteSignature => {
    const where = `note line ${bodyLineCount + i + 1} (signature)`;
    if (!line.startsWith(SIGNATURE_PREFIX)) {
      throw invalid(`${where}: expected "\u2014 <key name> <base64 signature>"`);
    }
    const rest = line.slice(SIGNATURE_PREFIX.length);
    const space = rest.indexOf(' ');
    const name = space < 0 ? rest : rest.slice(0, space);
    const encoded = space < 0 ? '' : rest.slice(space + 1);
    if (!isValidKeyName(name)) {
      throw invalid(`${where}: invalid key name ${JSON.stringify(name)}`);
    }
    const blob = decodeBase64Strict(encoded);
    if (blob === undefined || blob.length < 5) {
      throw invalid(`${where}: expected standard base64 of a 4-byte key ID and a signature`);
    }
    return { name, keyHash: blob.slice(0, 4), signature: blob.slice(4) };
  });
  return { body, signatures };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * True when the note carries a signature from `verifier`'s key (matched by name AND key ID)
 * and every such signature verifies over the body. Signatures from other keys are ignored,
 * as c2sp.org/signed-note requires; a bad signature from the known key fails the note.
 *
 * @example
 * const ok = verifyNoteSignature(parseSignedNote(text), ed25519NoteVerifier(name, publicKey));
 */
export function verifyNoteSignature(note: SignedNote, verifier: NoteVerifier): boolean {
  const matching = note.signatures.filter(
    (s) => s.name === verifier.name && equalBytes(s.keyHash, verifier.keyHash),
  );
  if (matching.length === 0) return false;
  const message = encoder.encode(note.body);
  return matching.every((s) => verifier.verify(message, s.signature));
}

/**
 * Parses a signed checkpoint and checks it is signed by `verifier`: the one-call path for
 * reading a checkpoint someone else produced. Throws LEDGER_PROOF_INVALID when the signature
 * is missing or wrong, INPUT_INVALID when the note or body is malformed.
 *
 * @example
 * const cp = openCheckpoint(text, ed25519NoteVerifier('example.com/log', publicKey));
 */
export function openCheckpoint(text: string, verifier: NoteVerifier): ParsedCheckpoint {
  const note = parseSignedNote(text);
  if (!verifyNoteSignature(note, verifier)) {
    throw new AgentvisorError(
      'LEDGER_PROOF_INVALID',
      `checkpoint: no valid signature from key "${verifier.name}"`,
      { details: { key: verifier.name } },
    );
  }
  return parseCheckpointBody(note.body);
}

function toBytes(name: string, value: Uint8Array, length: number): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length) {
    throw invalid(`${name}: expected ${length} bytes`);
  }
  return value;
}

/**
 * A note signer for an Ed25519 key given as libsodium's 64-byte secret key (seed || public
 * key); the key ID is derived from the embedded public key.
 *
 * @example
 * const signer = ed25519NoteSigner('example.com/log', secretKey);
 */
export function ed25519NoteSigner(name: string, secretKey64: Uint8Array): NoteSigner {
  checkKeyName(name);
  const secretKey = copyBytes(toBytes('secretKey', secretKey64, 64));
  const keyHash = noteKeyHash(name, NOTE_ALG_ED25519, secretKey.subarray(32));
  return {
    name,
    keyHash,
    sign(message: Uint8Array): Uint8Array {
      const signature = new Uint8Array(64);
      signDetached(signature, message, secretKey);
      return signature;
    },
  };
}

/**
 * A note verifier for an Ed25519 public key (32 bytes).
 *
 * @example
 * const verifier = ed25519NoteVerifier('example.com/log', publicKey);
 */
export function ed25519NoteVerifier(name: string, publicKey32: Uint8Array): NoteVerifier {
  checkKeyName(name);
  const publicKey = copyBytes(toBytes('publicKey', publicKey32, 32));
  const keyHash = noteKeyHash(name, NOTE_ALG_ED25519, publicKey);
  return {
    name,
    keyHash,
    verify(message: Uint8Array, signature: Uint8Array): boolean {
      // libsodium only reads the first 64 bytes, so a longer blob would verify; reject it.
      if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
      return verifyDetached(signature, message, publicKey);
    },
  };
}

/** A decoded note verifier key `<name>+<hex key ID>+<base64(type || public key)>`. */
export interface VerifierKey {
  name: string;
  keyHash: Uint8Array;
  algorithm: number;
  publicKey: Uint8Array;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/**
 * Formats the standard verifier key string used by golang.org/x/mod/sumdb/note and
 * transparency-dev tooling: `<name>+<8 hex key ID>+<base64(type byte || public key)>`.
 *
 * @example
 * const vkey = formatVerifierKey('example.com/log', publicKey); // 'example.com/log+1a2b3c4d+AT...'
 */
export function formatVerifierKey(
  name: string,
  publicKey: Uint8Array,
  algorithm: number = NOTE_ALG_ED25519,
): string {
  if (algorithm === NOTE_ALG_ED25519) toBytes('publicKey', publicKey, 32);
  const keyHash = noteKeyHash(name, algorithm, publicKey);
  const blob = new Uint8Array(1 + publicKey.length);
  blob[0] = algorithm;
  blob.set(publicKey, 1);
  return `${name}+${hex(keyHash)}+${encodeBase64(blob)}`;
}

/**
 * Parses a verifier key string and checks its key ID matches the name and key, as x/mod's
 * NewVerifier does; Ed25519 keys must be 32 bytes.
 *
 * @example
 * const { name, publicKey } = parseVerifierKey('PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW');
 */
export function parseVerifierKey(text: string): VerifierKey {
  const parts = typeof text === 'string' ? text.split('+') : [];
  // Base64 may itself contain '+', so the key is everything after the second separator.
  const [name, hashHex] = parts;
  const keyText = parts.slice(2).join('+');
  const where = 'verifier key';
  if (parts.length < 3 || name === undefined || !isValidKeyName(name)) {
    throw invalid(`${where}: expected "<name>+<8 hex digits>+<base64 key>"`);
  }
  if (hashHex === undefined || !/^[0-9a-fA-F]{8}$/.test(hashHex)) {
    throw invalid(`${where}: key ID must be 8 hex digits, got ${JSON.stringify(hashHex)}`);
  }
  const blob = decodeBase64Strict(keyText);
  if (blob === undefined || blob.length < 2) {
    throw invalid(`${where}: key must be standard base64 of a type byte and a public key`);
  }
  const algorithm = blob[0] as number;
  const publicKey = blob.slice(1);
  if (algorithm === NOTE_ALG_ED25519 && publicKey.length !== 32) {
    throw invalid(`${where}: an Ed25519 key must be 32 bytes, got ${publicKey.length}`);
  }
  const keyHash = noteKeyHash(name, algorithm, publicKey);
  if (hex(keyHash) !== hashHex.toLowerCase()) {
    throw invalid(`${where}: key ID ${hashHex} does not match the name and key (${hex(keyHash)})`);
  }
  return { name, keyHash, algorithm, publicKey };
}

/**
 * @module A small, strict DER (X.690 §10) reader and writer: just what RFC 3161 time-stamp
 * requests, responses and CMS SignedData tokens need. The reader accepts only definite,
 * minimally encoded lengths and tags, so every value has one encoding and the bytes a signature
 * covers are exactly the bytes we parse; it works on views of the input, never copies, and
 * decodes children only when asked, so hostile nesting costs nothing until it is walked.
 */
import { AgentvisorError } from '../core/index.js';

/** Tag classes (X.690 §8.1.2.2). */
export const TAG_CLASS = {
  universal: 0,
  application: 1,
  context: 2,
  private: 3,
} as const;

/** Universal tag numbers this module reads or writes. */
export const TAG = {
  boolean: 1,
  integer: 2,
  bitString: 3,
  octetString: 4,
  null: 5,
  oid: 6,
  utf8String: 12,
  sequence: 16,
  set: 17,
  printableString: 19,
  ia5String: 22,
  utcTime: 23,
  generalizedTime: 24,
} as const;

/** Largest length we accept: 4 length octets, far above any token or certificate. */
const MAX_LENGTH_OCTETS = 4;

/** One decoded TLV: views into the input, no copies. */
export interface DerNode {
  readonly tagClass: number;
  readonly constructed: boolean;
  readonly tagNumber: number;
  /** The whole TLV (identifier, length and content octets): what a signature covers. */
  readonly bytes: Uint8Array;
  /** The content octets. */
  readonly content: Uint8Array;
  /** Offset of the TLV in the outermost input, for messages. */
  readonly offset: number;
}

function fail(message: string, offset: number): AgentvisorError {
  return new AgentvisorError('INPUT_INVALID', `DER: ${message} at offset ${offset}`, {
    details: { offset },
  });
}

/**
 * Decodes a DER length (X.690 §8.1.3 with the DER rule of §10.1: definite, minimal) starting at
 * `offset`; returns the length and the offset of the first content octet.
 *
 * @example
 * decodeLength(Uint8Array.of(0x81, 0x80), 0); // { length: 128, next: 2 }
 */
export function decodeLength(bytes: Uint8Array, offset: number): { length: number; next: number } {
  const first = bytes[offset];
  if (first === undefined) throw fail('truncated length', offset);
  if (first < 0x80) return { length: first, next: offset + 1 };
  if (first === 0x80) throw fail('indefinite length (BER, not DER)', offset);
  const count = first & 0x7f;
  if (count > MAX_LENGTH_OCTETS) throw fail(`length of ${count} octets is too long`, offset);
  if (offset + 1 + count > bytes.length) throw fail('truncated length', offset);
  if (bytes[offset + 1] === 0) throw fail('length has a leading zero octet', offset);
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + (bytes[offset + 1 + i] as number);
  if (length < 0x80) throw fail('long-form length below 128', offset);
  return { length, next: offset + 1 + count };
}

/**
 * Encodes a length in DER's minimal form.
 *
 * @example
 * encodeLength(300); // Uint8Array [0x82, 0x01, 0x2c]
 */
export function encodeLength(length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0 || length > 0xffff_ffff) {
    throw new AgentvisorError('INPUT_INVALID', `DER: cannot encode length ${length}`);
  }
  if (length < 0x80) return Uint8Array.of(length);
  const octets: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) octets.unshift(n % 256);
  return Uint8Array.of(0x80 | octets.length, ...octets);
}

/** Reads the TLV at `offset` of `input`; `base` is input's offset in the outermost buffer. */
function readAt(input: Uint8Array, offset: number, base: number): DerNode {
  const start = offset;
  const id = input[offset];
  if (id === undefined) throw fail('truncated identifier', base + offset);
  const tagClass = id >> 6;
  const constructed = (id & 0x20) !== 0;
  let tagNumber = id & 0x1f;
  let pos = offset + 1;
  if (tagNumber === 0x1f) {
    // High-tag-number form (X.690 §8.1.2.4): base 128, no leading 0x80, only for tags >= 31.
    tagNumber = 0;
    for (let i = 0; ; i++) {
      const b = input[pos];
      if (b === undefined) throw fail('truncated tag', base + pos);
      if (i === 0 && b === 0x80) throw fail('tag number with a leading zero', base + pos);
      if (i >= 4) throw fail('tag number too large', base + pos);
      tagNumber = tagNumber * 128 + (b & 0x7f);
      pos++;
      if ((b & 0x80) === 0) break;
    }
    if (tagNumber < 0x1f) throw fail('high-tag form for a low tag number', base + start);
  }
  const { length, next } = decodeLength(input, pos);
  const end = next + length;
  if (end > input.length) {
    throw fail(`content of ${length} bytes runs past the end of the input`, base + start);
  }
  return {
    tagClass,
    constructed,
    tagNumber,
    bytes: input.subarray(start, end),
    content: input.subarray(next, end),
    offset: base + start,
  };
}

/**
 * Decodes exactly one DER value filling all of `bytes`; trailing bytes are an error.
 *
 * @example
 * const response = readDer(new Uint8Array(await res.arrayBuffer()));
 */
export function readDer(bytes: Uint8Array): DerNode {
  const node = readAt(bytes, 0, 0);
  if (node.bytes.length !== bytes.length) {
    throw fail(`${bytes.length - node.bytes.length} trailing bytes`, node.bytes.length);
  }
  return node;
}

/**
 * The children of a constructed value, in order.
 *
 * @example
 * const [version, imprint] = children(readDer(bytes));
 */
export function children(node: DerNode): DerNode[] {
  if (!node.constructed) throw fail('expected a constructed value', node.offset);
  const out: DerNode[] = [];
  const base = node.offset + (node.bytes.length - node.content.length);
  let pos = 0;
  while (pos < node.content.length) {
    const child = readAt(node.content, pos, base);
    out.push(child);
    pos += child.bytes.length;
  }
  return out;
}

/** A readable name for a tag, for messages. */
function tagName(tagClass: number, tagNumber: number): string {
  if (tagClass === TAG_CLASS.context) return `[${tagNumber}]`;
  if (tagClass !== TAG_CLASS.universal) return `tag ${tagClass}:${tagNumber}`;
  const entry = Object.entries(TAG).find(([, n]) => n === tagNumber);
  return entry === undefined ? `universal ${tagNumber}` : entry[0];
}

/**
 * Checks `node` has the given universal tag (or `[n]` when `tagClass` is context) and returns it.
 *
 * @example
 * expectTag(node, TAG.sequence, 'TimeStampResp');
 */
export function expectTag(
  node: DerNode | undefined,
  tagNumber: number,
  what: string,
  tagClass: number = TAG_CLASS.universal,
): DerNode {
  if (node === undefined) throw new AgentvisorError('INPUT_INVALID', `DER: ${what} is missing`);
  if (node.tagClass !== tagClass || node.tagNumber !== tagNumber) {
    throw fail(
      `${what}: expected ${tagName(tagClass, tagNumber)}, got ${tagName(node.tagClass, node.tagNumber)}`,
      node.offset,
    );
  }
  const wantConstructed =
    tagClass === TAG_CLASS.universal
      ? tagNumber === TAG.sequence || tagNumber === TAG.set
      : node.constructed;
  if (node.constructed !== wantConstructed) {
    throw fail(`${what}: wrong primitive/constructed form`, node.offset);
  }
  return node;
}

/** True when the node is `[tagNumber]` (context class). */
export function isContext(node: DerNode | undefined, tagNumber: number): node is DerNode {
  return node?.tagClass === TAG_CLASS.context && node.tagNumber === tagNumber;
}

/**
 * Decodes an INTEGER (two's complement, minimal) as a bigint.
 *
 * @example
 * readInteger(expectTag(node, TAG.integer, 'version')); // 1n
 */
export function readInteger(node: DerNode): bigint {
  const c = node.content;
  if (c.length === 0) throw fail('empty INTEGER', node.offset);
  if (c.length > 1 && ((c[0] === 0 && c[1]! < 0x80) || (c[0] === 0xff && c[1]! >= 0x80))) {
    throw fail('INTEGER is not minimally encoded', node.offset);
  }
  let value = BigInt.asIntN(8, BigInt(c[0]!));
  for (let i = 1; i < c.length; i++) value = (value << 8n) | BigInt(c[i]!);
  return value;
}

/** Decodes a small non-negative INTEGER (versions, counts) as a number. */
export function readSmallInteger(node: DerNode, what: string): number {
  const value = readInteger(expectTag(node, TAG.integer, what));
  if (value < 0n || value > 0xffff_ffffn) throw fail(`${what}: out of range`, node.offset);
  return Number(value);
}

/**
 * Decodes an OBJECT IDENTIFIER as dotted decimal.
 *
 * @example
 * readOid(node); // '1.2.840.113549.1.7.2'
 */
export function readOid(node: DerNode): string {
  expectTag(node, TAG.oid, 'OBJECT IDENTIFIER');
  const c = node.content;
  if (c.length === 0 || c[c.length - 1]! >= 0x80) throw fail('malformed OID', node.offset);
  const arcs: bigint[] = [];
  let value = 0n;
  let fresh = true;
  for (const b of c) {
    if (fresh && b === 0x80) throw fail('OID arc with a leading zero', node.offset);
    value = (value << 7n) | BigInt(b & 0x7f);
    fresh = (b & 0x80) === 0;
    if (fresh) {
      arcs.push(value);
      value = 0n;
    }
  }
  const first = arcs[0]!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}

/** Decodes a BOOLEAN (DER: 0x00 or 0xFF). */
export function readBoolean(node: DerNode): boolean {
  expectTag(node, TAG.boolean, 'BOOLEAN');
  if (node.content.length !== 1 || (node.content[0] !== 0 && node.content[0] !== 0xff)) {
    throw fail('BOOLEAN must be one octet 0x00 or 0xFF', node.offset);
  }
  return node.content[0] === 0xff;
}

/** The content of an OCTET STRING (primitive, as DER requires). */
export function readOctets(node: DerNode, what: string): Uint8Array {
  return expectTag(node, TAG.octetString, what).content;
}

/**
 * Decodes a DER GeneralizedTime (`YYYYMMDDHHMMSS[.f+]Z`, X.690 §11.7; fractions without trailing
 * zeros) or UTCTime (`YYMMDDHHMMSSZ`, years 1950-2049 per RFC 5280 §4.1.2.5.1) to a Date (ms).
 *
 * @example
 * readTime(node).toISOString(); // '2026-11-27T02:26:46.000Z'
 */
export function readTime(node: DerNode): Date {
  const text = new TextDecoder('ascii').decode(node.content);
  let m: RegExpExecArray | null;
  let year: number;
  let rest: string[];
  let fraction = '';
  if (node.tagClass === TAG_CLASS.universal && node.tagNumber === TAG.generalizedTime) {
    m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d*[1-9]))?Z$/.exec(text);
    if (m === null) throw fail(`GeneralizedTime ${JSON.stringify(text)} is not DER`, node.offset);
    year = Number(m[1]);
    rest = m.slice(2, 7) as string[];
    fraction = m[7] ?? '';
  } else if (node.tagClass === TAG_CLASS.universal && node.tagNumber === TAG.utcTime) {
    m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
    if (m === null) throw fail(`UTCTime ${JSON.stringify(text)} is not DER`, node.offset);
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
    rest = m.slice(2, 7) as string[];
  } else {
    throw fail('expected a GeneralizedTime or UTCTime', node.offset);
  }
  const [mo, d, h, mi, s] = rest.map(Number) as [number, number, number, number, number];
  const ms = fraction === '' ? 0 : Math.floor(Number(`0.${fraction}`) * 1000);
  const date = new Date(Date.UTC(year, mo - 1, d, h, mi, s, ms));
  if (
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== mo - 1 ||
    date.getUTCDate() !== d ||
    h > 23 ||
    mi > 59 ||
    s > 59
  ) {
    throw fail(`time ${JSON.stringify(text)} is not a valid date`, node.offset);
  }
  return date;
}

// Writing

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/** Encodes a TLV with a one-octet identifier (tag numbers below 31). */
export function tlv(identifier: number, content: Uint8Array): Uint8Array {
  return concat([Uint8Array.of(identifier), encodeLength(content.length), content]);
}

/** SEQUENCE of already encoded values. */
export function derSequence(...items: readonly Uint8Array[]): Uint8Array {
  return tlv(0x30, concat(items));
}

/** The NULL value. */
export function derNull(): Uint8Array {
  return Uint8Array.of(0x05, 0x00);
}

/** A BOOLEAN. */
export function derBoolean(value: boolean): Uint8Array {
  return Uint8Array.of(0x01, 0x01, value ? 0xff : 0x00);
}

/** An OCTET STRING. */
export function derOctets(value: Uint8Array): Uint8Array {
  return tlv(0x04, value);
}

/**
 * An INTEGER in minimal two's complement.
 *
 * @example
 * derInteger(1n); // Uint8Array [0x02, 0x01, 0x01]
 */
export function derInteger(value: bigint): Uint8Array {
  const octets: number[] = [];
  let v = value;
  for (;;) {
    octets.unshift(Number(v & 0xffn));
    const sign = (octets[0]! & 0x80) !== 0;
    v >>= 8n;
    if ((v === 0n && !sign) || (v === -1n && sign)) break;
  }
  return tlv(0x02, Uint8Array.from(octets));
}

/**
 * An OBJECT IDENTIFIER from dotted decimal.
 *
 * @example
 * derOid('2.16.840.1.101.3.4.2.1'); // SHA-256
 */
export function derOid(dotted: string): Uint8Array {
  if (!/^[0-2]\.(?:0|[1-9]\d*)(?:\.(?:0|[1-9]\d*))*$/.test(dotted)) {
    throw new AgentvisorError('INPUT_INVALID', `DER: ${JSON.stringify(dotted)} is not an OID`);
  }
  const arcs = dotted.split('.').map(BigInt);
  const [a, b, ...rest] = arcs as [bigint, bigint, ...bigint[]];
  if (a < 2n && b >= 40n) {
    throw new AgentvisorError('INPUT_INVALID', `DER: OID ${dotted} has a second arc >= 40`);
  }
  const out: number[] = [];
  for (const arc of [a * 40n + b, ...rest]) {
    const group: number[] = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) group.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...group);
  }
  return tlv(0x06, Uint8Array.from(out));
}

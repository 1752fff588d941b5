/**
 * The strict DER reader and writer under the RFC 3161 code: lengths, integers and OIDs round-trip
 * (fast-check), every non-DER encoding the reader must refuse is refused, and known encodings
 * from X.690 and RFC 3161 come out byte for byte.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  children,
  decodeLength,
  derInteger,
  derOid,
  derSequence,
  encodeLength,
  readDer,
  readInteger,
  readOid,
  readTime,
  TAG_CLASS,
} from '../../../src/ledger/der.js';
import { parseTimeStampResponse, timeStampRequest } from '../../../src/ledger/rfc3161-token.js';

const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('DER lengths', () => {
  it('round-trips every length up to 2^32 - 1 in minimal form', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), (n) => {
        const enc = encodeLength(n);
        const { length, next } = decodeLength(enc, 0);
        expect(length).toBe(n);
        expect(next).toBe(enc.length);
        // Minimal: short form below 128, otherwise no leading zero octet.
        if (n < 128) expect(enc.length).toBe(1);
        else expect(enc[1]).not.toBe(0);
      }),
    );
  });

  it('encodes the X.690 examples', () => {
    expect(toHex(encodeLength(38))).toBe('26');
    expect(toHex(encodeLength(127))).toBe('7f');
    expect(toHex(encodeLength(128))).toBe('8180');
    expect(toHex(encodeLength(201))).toBe('81c9');
    expect(toHex(encodeLength(0x1_0000))).toBe('83010000');
  });

  it('refuses indefinite, non-minimal, oversized and truncated lengths', () => {
    expect(() => decodeLength(bytes('80'), 0)).toThrow(/indefinite/);
    expect(() => decodeLength(bytes('8105'), 0)).toThrow(/below 128/);
    expect(() => decodeLength(bytes('820080'), 0)).toThrow(/leading zero/);
    expect(() => decodeLength(bytes('850100000000'), 0)).toThrow(/too long/);
    expect(() => decodeLength(bytes('82 01'), 0)).toThrow(/truncated/);
    expect(() => decodeLength(bytes(''), 0)).toThrow(/truncated/);
  });
});

describe('DER values', () => {
  it('round-trips integers of any sign and size in minimal two’s complement', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 200n), max: 1n << 200n }), (v) => {
        const node = readDer(derInteger(v));
        expect(readInteger(node)).toBe(v);
      }),
    );
    expect(toHex(derInteger(0n))).toBe('020100');
    expect(toHex(derInteger(127n))).toBe('02017f');
    expect(toHex(derInteger(128n))).toBe('02020080');
    expect(toHex(derInteger(-128n))).toBe('020180');
    expect(toHex(derInteger(-129n))).toBe('0202ff7f');
  });

  it('refuses non-minimal and empty integers', () => {
    expect(() => readInteger(readDer(bytes('02020001')))).toThrow(/minimal/);
    expect(() => readInteger(readDer(bytes('0202ff80')))).toThrow(/minimal/);
    expect(() => readInteger(readDer(bytes('0200')))).toThrow(/empty/);
  });

  it('round-trips OIDs and encodes known ones', () => {
    expect(toHex(derOid('2.16.840.1.101.3.4.2.1'))).toBe('0609608648016503040201');
    expect(toHex(derOid('1.2.840.113549.1.7.2'))).toBe('06092a864886f70d010702');
    expect(readOid(readDer(bytes('06092a864886f70d010702')))).toBe('1.2.840.113549.1.7.2');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 39 }),
        fc.array(fc.bigInt({ min: 0n, max: 1n << 70n }), { maxLength: 8 }),
        (a, b, rest) => {
          const dotted = [a, b, ...rest].join('.');
          expect(readOid(readDer(derOid(dotted)))).toBe(dotted);
        },
      ),
    );
    expect(() => readOid(readDer(bytes('0603 2a 8001')))).toThrow(/leading zero/);
    expect(() => readOid(readDer(bytes('0602 2a 86')))).toThrow(/malformed/);
  });

  it('reads nested structures as views and refuses trailing or overlong content', () => {
    const der = derSequence(derInteger(1n), derSequence(derOid('1.2.3')));
    const top = readDer(der);
    const [one, inner] = children(top);
    expect(readInteger(one!)).toBe(1n);
    expect(inner!.offset).toBe(5);
    expect(readOid(children(inner!)[0]!)).toBe('1.2.3');
    expect(() => readDer(Uint8Array.from([...der, 0]))).toThrow(/trailing/);
    expect(() => readDer(bytes('3005 020101'))).toThrow(/past the end/);
    expect(() => children(readDer(bytes('3003 0205 01')))).toThrow(/past the end/);
  });

  it('reads high tag numbers and refuses their non-minimal forms', () => {
    const node = readDer(bytes('bf 81 00 00'));
    expect(node).toMatchObject({ tagClass: TAG_CLASS.context, constructed: true, tagNumber: 128 });
    expect(() => readDer(bytes('9f 80 01 00'))).toThrow(/leading zero/);
    expect(() => readDer(bytes('9f 05 00'))).toThrow(/low tag/);
  });

  it('reads DER times and refuses other forms', () => {
    const gt = (s: string) =>
      readTime(readDer(Uint8Array.from([0x18, s.length, ...Buffer.from(s)])));
    const ut = (s: string) =>
      readTime(readDer(Uint8Array.from([0x17, s.length, ...Buffer.from(s)])));
    expect(gt('20261127022646Z').toISOString()).toBe('2026-11-27T02:26:46.000Z');
    expect(gt('20261127022646.5Z').toISOString()).toBe('2026-11-27T02:26:46.500Z');
    expect(() => gt('20261127022646.50Z')).toThrow(/not DER/);
    expect(() => gt('202611270226Z')).toThrow(/not DER/);
    expect(() => gt('20260230000000Z')).toThrow(/not a valid date/);
    expect(ut('500101000000Z').getUTCFullYear()).toBe(1950);
    expect(ut('491231235959Z').getUTCFullYear()).toBe(2049);
  });
});

describe('RFC 3161 messages', () => {
  it('builds the TimeStampReq OpenSSL would send', () => {
    const imprint = new Uint8Array(32).fill(0xab);
    const der = timeStampRequest({ imprint, nonce: 0x0102n, certReq: true });
    // SEQUENCE { 1, SEQUENCE { SEQUENCE { sha256, NULL }, OCTET STRING }, nonce, TRUE }
    expect(toHex(der)).toBe(
      `303d020101 3031 300d 0609608648016503040201 0500 0420${'ab'.repeat(32)} 02020102 0101ff`.replace(
        / /g,
        '',
      ),
    );
  });

  it('reads a refusal with its text and failure bits', () => {
    // status rejection(2), statusString "no", failInfo badAlg (bit 0)
    const der = bytes('300f 300d 020102 3004 0c026e6f 03020780');
    const r = parseTimeStampResponse(der);
    expect(r.status).toBe(2);
    expect(r.token).toBeUndefined();
    expect(r.statusText).toBe('rejection, "no", badAlg');
  });
});

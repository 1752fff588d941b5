/**
 * The range verifier's worker builds each entry's canonical form with its own encoder (source
 * text evaluated in the worker). It must be byte-identical to the generic RFC 8785 encoding of
 * the entry, or a worker would report intact logs as broken (or, worse, the reverse).
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, ledgerEntryCanonical } from '../../../src/ledger/canonical-json.js';
import { ENTRY_CANONICAL_SOURCE } from '../../../src/ledger/range-worker.js';

type Encoder = (
  seq: unknown,
  id: unknown,
  ts: unknown,
  type: unknown,
  actor: unknown,
  subject: unknown,
  payload: unknown,
  prevHex: string,
  keyId: unknown,
) => string | undefined;

const entryCanonical = new Function(
  `${ENTRY_CANONICAL_SOURCE}\nreturn entryCanonical;`,
)() as Encoder;

const anyString = fc.string({
  unit: fc.oneof(
    fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
    fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
    fc.constantFrom('"', '\\', '/', '\u2028', '\u007f', '\n', '\ud800', '\udfff', 'é'),
  ),
});

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('range worker entry encoder', () => {
  it('is byte-identical to the generic RFC 8785 encoding, over random entries', () => {
    fc.assert(
      fc.property(
        fc.record({
          actor: anyString,
          id: anyString,
          key_id: anyString,
          payload: fc.jsonValue(),
          prev: fc.uint8Array({ minLength: 32, maxLength: 32 }),
          seq: fc.oneof(fc.maxSafeInteger(), fc.integer({ min: 1, max: 1_000_000 })),
          subject: anyString,
          ts: anyString,
          type: anyString,
        }),
        (e) => {
          const payload = canonicalJson(e.payload);
          const prevHex = Buffer.from(e.prev).toString('hex');
          const fast = entryCanonical(
            e.seq,
            e.id,
            e.ts,
            e.type,
            e.actor,
            e.subject,
            payload,
            prevHex,
            e.key_id,
          );
          const fields = {
            actor: e.actor,
            id: e.id,
            key_id: e.key_id,
            prev_hash: prevHex,
            seq: e.seq,
            subject: e.subject,
            ts: e.ts,
            type: e.type,
          };
          const generic = canonicalJson({ ...fields, payload: e.payload });
          expect(fast).toBe(generic);
          expect(fast).toBe(ledgerEntryCanonical({ ...fields, payloadCanonical: payload }));
          // The hashed bytes (UTF-8, lone surrogates escaped by JSON) agree too.
          expect(sha256(fast!)).toBe(sha256(generic));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses what the generic encoder refuses', () => {
    const ok = [1, 'i', 't', 'x', 'a', 's', '{}', '00', 'k'] as const;
    expect(entryCanonical(...ok)).toBeDefined();
    const bad: unknown[][] = [
      [1.5, ...ok.slice(1)],
      [2 ** 53, ...ok.slice(1)],
      [1, null, ...ok.slice(2)],
      [1, 'i', 't', 'x', Buffer.from('a'), 's', '{}', '00', 'k'],
      [1, 'i', 't', 'x', 'a', 's', '', '00', 'k'],
      [1, 'i', 't', 'x', 'a', 's', null, '00', 'k'],
      [1, 'i', 't', 'x', 'a', 's', '{}', '00', 7],
    ];
    for (const args of bad)
      expect(entryCanonical(...(args as Parameters<Encoder>))).toBeUndefined();
  });
});

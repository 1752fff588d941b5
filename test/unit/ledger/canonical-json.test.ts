import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AgentvisorError } from '../../../src/core/errors.js';
import {
  canonicalJson,
  ledgerEntryCanonical,
  MAX_JSON_DEPTH,
  parseCanonicalPayload,
} from '../../../src/ledger/canonical-json.js';

function expectError(fn: () => unknown, code: string, mention: string): AgentvisorError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AgentvisorError);
    expect((error as AgentvisorError).code).toBe(code);
    expect((error as AgentvisorError).message).toContain(mention);
    return error as AgentvisorError;
  }
  throw new Error(`expected ${code} mentioning ${mention}`);
}

function fromBits(bits: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${bits}`));
  return view.getFloat64(0);
}

describe('RFC 8785 examples', () => {
  // RFC 8785 Appendix B: IEEE 754 bit patterns and their required serialisation.
  const APPENDIX_B: [string, string][] = [
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ];

  it.each(APPENDIX_B)('serialises the double 0x%s as %s', (bits, expected) => {
    expect(canonicalJson(fromBits(bits))).toBe(expected);
    expect(canonicalJson({ n: fromBits(bits) })).toBe(`{"n":${expected}}`);
  });

  it('sorts keys by UTF-16 code units (RFC 8785 §3.2.3; cyberphone testdata weird.json)', () => {
    const value = {
      '\u20ac': 'Euro Sign',
      '1': 'One',
      '\u0080': 'Control\u007f',
      '\ud83d\ude02': 'Smiley',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '</script>': 'Browser Challenge',
    };
    expect(canonicalJson(value)).toBe(
      '{"1":"One","</script>":"Browser Challenge","\u0080":"Control\u007f","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude02":"Smiley","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('canonicalises the RFC 8785 §3.2.2 example (cyberphone testdata values.json)', () => {
    const input = String.raw`{
  "numbers": [1E30, 4.50, 333333333.33333329, 2e-3, 0.000000000000000000000000001],
  "escaping": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}`;
    const expected = String.raw`{"escaping":"€$\u000f\nA'B\"\\\\\"/","literals":[null,true,false],"numbers":[1e+30,4.5,333333333.3333333,0.002,1e-27]}`;
    expect(parseCanonicalPayload(input, 10_000).canonical).toBe(expected);
  });

  it('follows JSON.stringify for undefined members, -0 and toJSON', () => {
    expect(canonicalJson({ b: undefined, a: [undefined, -0] })).toBe('{"a":[null,0]}');
    expect(canonicalJson({ at: new Date(0) })).toBe('{"at":"1970-01-01T00:00:00.000Z"}');
  });
});

describe('values JSON cannot represent', () => {
  it('throws INPUT_INVALID naming the problem and the path', () => {
    expectError(() => canonicalJson(undefined), 'INPUT_INVALID', '$: undefined');
    expectError(() => canonicalJson({ a: [1, Number.NaN] }), 'INPUT_INVALID', '$.a[1]: NaN');
    expectError(() => canonicalJson(Number.POSITIVE_INFINITY), 'INPUT_INVALID', 'Infinity');
    expectError(() => canonicalJson({ 'a b': 1n }), 'INPUT_INVALID', '$["a b"]: BigInt');
    expectError(() => canonicalJson({ f: () => 1 }), 'INPUT_INVALID', '$.f: a function');
    expectError(() => canonicalJson([Symbol('s')]), 'INPUT_INVALID', 'symbol');
    const cyclic: Record<string, unknown> = { x: 1 };
    cyclic['self'] = { back: cyclic };
    expectError(() => canonicalJson(cyclic), 'INPUT_INVALID', '$.self.back: circular');
  });

  it('allows shared (non-cyclic) references', () => {
    const shared = { v: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"v":1},"b":{"v":1}}');
  });

  it('limits nesting depth', () => {
    const deep = `${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`;
    expectError(() => parseCanonicalPayload(deep, 1_000_000), 'INPUT_INVALID', 'nesting deeper');
    const ok = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`;
    expect(parseCanonicalPayload(ok, 1_000_000).canonical).toBe(ok);
  });
});

describe('parseCanonicalPayload', () => {
  it('returns the value and its canonical text', () => {
    expect(parseCanonicalPayload(' { "b" : 2, "a" : [1.0, "x"] } ', 100)).toEqual({
      value: { b: 2, a: [1, 'x'] },
      canonical: '{"a":[1,"x"],"b":2}',
    });
  });

  it('rejects non-JSON quoting the parser position', () => {
    const error = expectError(
      () => parseCanonicalPayload('[1,2', 100),
      'INPUT_INVALID',
      'position 4',
    );
    expect(error.details).toMatchObject({ position: 4 });
    expectError(() => parseCanonicalPayload('', 100), 'INPUT_INVALID', 'not valid JSON');
  });

  it('rejects numbers that overflow to Infinity', () => {
    expectError(() => parseCanonicalPayload('[1e400]', 100), 'INPUT_INVALID', 'Infinity');
  });

  it('enforces the byte limit on UTF-8 bytes, and on the canonical form', () => {
    expect(parseCanonicalPayload('"\u00e9\u00e9"', 6).canonical).toBe('"\u00e9\u00e9"');
    expectError(() => parseCanonicalPayload('"\u00e9\u00e9"', 5), 'PAYLOAD_TOO_LARGE', '6 bytes');
    expectError(() => parseCanonicalPayload('1e20', 10), 'PAYLOAD_TOO_LARGE', 'canonical form');
  });
});

describe('ledgerEntryCanonical', () => {
  // Code units from the whole BMP (including lone surrogates and control characters) plus
  // astral code points, so every JSON.stringify escaping rule is exercised.
  const anyString = fc.string({
    unit: fc.oneof(
      fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
      fc.constantFrom('"', '\\', '/', '\u2028', '\u007f', '\n'),
    ),
    maxLength: 30,
  });

  it('equals the general JCS encoder for arbitrary strings and payloads', () => {
    fc.assert(
      fc.property(
        fc.record({
          actor: anyString,
          id: anyString,
          key_id: anyString,
          payload: fc.jsonValue(),
          prev_hash: anyString,
          seq: fc.maxSafeInteger(),
          subject: anyString,
          ts: anyString,
          type: anyString,
        }),
        ({ payload, ...rest }) => {
          const payloadCanonical = canonicalJson(payload);
          const fast = ledgerEntryCanonical({ ...rest, payloadCanonical });
          const general = canonicalJson({ ...rest, payload: JSON.parse(payloadCanonical) });
          expect(fast).toBe(general);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('rejects a non-integer seq and non-string fields', () => {
    const fields = {
      actor: 'a',
      id: 'i',
      key_id: 'k',
      payloadCanonical: '{}',
      prev_hash: 'p',
      seq: 1.5,
      subject: 's',
      ts: 't',
      type: 'x',
    };
    expectError(() => ledgerEntryCanonical(fields), 'INPUT_INVALID', 'seq');
    expectError(
      () => ledgerEntryCanonical({ ...fields, seq: 1, ts: undefined as unknown as string }),
      'INPUT_INVALID',
      'ts: expected a string',
    );
  });
});

/**
 * Redaction: examples of each secret shape, identifiers that must survive, and the property
 * that a planted secret never survives whatever text surrounds it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDACTED, redact } from '../../../src/telemetry/index.js';

describe('redact', () => {
  it.each([
    ['an OpenAI key', 'using sk-proj-AbCdEf0123456789xyzXYZ now', 'using [redacted] now'],
    ['an Anthropic key', 'key sk-ant-api03-abcdefghijklmnopqrstuvwxyz', 'key [redacted]'],
    ['an Agentvisor key', 'avk_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5', '[redacted]'],
    [
      'a Bearer token',
      'Authorization: Bearer eyJhbGciOi.eyJzdWIi.sig',
      'Authorization: Bearer [redacted]',
    ],
    ['a query token', 'GET /x?token=abc123&page=2', 'GET /x?token=[redacted]&page=2'],
    ['a password', 'login password=hunter2 failed', 'login password=[redacted] failed'],
    ['a JSON secret', '{"api_key":"abc def"}', '{"api_key":[redacted]}'],
    ['a hex digest', 'sha 0123456789abcdef0123456789abcdef end', 'sha [redacted] end'],
    ['a base64 blob', 'blob dGhpcyBpcyBhIHNlY3JldCB0aGF0IG11c3QgYmUgaGlkZGVu', 'blob [redacted]'],
  ])('redacts %s', (_name, input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it.each([
    'agent:123e4567-e89b-12d3-a456-426614174000',
    'fs.read',
    'task-list-abcdefghijklmnopq finished',
    'a-very-long-kebab-case-operation-name-that-is-long',
    'monkey=banana',
    'crash: exit code 1',
  ])('keeps %s', (input) => {
    expect(redact(input)).toBe(input);
  });

  it('returns the same string when nothing matched', () => {
    const input = `plain ${'text'.repeat(3)}`;
    expect(redact(input)).toBe(input);
  });

  it('never lets a planted secret survive', () => {
    const alnum = fc.constantFrom(
      ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.split(''),
    );
    const word = (min: number, max: number) =>
      fc.array(alnum, { minLength: min, maxLength: max }).map((cs) => cs.join(''));
    const hex = fc
      .array(fc.constantFrom(...'0123456789abcdef'.split('')), { minLength: 32, maxLength: 64 })
      .map((cs) => cs.join(''));
    // A secret and the part of it that must not survive.
    const planted = fc.oneof(
      word(20, 48).map((w) => ({ text: `sk-${w}`, secret: `sk-${w}` })),
      word(20, 48).map((w) => ({ text: `sk-ant-api03-${w}`, secret: w })),
      word(12, 40).map((w) => ({ text: `Bearer ${w}`, secret: w })),
      fc
        .tuple(
          fc.constantFrom('key', 'token', 'password', 'api_key', 'secret'),
          fc.constantFrom('=', ': ', '='),
          word(8, 30),
        )
        .map(([k, sep, v]) => ({ text: `${k}${sep}${v}`, secret: v })),
      hex.map((h) => ({ text: h, secret: h })),
      fc
        .uint8Array({ minLength: 30, maxLength: 60 })
        .map((b) => Buffer.from(b).toString('base64'))
        .map((b) => ({ text: b, secret: b })),
    );
    const separator = fc.constantFrom(' ', '\n', '"', "'", ',', ';', '(', ')', '\t');
    fc.assert(
      fc.property(
        fc.string(),
        separator,
        planted,
        separator,
        fc.string(),
        (before, s1, p, s2, after) => {
          fc.pre(!before.includes(p.secret) && !after.includes(p.secret));
          const out = redact(`${before}${s1}${p.text}${s2}${after}`);
          expect(out).not.toContain(p.secret);
          expect(out).toContain(REDACTED);
        },
      ),
      { numRuns: 500 },
    );
  });
});

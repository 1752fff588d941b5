import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatGrantSpec, parseGrantSpec } from '../../../src/cli/grant-spec.js';

const token = fc.stringMatching(/^[a-z0-9/._*-]{1,12}$/);
const capability = fc.stringMatching(/^[a-z]{1,8}(\.[a-z]{1,8})?$/);

describe('grant spec', () => {
  it('parses a bare capability and a scoped one', () => {
    expect(parseGrantSpec('--add', 'net.http')).toEqual({ capability: 'net.http' });
    expect(parseGrantSpec('--add', 'fs.write:paths=/a, /b;commands=git')).toEqual({
      capability: 'fs.write',
      scope: { paths: ['/a', '/b'], commands: ['git'] },
    });
  });

  it('round-trips through its text form', () => {
    fc.assert(
      fc.property(
        capability,
        fc.record(
          {
            paths: fc.array(token, { minLength: 1, maxLength: 3 }),
            hosts: fc.array(token, { minLength: 1, maxLength: 3 }),
            commands: fc.array(token, { minLength: 1, maxLength: 3 }),
            models: fc.array(token, { minLength: 1, maxLength: 3 }),
          },
          { requiredKeys: [] },
        ),
        (cap, scope) => {
          const spec =
            Object.keys(scope).length === 0 ? { capability: cap } : { capability: cap, scope };
          expect(parseGrantSpec('--add', formatGrantSpec(spec))).toEqual(spec);
        },
      ),
    );
  });

  it('names the flag and the expected form on bad input', () => {
    expect(() => parseGrantSpec('--add', ':paths=/a')).toThrow(
      /--add ":paths=\/a": the capability is missing/,
    );
    expect(() => parseGrantSpec('--scope', 'fs.read:dirs=/a')).toThrow(
      /"dirs" is not a scope kind \(use paths, hosts, commands, models\)/,
    );
    expect(() => parseGrantSpec('--add', 'fs.read:paths=')).toThrow(/paths lists no pattern/);
  });
});

import { describe, expect, it } from 'vitest';
import { AgentvisorError } from '../../../src/core/index.js';
import {
  grantSchema,
  levelGrants,
  normalizeResourceValue,
  parsePolicyInput,
  patternMatches,
  policyChangesSchema,
  withinCeiling,
} from '../../../src/policy/index.js';

function invalidMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AgentvisorError);
    expect((error as AgentvisorError).code).toBe('INPUT_INVALID');
    return (error as AgentvisorError).message;
  }
  throw new Error('expected INPUT_INVALID');
}

describe('policy validation', () => {
  it('names the field and what is allowed', () => {
    expect(
      invalidMessage(() => parsePolicyInput(grantSchema, { capability: 'FS*' }, 'grant')),
    ).toMatch(/^grant\.capability: a capability such as fs.read/);
    expect(
      invalidMessage(() =>
        parsePolicyInput(
          grantSchema,
          { capability: 'fs.read', scope: { paths: ['/a/../etc'] } },
          'grant',
        ),
      ),
    ).toMatch(/grant\.scope\.paths\.0: path pattern "\/a\/..\/etc" contains ".."/);
    expect(
      invalidMessage(() =>
        parsePolicyInput(grantSchema, { capability: 'fs.read', scope: {} }, 'grant'),
      ),
    ).toMatch(/grant\.scope: a scope names at least one of paths, hosts, commands, models/);
    expect(
      invalidMessage(() =>
        parsePolicyInput(policyChangesSchema, [{ op: 'grant', capability: 'fs.read' }], 'changes'),
      ),
    ).toMatch(/changes\.0\.op: op must be one of add, remove, scope, auto_restart/);
    expect(invalidMessage(() => parsePolicyInput(policyChangesSchema, [], 'changes'))).toMatch(
      /changes: a patch needs at least one change/,
    );
    expect(
      invalidMessage(() =>
        parsePolicyInput(
          grantSchema,
          { capability: 'net.http', scope: { hosts: ['https://x.com'] } },
          'grant',
        ),
      ),
    ).toMatch(/not a URL/);
    expect(
      parsePolicyInput(policyChangesSchema, [{ op: 'auto_restart', value: 3 }], 'changes'),
    ).toEqual([{ op: 'auto_restart', value: 3 }]);
  });
});

describe('scopes and ceilings', () => {
  it('normalises values as both engines see them', () => {
    expect(normalizeResourceValue('path', '/workspace/a/../b/')).toBe('/workspace/b');
    expect(normalizeResourceValue('path', 'a/../../x')).toBeUndefined();
    expect(normalizeResourceValue('host', 'API.Example.com.')).toBe('api.example.com');
    expect(normalizeResourceValue('command', '/usr/bin/git status')).toBe('git');
    expect(normalizeResourceValue('model', ' ')).toBeUndefined();
  });

  it('matches * as any run of characters', () => {
    expect(patternMatches('model', 'claude-*', 'claude-3')).toBe(true);
    expect(patternMatches('host', '*.a', 'b.a.com')).toBe(false);
    expect(patternMatches('host', '*.a', 'b.a')).toBe(true);
    expect(patternMatches('path', '/w/*/logs', '/w/x/y/logs/today')).toBe(true);
    expect(patternMatches('path', '/w/a*b*c', '/w/abc')).toBe(true);
    expect(patternMatches('path', '/w/a*b*c', '/w/acb')).toBe(false);
    expect(patternMatches('path', '/', '/anything')).toBe(true);
  });

  it('a grant is within the ceiling only when every request it allows is', () => {
    const ceiling = levelGrants(1);
    expect(
      withinCeiling({ capability: 'fs.write', scope: { paths: ['/workspace/src'] } }, ceiling),
    ).toBe(true);
    expect(
      withinCeiling({ capability: 'fs.write', scope: { paths: ['/workspace*'] } }, ceiling),
    ).toBe(false);
    expect(withinCeiling({ capability: 'fs.write' }, ceiling)).toBe(false);
    expect(withinCeiling({ capability: 'net.http', scope: { hosts: ['evil.com'] } }, ceiling)).toBe(
      false,
    );
    expect(withinCeiling({ capability: 'admin' }, levelGrants(3))).toBe(false);
    expect(withinCeiling({ capability: 'shell.exec' }, levelGrants(3))).toBe(true);
  });
});

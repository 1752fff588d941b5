/** Scope access rules: private scopes, team and global rules, roles, wildcards, denials. */
import { describe, expect, it } from 'vitest';
import { AgentvisorError } from '../../../src/core/index.js';
import { parseMemoryConfig, ScopeAcl } from '../../../src/memory/index.js';
import { scopeIsReadable } from '../../../src/memory/scope-acl.js';

const acl = new ScopeAcl(
  parseMemoryConfig({
    acl: [
      { scope: 'global', read: ['*'], write: ['role:lead'] },
      { scope: 'team:core', read: ['alice', 'bob', 'role:qa'], write: ['alice', 'role:lead'] },
      { scope: 'agent:*', read: ['role:auditor'] },
    ],
  }).acl,
);

function denial(fn: () => void): AgentvisorError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AgentvisorError);
    expect((error as AgentvisorError).code).toBe('POLICY_DENIED');
    return error as AgentvisorError;
  }
  throw new Error('expected POLICY_DENIED');
}

describe('ScopeAcl', () => {
  it('lets an agent read and write its own private scope only', () => {
    expect(acl.allows({ agent: 'alice' }, 'write', 'agent:alice')).toBe(true);
    expect(acl.allows({ agent: 'bob' }, 'read', 'agent:alice')).toBe(false);
    const e = denial(() => acl.check({ agent: 'bob' }, 'read', 'agent:alice'));
    expect(e.message).toBe(
      'agent "bob" may not read memory scope "agent:alice"; readers: alice (owner), role:auditor (memory.acl)',
    );
    expect(e.details).toMatchObject({ scope: 'agent:alice', access: 'read', agent: 'bob' });
  });

  it('grants by agent name, by role and by *', () => {
    expect(acl.allows({ agent: 'bob' }, 'read', 'team:core')).toBe(true);
    expect(acl.allows({ agent: 'carol', roles: ['qa'] }, 'read', 'team:core')).toBe(true);
    expect(acl.allows({ agent: 'carol', roles: ['lead'] }, 'write', 'team:core')).toBe(true);
    expect(acl.allows({ agent: 'zed' }, 'read', 'global')).toBe(true);
    expect(acl.allows({ agent: 'zed' }, 'write', 'global')).toBe(false);
    expect(acl.allows({ agent: 'eve', roles: ['auditor'] }, 'read', 'agent:alice')).toBe(true);
    expect(acl.allows({ agent: 'eve', roles: ['auditor'] }, 'write', 'agent:alice')).toBe(false);
  });

  it('says who may write when a writer is refused', () => {
    const e = denial(() => acl.check({ agent: 'bob' }, 'write', 'team:core'));
    expect(e.message).toBe(
      'agent "bob" may not write memory scope "team:core"; writers: alice, role:lead (memory.acl)',
    );
  });

  it('says how to open a scope no rule covers', () => {
    const e = denial(() => acl.check({ agent: 'alice' }, 'read', 'team:ops'));
    expect(e.message).toBe(
      'agent "alice" may not read memory scope "team:ops"; no memory.acl rule lets anyone read it; add { scope: "team:ops", read: [...] } to memory.acl',
    );
  });

  it('lists the readable scopes for SQL filters', () => {
    const bob = acl.readable({ agent: 'bob' });
    expect(bob).toEqual({ all: false, exact: ['agent:bob', 'global', 'team:core'], kinds: [] });
    const auditor = acl.readable({ agent: 'eve', roles: ['auditor'] });
    expect(auditor.kinds).toEqual(['agent']);
    expect(scopeIsReadable(auditor, 'agent:anyone')).toBe(true);
    expect(scopeIsReadable(auditor, 'team:core')).toBe(false);
    expect(
      new ScopeAcl([{ scope: '*', read: ['*'], write: [] }]).readable({ agent: 'x' }).all,
    ).toBe(true);
  });
});

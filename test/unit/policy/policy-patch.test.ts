import { describe, expect, it } from 'vitest';
import {
  type AgentPolicy,
  applyPolicyChanges,
  describeGrant,
  levelGrants,
} from '../../../src/policy/index.js';

const NOW = Date.parse('2026-11-26T12:00:00Z');

function policy(overrides: Partial<AgentPolicy> = {}): AgentPolicy {
  return {
    agentId: 'a1',
    agent: 'coder',
    level: 1,
    grants: [
      { capability: 'agent.self' },
      { capability: 'tool.call' },
      { capability: 'fs.write', scope: { paths: ['/workspace'] } },
    ],
    ceiling: { kind: 'level', level: 1 },
    autoRestart: 5,
    version: 3,
    ...overrides,
  };
}

describe('applyPolicyChanges', () => {
  it('adds, rescopes and removes grants and bumps the version', () => {
    const {
      policy: next,
      escalations,
      changed,
    } = applyPolicyChanges(
      policy(),
      [
        { op: 'add', capability: 'net.http', scope: { hosts: ['github.com'] } },
        { op: 'scope', capability: 'fs.write', scope: { paths: ['/workspace/out'] } },
        { op: 'remove', capability: 'tool.call' },
        { op: 'auto_restart', value: 2 },
      ],
      NOW,
    );
    expect(changed).toBe(true);
    expect(escalations).toEqual([]);
    expect(next.version).toBe(4);
    expect(next.autoRestart).toBe(2);
    expect(next.grants.map(describeGrant)).toEqual([
      'agent.self',
      'net.http on hosts github.com',
      'fs.write on paths /workspace/out',
    ]);
  });

  it('reports grants above the ceiling and admin as escalations', () => {
    const { escalations } = applyPolicyChanges(
      policy(),
      [
        { op: 'add', capability: 'fs.write', scope: { paths: ['/etc'] } },
        { op: 'add', capability: 'admin' },
        { op: 'add', capability: 'fs.read', scope: { paths: ['/workspace/src'] } },
      ],
      NOW,
    );
    expect(escalations.map(describeGrant)).toEqual(['fs.write on paths /etc', 'admin']);
  });

  it('treats lifting a scope beyond the ceiling as an escalation', () => {
    const { escalations } = applyPolicyChanges(
      policy(),
      [{ op: 'scope', capability: 'fs.write', scope: null }],
      NOW,
    );
    expect(escalations.map(describeGrant)).toEqual(['fs.write']);
  });

  it('does not count grants the agent already held above its ceiling', () => {
    const held = policy({ grants: [...policy().grants, { capability: 'admin' }] });
    const { escalations } = applyPolicyChanges(held, [{ op: 'auto_restart', value: 1 }], NOW);
    expect(escalations).toEqual([]);
  });

  it('refuses to remove what is not held, or agent.self, naming what is held', () => {
    expect(() =>
      applyPolicyChanges(policy(), [{ op: 'remove', capability: 'shell.exec' }], NOW),
    ).toThrow(/holds no grant of "shell.exec"; it holds: agent.self, fs.write, tool.call/);
    expect(() =>
      applyPolicyChanges(policy(), [{ op: 'scope', capability: 'net.http', scope: null }], NOW),
    ).toThrow(/holds no grant of "net.http"/);
    expect(() =>
      applyPolicyChanges(policy(), [{ op: 'remove', capability: 'agent.self' }], NOW),
    ).toThrow(/stop the agent instead/);
  });

  it('drops lapsed temporary grants and sees an identical patch as no change', () => {
    const withLapsed = policy({
      grants: [...policy().grants, { capability: 'net.http', expiresAt: NOW - 1 }],
    });
    const lapsed = applyPolicyChanges(withLapsed, [{ op: 'auto_restart', value: 5 }], NOW);
    expect(lapsed.policy.grants.some((g) => g.capability === 'net.http')).toBe(false);
    const same = applyPolicyChanges(
      policy(),
      [
        { op: 'add', capability: 'tool.call' },
        { op: 'auto_restart', value: 5 },
      ],
      NOW,
    );
    expect(same.changed).toBe(false);
    expect(same.policy.version).toBe(4);
  });

  it('keeps a level preset within its own ceiling', () => {
    for (const level of [0, 1, 2] as const) {
      const { escalations } = applyPolicyChanges(
        policy({ grants: [], ceiling: { kind: 'level', level } }),
        levelGrants(level).map((g) => ({
          op: 'add' as const,
          capability: g.capability,
          ...(g.scope === undefined ? {} : { scope: g.scope }),
        })),
        NOW,
      );
      expect(escalations).toEqual([]);
    }
  });
});

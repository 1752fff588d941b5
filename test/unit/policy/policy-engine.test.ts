import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/index.js';
import {
  type AgentPolicy,
  type CapabilityGrant,
  levelGrants,
  PolicyEngine,
} from '../../../src/policy/index.js';

function policy(grants: CapabilityGrant[], overrides: Partial<AgentPolicy> = {}): AgentPolicy {
  return {
    agentId: 'a1',
    agent: 'coder',
    level: 1,
    grants,
    ceiling: { kind: 'level', level: 1 },
    autoRestart: 5,
    version: 1,
    ...overrides,
  };
}

const agent = { kind: 'agent', id: 'a1' } as const;

describe('PolicyEngine', () => {
  it('level presets: 0 reads /workspace only, 1 writes it, 3 holds everything', () => {
    const engine = new PolicyEngine();
    engine.set(policy(levelGrants(0), { level: 0, ceiling: { kind: 'level', level: 0 } }));
    const path = (value: string) => ({ kind: 'path', value }) as const;
    expect(engine.decideFor('a1', 'fs.read', path('/workspace/a.md')).kind).toBe('allow');
    expect(engine.decideFor('a1', 'fs.read', path('/etc/passwd')).kind).toBe('deny');
    expect(engine.decideFor('a1', 'fs.write', path('/workspace/a.md')).kind).toBe('deny');
    expect(engine.decideFor('a1', 'net.http', { kind: 'host', value: 'github.com' }).kind).toBe(
      'deny',
    );
    engine.set(policy(levelGrants(1)));
    expect(engine.decideFor('a1', 'fs.write', path('/workspace/a.md')).kind).toBe('allow');
    expect(
      engine.decideFor('a1', 'shell.exec', { kind: 'command', value: 'git status' }).kind,
    ).toBe('allow');
    expect(engine.decideFor('a1', 'shell.exec', { kind: 'command', value: 'rm -rf /' }).kind).toBe(
      'deny',
    );
    engine.set(policy(levelGrants(3), { level: 3 }));
    expect(engine.decideFor('a1', 'anything.at.all', path('/etc/shadow')).kind).toBe('allow');
  });

  it('path scopes cover the directory and below, never a sibling prefix or a ".." escape', () => {
    const engine = new PolicyEngine();
    engine.set(
      policy([{ capability: 'fs.read', scope: { paths: ['/workspace/'] } }], {
        ceiling: { kind: 'grants', grants: [] },
      }),
    );
    const read = (value: string) => engine.decideFor('a1', 'fs.read', { kind: 'path', value }).kind;
    expect(read('/workspace')).toBe('allow');
    expect(read('/workspace/src/deep/file.ts')).toBe('allow');
    expect(read('/workspace-other/x')).toBe('deny');
    expect(read('/workspace/../etc/passwd')).toBe('deny');
    expect(read('../x')).toBe('deny');
  });

  it('host wildcards match subdomains only; models match exact names or a prefix', () => {
    const engine = new PolicyEngine();
    engine.set(
      policy(
        [
          { capability: 'net.http', scope: { hosts: ['*.example.com', 'api.github.com'] } },
          { capability: 'llm.use', scope: { models: ['claude-*', 'gpt-4o'] } },
        ],
        { ceiling: { kind: 'grants', grants: [] } },
      ),
    );
    const host = (value: string) =>
      engine.decideFor('a1', 'net.http', { kind: 'host', value }).kind;
    expect(host('a.example.com')).toBe('allow');
    expect(host('A.B.Example.COM.')).toBe('allow');
    expect(host('example.com')).toBe('deny');
    expect(host('github.com')).toBe('deny');
    expect(host('api.github.com')).toBe('allow');
    const model = (value: string) =>
      engine.decideFor('a1', 'llm.use', { kind: 'model', value }).kind;
    expect(model('claude-sonnet-4')).toBe('allow');
    expect(model('gpt-4o')).toBe('allow');
    expect(model('gpt-4o-mini')).toBe('deny');
    // A scoped grant needs a resource of its kind.
    expect(engine.decideFor('a1', 'llm.use').kind).toBe('deny');
    expect(engine.decideFor('a1', 'llm.use', { kind: 'host', value: 'claude-x' }).kind).toBe(
      'deny',
    );
  });

  it('deny names the agent, the capability and the scope it holds; ask when within the ceiling', () => {
    const engine = new PolicyEngine();
    engine.set(
      policy([{ capability: 'fs.write', scope: { paths: ['/workspace/out'] } }], {
        ceiling: { kind: 'level', level: 1 },
      }),
    );
    const outside = engine.decideFor('a1', 'fs.write', { kind: 'path', value: '/etc/x' });
    expect(outside.kind).toBe('deny');
    expect(outside.kind !== 'allow' && outside.reason).toMatch(
      /agent "coder" \(agent:a1\) holds "fs.write" only for paths \/workspace\/out, not path "\/etc\/x"/,
    );
    const ask = engine.decideFor('a1', 'fs.write', { kind: 'path', value: '/workspace/y' });
    expect(ask.kind).toBe('ask');
    expect(ask.kind !== 'allow' && ask.reason).toMatch(/within the agent's ceiling/);
    const lacking = engine.decideFor('a1', 'shell.exec', { kind: 'command', value: 'curl' });
    expect(lacking.kind !== 'allow' && lacking.reason).toMatch(
      /lacks capability "shell.exec" on command "curl".*only a human admin/,
    );
  });

  it('a new policy replaces the cached decisions (hot patch on the next decision)', () => {
    const engine = new PolicyEngine();
    engine.set(policy([{ capability: 'fs.read', scope: { paths: ['/a'] } }]));
    const req = {
      principal: agent,
      action: 'fs.read',
      resource: { kind: 'path', value: '/b/x' },
    } as const;
    expect(engine.decide(req).kind).toBe('deny');
    expect(engine.decide(req).kind).toBe('deny'); // now cached
    engine.set(policy([{ capability: 'fs.read', scope: { paths: ['/a', '/b'] } }], { version: 2 }));
    expect(engine.decide(req).kind).toBe('allow');
    engine.set(policy([], { version: 3 }));
    expect(engine.decide(req).kind).not.toBe('allow');
  });

  it('a temporary grant lapses at its expiry without a new set()', () => {
    const clock = new ManualClock(1_000);
    const engine = new PolicyEngine({ clock });
    engine.set(policy([{ capability: 'shell.exec', expiresAt: 5_000 }]));
    expect(engine.decideFor('a1', 'shell.exec').kind).toBe('allow');
    clock.set(4_999);
    expect(engine.decideFor('a1', 'shell.exec').kind).toBe('allow');
    clock.set(5_000);
    expect(engine.decideFor('a1', 'shell.exec').kind).not.toBe('allow');
  });

  it('refuses non-agents and agents without a policy', () => {
    const engine = new PolicyEngine();
    expect(engine.decide({ principal: { kind: 'human', id: 'h' }, action: 'fs.read' })).toEqual({
      kind: 'deny',
      reason: expect.stringMatching(/human:h is not an agent/),
    });
    expect(engine.decide({ principal: agent, action: 'fs.read' })).toEqual({
      kind: 'deny',
      reason: expect.stringMatching(/agent:a1 has no policy/),
    });
    engine.set(policy([]));
    expect(engine.has('a1')).toBe(true);
    engine.delete('a1');
    expect(engine.get('a1')).toBeUndefined();
  });
});

/**
 * The fast path against the reference: random policies and requests decided by the compiled
 * matchers ({@link PolicyEngine}) and by Cedar ({@link CedarPolicyReference}) must agree.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/index.js';
import {
  type AgentPolicy,
  type CapabilityGrant,
  type CapabilityScope,
  CedarPolicyReference,
  PolicyEngine,
  type PolicyRequest,
} from '../../../src/policy/index.js';

const NOW = 1_000_000;
const capabilities = ['fs.read', 'net.http', 'shell.exec', 'llm.use'];
// Small alphabets so patterns and values collide often; `*` only ever in patterns.
const segment = fc.constantFrom('a', 'b', 'ab', 'w', 'x.y');
const pathValue = fc
  .array(fc.oneof(segment, fc.constantFrom('..', '.', '')), { minLength: 1, maxLength: 4 })
  .map((parts) => `/${parts.join('/')}`);
const pathPattern = fc
  .array(fc.oneof(segment, fc.constantFrom('*', 'a*', '*b')), { minLength: 0, maxLength: 3 })
  .map((parts) => `/${parts.join('/')}`);
const hostValue = fc
  .array(fc.constantFrom('a', 'b', 'A'), { minLength: 1, maxLength: 3 })
  .map((p) => p.join('.'));
const hostPattern = fc.oneof(
  hostValue,
  hostValue.map((h) => `*.${h}`),
  fc.constant('*'),
);
const word = fc.constantFrom('git', 'npm', 'gpt-4o', 'claude-3', 'claude', 'rm');
const wordPattern = fc.oneof(
  word,
  word.map((w) => `${w.slice(0, 3)}*`),
  fc.constant('*'),
);

const scope: fc.Arbitrary<CapabilityScope> = fc
  .record(
    {
      paths: fc.array(pathPattern, { maxLength: 3 }),
      hosts: fc.array(hostPattern, { maxLength: 3 }),
      commands: fc.array(wordPattern, { maxLength: 2 }),
      models: fc.array(wordPattern, { maxLength: 2 }),
    },
    { requiredKeys: [] },
  )
  .filter((s) => Object.keys(s).length > 0);

const grant: fc.Arbitrary<CapabilityGrant> = fc.record(
  {
    capability: fc.oneof(
      { arbitrary: fc.constantFrom(...capabilities), weight: 12 },
      { arbitrary: fc.constant('admin'), weight: 1 },
    ),
    scope,
    expiresAt: fc.constantFrom(NOW - 1, NOW, NOW + 1),
  },
  { requiredKeys: ['capability'] },
);

const agentPolicy = (agentId: string): fc.Arbitrary<AgentPolicy> =>
  fc.record({
    agentId: fc.constant(agentId),
    agent: fc.constant(`agent-${agentId}`),
    level: fc.constantFrom(0, 1, 2, 3),
    grants: fc.array(grant, { minLength: 1, maxLength: 6 }),
    ceiling: fc.oneof(
      {
        arbitrary: fc.record({
          kind: fc.constant('level' as const),
          level: fc.constantFrom(0, 1, 2, 3),
        }),
        weight: 1,
      },
      {
        weight: 3,
        arbitrary: fc.record({
          kind: fc.constant('grants' as const),
          grants: fc.array(
            grant.map(({ expiresAt: _, ...g }) => g),
            { maxLength: 3 },
          ),
        }),
      },
    ),
    autoRestart: fc.constant(3),
    version: fc.constant(1),
  }) as fc.Arbitrary<AgentPolicy>;

const request: fc.Arbitrary<PolicyRequest> = fc.record(
  {
    principal: fc.record({
      kind: fc.constantFrom('agent' as const, 'agent' as const, 'agent' as const, 'human' as const),
      id: fc.constantFrom('p1', 'p1', 'p2', 'p3'),
    }),
    action: fc.constantFrom(...capabilities, 'tool.call'),
    resource: fc.oneof(
      pathValue.map((value) => ({ kind: 'path' as const, value })),
      hostValue.map((value) => ({ kind: 'host' as const, value })),
      fc
        .oneof(
          word,
          word.map((w) => `/usr/bin/${w} --flag`),
        )
        .map((value) => ({
          kind: 'command' as const,
          value,
        })),
      word.map((value) => ({ kind: 'model' as const, value })),
    ),
  },
  { requiredKeys: ['principal', 'action'] },
);

describe('PolicyEngine agrees with Cedar', () => {
  it('on random policies and requests', () => {
    const clock = new ManualClock(NOW);
    const reference = new CedarPolicyReference();
    fc.assert(
      fc.property(
        fc.tuple(agentPolicy('p1'), agentPolicy('p2')),
        fc.array(request, { minLength: 1, maxLength: 20 }),
        (policies, requests) => {
          const engine = new PolicyEngine({ clock });
          for (const p of policies) engine.set(p);
          reference.load(policies, NOW);
          for (const r of requests) {
            // Twice through the engine: the cached answer must equal the computed one.
            const fast = engine.decide(r).kind;
            expect(engine.decide(r).kind).toBe(fast);
            expect({ request: r, decision: fast }).toEqual({
              request: r,
              decision: reference.decide(r).kind,
            });
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('on a hand-written case with every scope kind', () => {
    const policy: AgentPolicy = {
      agentId: 'p1',
      agent: 'coder',
      level: 1,
      grants: [
        { capability: 'fs.read', scope: { paths: ['/workspace'], hosts: ['x.com'] } },
        { capability: 'net.http', scope: { hosts: ['*.example.com'] } },
      ],
      ceiling: { kind: 'grants', grants: [{ capability: 'fs.write' }] },
      autoRestart: 1,
      version: 1,
    };
    const reference = new CedarPolicyReference();
    reference.load([policy], NOW);
    const who = { kind: 'agent', id: 'p1' } as const;
    const path = (value: string) => ({ kind: 'path', value }) as const;
    expect(
      reference.decide({ principal: who, action: 'fs.read', resource: path('/workspace/a') }).kind,
    ).toBe('allow');
    expect(
      reference.decide({ principal: who, action: 'fs.read', resource: path('/etc') }).kind,
    ).toBe('deny');
    expect(
      reference.decide({ principal: who, action: 'fs.write', resource: path('/etc') }).kind,
    ).toBe('ask');
    expect(
      reference.decide({
        principal: who,
        action: 'net.http',
        resource: { kind: 'host', value: 'example.com' },
      }).kind,
    ).toBe('deny');
  });
});

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { OperationDefinition, Principal } from '../../../src/core/index.js';
import { AgentPolicyStage, PolicyEngine, toolCallResource } from '../../../src/policy/index.js';

const toolCall: OperationDefinition = {
  name: 'tool.call',
  description: 'runs a tool',
  effect: 'write',
  capability: 'tool.call',
  args: z.unknown(),
  handler: () => null,
};

const principal = (kind: Principal['kind'], id: string, caps: string[] = []): Principal => ({
  kind,
  id,
  capabilities: new Set(caps),
});

function stageWith(grants: { capability: string; scope?: { paths?: string[] } }[]) {
  const engine = new PolicyEngine();
  engine.set({
    agentId: 'a1',
    agent: 'coder',
    level: 1,
    grants,
    ceiling: { kind: 'grants', grants: [] },
    autoRestart: 1,
    version: 1,
  });
  const stage = new AgentPolicyStage(engine);
  stage.registerResource(
    'tool.call',
    toolCallResource({ resolvePath: (_who, p) => (p.startsWith('/') ? p : `/workspace/${p}`) }),
  );
  return { engine, stage };
}

describe('AgentPolicyStage', () => {
  it('checks a tool call to an fs tool against the path scope of fs.write', () => {
    const { stage } = stageWith([
      { capability: 'tool.call' },
      { capability: 'fs.write', scope: { paths: ['/workspace/out'] } },
    ]);
    const agent = principal('agent', 'a1');
    const call = (tool: string, path: string) =>
      stage.decide(agent, toolCall, { tool, args: { path, content: 'x' } });
    expect(call('fs.write', 'out/report.md').kind).toBe('allow');
    const denied = call('fs.write', 'src/main.ts');
    expect(denied).toEqual({
      kind: 'deny',
      reason: expect.stringMatching(
        /^tool\.call: agent "coder" \(agent:a1\) holds "fs.write" only for paths \/workspace\/out, not path "\/workspace\/src\/main.ts"/,
      ),
    });
    // fs.read is not granted at all.
    expect(call('fs.read', 'out/report.md').kind).toBe('deny');
    // A tool without a resource needs only tool.call.
    expect(stage.decide(agent, toolCall, { tool: 'memory.search', args: {} }).kind).toBe('allow');
  });

  it('denies the op capability itself when the policy lacks it', () => {
    const { stage } = stageWith([{ capability: 'fs.write' }]);
    expect(stage.decide(principal('agent', 'a1'), toolCall, { tool: 'x', args: {} })).toMatchObject(
      { kind: 'deny', reason: expect.stringMatching(/lacks capability "tool.call"/) },
    );
  });

  it('leaves humans, system, API keys and agents without a policy to principal capabilities', () => {
    const { stage } = stageWith([]);
    expect(stage.decide(principal('human', 'h', ['tool.call']), toolCall, {}).kind).toBe('allow');
    expect(stage.decide(principal('apikey', 'k', []), toolCall, {}).kind).toBe('deny');
    expect(stage.decide(principal('system', 'system', ['*']), toolCall, {}).kind).toBe('allow');
    expect(stage.decide(principal('agent', 'other', ['tool.call']), toolCall, {}).kind).toBe(
      'allow',
    );
    expect(stage.decide(principal('agent', 'other', []), toolCall, {}).kind).toBe('deny');
  });

  it('a hot patch (new policy in the engine) changes the very next decision', () => {
    const { engine, stage } = stageWith([{ capability: 'tool.call' }]);
    const agent = principal('agent', 'a1');
    const args = { tool: 'http.fetch', args: { url: 'https://api.example.com/v1' } };
    expect(stage.decide(agent, toolCall, args).kind).toBe('deny');
    engine.set({
      ...engine.get('a1')!,
      grants: [
        { capability: 'tool.call' },
        { capability: 'net.http', scope: { hosts: ['*.example.com'] } },
      ],
      version: 2,
    });
    expect(stage.decide(agent, toolCall, args).kind).toBe('allow');
    expect(
      stage.decide(agent, toolCall, { tool: 'shell.exec', args: { command: 'git status' } }).kind,
    ).toBe('deny');
  });
});

import { describe, expect, it } from 'vitest';
import { isAgentvisorError } from '../../../../src/core/index.js';
import type { DeliberationContext } from '../../../../src/daemon/deliberation/decision.js';
import { LlmDeliberator } from '../../../../src/daemon/deliberation/llm-deliberator.js';
import { defaultUtilityDeliberator } from '../../../../src/daemon/deliberation/utility-deliberator.js';
import type { AgentGate } from '../../../../src/daemon/runtime/agent-gate.js';

type Reply = { content: string; toolCalls: { id: string; name: string; arguments: string }[] };

function scriptedGate(replies: Reply[]): AgentGate & { requests: unknown[] } {
  const requests: unknown[] = [];
  return {
    caller: { kind: 'agent', id: 'a1' },
    requests,
    async call<R>(op: string, args: unknown): Promise<R> {
      expect(op).toBe('llm.complete');
      requests.push(args);
      const reply = replies.shift();
      if (reply === undefined) throw new Error('no scripted reply left');
      return {
        response: { ...reply, usage: { inputTokens: 10, outputTokens: 5 } },
      } as R;
    },
  };
}

const context: DeliberationContext = {
  agent: {
    name: 'writer',
    role: 'writer',
    description: 'Writes summaries.',
    model: 'smart',
    constitution: [
      { id: 'b', text: 'Be brief.', priority: 1 },
      { id: 'h', text: 'Never invent facts.', priority: 100 },
    ],
  },
  goal: {
    id: 'g1',
    title: 'Summarise notes.txt',
    description: 'into out.txt',
    taskId: 't1',
    successCriteria: ['out.txt exists'],
    attempts: 0,
  },
  observations: [],
  memories: [{ component: 'semantic', content: 'notes are in /data' }],
  transcript: [
    {
      beat: 1,
      thought: 'read it',
      calls: [
        { key: 'a1_1_1', tool: 'fs.read', args: '{"path":"notes.txt"}', ok: true, output: 'hi' },
      ],
    },
  ],
  tools: [
    { name: 'fs.read', description: 'read', inputSchema: { type: 'object' } },
    { name: 'fs.write', description: 'write', inputSchema: { type: 'object' } },
  ],
};

describe('LlmDeliberator', () => {
  it('turns tool calls into a plan, mapping wire names back to dotted tool names', async () => {
    const gate = scriptedGate([
      {
        content: 'writing',
        toolCalls: [{ id: 'x', name: 'fs__write', arguments: '{"path":"out.txt","content":"hi"}' }],
      },
    ]);
    const decision = await new LlmDeliberator().deliberate(context, gate);
    expect(decision?.actions).toEqual([
      { kind: 'tool', tool: 'fs.write', args: { path: 'out.txt', content: 'hi' } },
    ]);
    expect(decision?.tokens).toBe(15);
    const request = (gate.requests[0] as { request: Record<string, unknown> }).request;
    expect(request['model']).toBe('smart');
    const messages = request['messages'] as { role: string; content: unknown }[];
    // Directives are ordered by priority, and the transcript replays earlier calls and results.
    expect(String(messages[0]!.content).indexOf('Never invent')).toBeLessThan(
      String(messages[0]!.content).indexOf('Be brief'),
    );
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    expect((request['tools'] as { name: string }[]).map((t) => t.name)).toEqual([
      'fs__read',
      'fs__write',
    ]);
  });

  it('finishes the goal when the model answers in plain text', async () => {
    const gate = scriptedGate([{ content: 'All done: 3 lines.', toolCalls: [] }]);
    const decision = await new LlmDeliberator().deliberate(context, gate);
    expect(decision?.actions).toEqual([{ kind: 'finish', outcome: 'All done: 3 lines.' }]);
  });

  it('repairs once after unusable output, then succeeds', async () => {
    const gate = scriptedGate([
      { content: '', toolCalls: [{ id: 'x', name: 'fs__write', arguments: '{not json' }] },
      { content: '', toolCalls: [{ id: 'y', name: 'fs__write', arguments: '{"path":"o"}' }] },
    ]);
    const decision = await new LlmDeliberator().deliberate(context, gate);
    expect(decision?.actions).toHaveLength(1);
    const second = (gate.requests[1] as { request: { messages: { content: unknown }[] } }).request;
    expect(JSON.stringify(second.messages.at(-1))).toContain('not valid JSON');
  });

  it('gives up with MODEL_OUTPUT_INVALID after a second unusable reply', async () => {
    const gate = scriptedGate([
      { content: '', toolCalls: [{ id: 'x', name: 'fs__read', arguments: '"a string"' }] },
      { content: '', toolCalls: [] },
    ]);
    const error = await new LlmDeliberator().deliberate(context, gate).catch((e: unknown) => e);
    expect(isAgentvisorError(error, 'MODEL_OUTPUT_INVALID')).toBe(true);
    expect(String((error as Error).message)).toContain('reply was empty');
  });

  it('passes calls of tools it was not offered on to the gate, which denies and records them', async () => {
    const gate = scriptedGate([
      { content: '', toolCalls: [{ id: 'x', name: 'shell__exec', arguments: '{"command":"rm"}' }] },
    ]);
    const decision = await new LlmDeliberator().deliberate(context, gate);
    expect(decision?.actions).toEqual([
      { kind: 'tool', tool: 'shell.exec', args: { command: 'rm' } },
    ]);
  });

  it('does nothing without a goal', async () => {
    const gate = scriptedGate([]);
    expect(await new LlmDeliberator().deliberate({ ...context, goal: undefined }, gate)).toBe(
      undefined,
    );
  });
});

describe('default utility deliberation', () => {
  it('remembers observations by salience and finishes a goal whose criteria were observed', async () => {
    const gate = scriptedGate([]);
    const decision = await defaultUtilityDeliberator().deliberate(
      {
        ...context,
        tools: [{ name: 'memory.put', description: '', inputSchema: {} }],
        observations: [
          {
            id: 'o1',
            source: 'inbox',
            kind: 'message',
            at: '2026-01-01T00:00:00.000Z',
            salience: 0.6,
            summary: 'out.txt exists now',
          },
        ],
      },
      gate,
    );
    expect(decision?.actions[0]).toEqual({
      kind: 'finish',
      outcome: 'every success criterion was observed',
    });
    expect(decision?.actions[1]).toMatchObject({ kind: 'tool', tool: 'memory.put' });
  });
});

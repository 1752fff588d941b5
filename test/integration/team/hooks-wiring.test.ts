/**
 * Hooks from agentvisor.yaml in a real system: a PreToolUse hook denies a tool call (the model
 * reads why, the ledger records the hook run), another amends the arguments of the next, a hook
 * that throws is recorded and the call goes on, and PostToolUse sees the outcome.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listEntries } from '../../../src/ledger/index.js';
import { type AgentHarness, startAgents } from '../daemon/runtime/harness.js';

let h: AgentHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const call = (id: string, name: string, args: unknown) => ({
  id,
  name,
  arguments: JSON.stringify(args),
});

describe('hooks in a running system', () => {
  it('deny, amend, fail harmlessly and observe tool calls', async () => {
    h = await startAgents((dir) => {
      writeFileSync(
        path.join(dir, 'guard.mjs'),
        [
          'export function guard(p) {',
          "  if (p.args.path === 'secret.txt') return { decision: 'deny', reason: 'no secrets' };",
          "  if (p.args.path === 'draft.txt') return { decision: 'allow', args: { ...p.args, path: 'final.txt' } };",
          '}',
          "export function broken() { throw new Error('hook bug'); }",
          "export async function audit(p) { const fs = await import('node:fs'); fs.appendFileSync(new URL('./post.log', import.meta.url), p.tool + ' ' + p.ok + '\\n'); }",
        ].join('\n'),
      );
      return {
        agents: [
          {
            name: 'writer',
            model: 'smart',
            tools: ['fs.write'],
            scopes: { fs: { read: [], write: ['./out'] } },
          },
        ],
        hooks: [
          { event: 'PreToolUse', match: { tool: 'fs.*' }, module: 'guard.mjs', export: 'broken' },
          { event: 'PreToolUse', match: { tool: 'fs.*' }, module: 'guard.mjs', export: 'guard' },
          { event: 'PostToolUse', module: 'guard.mjs', export: 'audit' },
        ],
      };
    });
    h.stub.script(
      {
        kind: 'tool_calls',
        calls: [
          call('c1', 'fs__write', { path: 'secret.txt', content: 'x' }),
          call('c2', 'fs__write', { path: 'draft.txt', content: 'hello' }),
        ],
      },
      { kind: 'text', text: 'done' },
    );
    await h.system.kernel.call(h.operator, 'task.submit', { agent: 'writer', title: 'Write' });
    const { daemon } = await h.system.agents.spawn('writer');
    const reports = await daemon.runUntilIdle(5);
    const results = reports[0]!.results;
    expect(results[0]).toMatchObject({ ok: false, code: 'POLICY_DENIED' });
    expect(results[0]!.output).toMatch(/denied by hook hooks\[1\]: no secrets/);
    expect(results[1]!.ok).toBe(true);
    expect(readFileSync(path.join(h.dir, 'out', 'final.txt'), 'utf8')).toBe('hello');
    // The model read the denial on its next turn.
    expect(JSON.stringify(h.stub.requests[1]!.body)).toContain('no secrets');

    await h.system.ledger.flush();
    await new Promise((r) => setTimeout(r, 100));
    await h.system.ledger.flush();
    const runs = (await listEntries(h.system.store, { fromSeq: 1, limit: 10_000 }))
      .filter((e) => e.type === 'hook.run')
      .map((e) => JSON.parse(e.payload) as { hookIndex: number; outcome: string });
    expect(runs).toContainEqual(expect.objectContaining({ hookIndex: 0, outcome: 'error' }));
    expect(runs).toContainEqual(expect.objectContaining({ hookIndex: 1, outcome: 'denied' }));
    expect(runs).toContainEqual(expect.objectContaining({ hookIndex: 1, outcome: 'amended' }));
    expect(readFileSync(path.join(h.dir, 'post.log'), 'utf8')).toMatch(
      /fs.write false\nfs.write true/,
    );
  });

  it('refuses to start with a hook that cannot load, naming it', async () => {
    await expect(
      startAgents(() => ({
        agents: [],
        hooks: [{ event: 'Stop', module: 'missing.mjs' }],
      })),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/hooks\[0\]/),
    });
  });
});

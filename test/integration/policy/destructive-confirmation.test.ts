/**
 * Confirmation before destructive operations at permission level 3 (issue 9): overwriting a
 * file or running a listed command files a `confirmation` item and is refused until a person
 * approves that exact call; the approval lets it through once; a new file or an unlisted command
 * needs nothing; agents below level 3 are not asked.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallerRef } from '../../../src/core/index.js';
import type { ApprovalItem } from '../../../src/policy/index.js';
import { type AgentHarness, startAgents } from '../daemon/runtime/harness.js';

let h: AgentHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

let position = 0;

describe('destructive operations at level 3', () => {
  it('need a person to confirm the exact call, once', async () => {
    h = await startAgents(() => ({
      agents: [
        {
          name: 'root',
          model: 'smart',
          permission_level: 3,
          tools: ['fs.write', 'shell.exec'],
          scopes: {
            fs: { read: ['./out'], write: ['./out'] },
            shell: { commands: ['echo', 'rm'] },
          },
        },
      ],
    }));
    const agent: CallerRef = { kind: 'agent', id: h.system.agents.byName('root')!.id };
    // The refusal comes back as the call's error: what the model reads on its next turn.
    const tool = (name: string, args: Record<string, unknown>): Promise<string> =>
      h!.system.kernel
        .call(agent, 'tool.call', {
          tool: name,
          args,
          key: `k${++position}`,
          taskId: null,
          goalId: null,
          beat: 1,
          position,
        })
        .then(
          () => 'ok',
          (error: Error) => error.message,
        );
    const file = path.join(h.dir, 'out', 'report.md');
    const write = (content: string) => tool('fs.write', { path: file, content });

    // A new file is not destructive.
    const created = await write('v1');
    expect(created).toBe('ok');
    expect(readFileSync(file, 'utf8')).toBe('v1');

    // Overwriting it is: refused, with an item to approve.
    const refused = await write('v2');
    expect(refused).toMatch(/needs a person's confirmation first \(approval/);
    expect(readFileSync(file, 'utf8')).toBe('v1');
    const { result: items } = await h.system.kernel.call<{ approvals: ApprovalItem[] }>(
      h.operator,
      'approvals.list',
      {
        kind: 'confirmation',
      },
    );
    expect(items.approvals).toHaveLength(1);
    expect(items.approvals[0]!.summary).toContain('overwrite');
    // Asking again files no second item.
    await write('v2');
    expect(
      (
        await h.system.kernel.call<{ approvals: ApprovalItem[] }>(h.operator, 'approvals.list', {
          kind: 'confirmation',
        })
      ).result.approvals,
    ).toHaveLength(1);

    await h.system.kernel.call(h.operator, 'approvals.decide', {
      id: items.approvals[0]!.id,
      decision: 'approve',
      reason: 'yes, replace the report',
    });
    await write('v2');
    expect(readFileSync(file, 'utf8')).toBe('v2');
    // Once: the same call again needs a new confirmation.
    const again = await write('v2');
    expect(again).toContain('confirmation');

    // A listed command is destructive; an unlisted one is not.
    const rm = await tool('shell.exec', { command: `rm ${file}` });
    expect(rm).toContain('confirmation');
    expect(existsSync(file)).toBe(true);
    const echo = await tool('shell.exec', { command: 'echo hello' });
    expect(echo).not.toContain('confirmation');
  });
});

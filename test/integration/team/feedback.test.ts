/**
 * Feedback on a task (issue 9): a rating, an acceptance and a correction each become the seed's
 * learning signal, recorded under the person; a retry hands the work out again as a child of the
 * original; bad feedback gets a clear error.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { listEntries } from '../../../src/ledger/index.js';
import { type AgentHarness, startAgents } from '../daemon/runtime/harness.js';

let h: AgentHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('task feedback', () => {
  it('records learning signals and retries', async () => {
    h = await startAgents(() => ({ agents: [{ name: 'writer', model: 'smart' }] }));
    const { daemon } = await h.system.agents.spawn('writer');
    h.stub.script({ kind: 'text', text: 'the summary is done' });
    const { result: task } = await h.system.kernel.call<{ id: string }>(h.operator, 'task.submit', {
      agent: 'writer',
      title: 'summarise the notes',
    });
    await daemon.runUntilIdle(5);
    const feedback = (args: Record<string, unknown>) =>
      h!.system.kernel.call<{ signal: string; retry: string | null }>(
        h!.operator,
        'task.feedback',
        {
          id: task.id,
          ...args,
        },
      );
    expect((await feedback({ kind: 'rate', rating: 4 })).result.signal).toBe('user_rating');
    expect((await feedback({ kind: 'accept' })).result.signal).toBe('user_acceptance');
    expect((await feedback({ kind: 'correct', note: 'mention the deadline' })).result.signal).toBe(
      'user_correction',
    );
    const retried = await feedback({ kind: 'retry', note: 'shorter, please' });
    expect(retried.result.retry).not.toBeNull();
    const { result: again } = await h.system.kernel.call<{ task: { description: string } }>(
      h.operator,
      'task.get',
      {
        id: retried.result.retry!,
      },
    );
    expect(again.task.description).toContain('Retry requested: shorter, please');

    await expect(feedback({ kind: 'rate' })).rejects.toThrow(/rating: 1 to 5 is required/);
    await expect(feedback({ kind: 'rate', rating: 9 })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
    });
    await expect(feedback({ kind: 'correct' })).rejects.toThrow(/say what the right answer is/);
    await expect(
      h.system.kernel.call(h.operator, 'task.feedback', {
        id: '01a21acb-0000-7000-8000-000000000000',
        kind: 'accept',
      }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });

    await h.system.ledger.flush();
    const entries = await listEntries(h.system.store, { fromSeq: 1, limit: 100_000 });
    const kinds = entries
      .filter((e) => e.subject === 'task.feedback' && e.actor === 'human:tester')
      .map((e) => (JSON.parse(e.payload as unknown as string) as { kind?: string }).kind)
      .filter((k) => k !== undefined);
    expect(kinds).toEqual(expect.arrayContaining(['rate', 'accept', 'correct', 'retry']));
  });
});

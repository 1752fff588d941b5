/**
 * Scheduled verification (issue 9): a run verifies what is new since the last verified size and
 * every sealed row, is recorded in the ledger, and continues from where it stopped; an altered
 * task row or an altered entry fails the run, names the first bad entry and tells the listeners
 * (the alerts).
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { listEntries } from '../../../src/ledger/index.js';
import { computeCompliance } from '../../../src/policy/index.js';
import type { IntegrityRun } from '../../../src/system/index.js';
import { type AgentHarness, startAgents } from '../daemon/runtime/harness.js';

let h: AgentHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function submit(title: string): Promise<string> {
  const { result } = await h!.system.kernel.call<{ id: string }>(h!.operator, 'task.submit', {
    agent: 'worker',
    title,
  });
  return result.id;
}

describe('scheduled verification', () => {
  it('verifies incrementally and names the first bad entry when a row or an entry is altered', async () => {
    h = await startAgents(() => ({ agents: [{ name: 'worker', model: 'smart' }] }));
    const failures: IntegrityRun[] = [];
    h.system.integrity.onFailure((run) => failures.push(run));
    const taskId = await submit('first');
    const first = await h.system.integrity.runNow();
    expect(first).toMatchObject({ ok: true, from: 1, firstBad: null });
    expect(first.records).toBeGreaterThan(0);

    await submit('second');
    const second = await h.system.integrity.runNow();
    expect(second.ok).toBe(true);
    // It picked up after the first run (which itself appended its record).
    expect(second.from).toBe(first.to + 1);

    // Someone with database access rewrites a task's title.
    await h.system.store.db
      .updateTable('tasks')
      .set({ title: 'rewritten' })
      .where('id', '=', taskId)
      .execute();
    const third = await h.system.integrity.runNow();
    expect(third.ok).toBe(false);
    expect(third.firstBad).toMatchObject({
      kind: 'modified',
      where: 'record',
      record: { table: 'tasks', id: taskId },
    });
    expect(failures).toHaveLength(1);
    await h.system.store.db
      .updateTable('tasks')
      .set({ title: 'first' })
      .where('id', '=', taskId)
      .execute();

    // Or an entry newer than the last verified size.
    await submit('third');
    await h.system.ledger.flush();
    const head = (await h.system.ledger.head()).size;
    await sql`update ledger_entries set actor = 'human:mallory' where seq = ${head}`.execute(
      h.system.store.db,
    );
    const fourth = await h.system.integrity.runNow();
    expect(fourth.ok).toBe(false);
    expect(fourth.firstBad?.seq).toBe(head);
    expect(failures).toHaveLength(2);

    const runs = (await listEntries(h.system.store, { fromSeq: 1, limit: 100_000 })).filter(
      (e) => e.type === 'integrity.verified',
    );
    expect(runs.map((e) => e.subject)).toEqual(['ok', 'ok', 'failed', 'failed']);
    // The compliance report reads the last check from the ledger: a failed one outranks any score.
    const report = computeCompliance(
      await listEntries(h.system.store, { fromSeq: 1, limit: 100_000 }),
      [],
    );
    expect(report.sections.recordKeeping.lastIntegrityCheck).toMatchObject({
      ok: false,
      firstBadSeq: head,
    });
    expect(report.system.status).toBe('NON_COMPLIANT');
  });
});

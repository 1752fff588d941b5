/**
 * The goal stack on SQLite and PostgreSQL: persistence across restarts, the hierarchy and its
 * rules, the lifecycle's edges, picking by priority and deadline, history, overdue goals and
 * the content hash that exposes an edited row.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/core/index.js';
import { GoalStack, goalContentHash } from '../../../../src/daemon/agent/index.js';
import { DIALECTS, storePerTest } from './dialects.js';
import { failure } from './failure.js';

const AGENT = '0190b2a4-7c3e-7d11-8a2b-3f4c5d6e7f80';
const T0 = Date.parse('2026-03-01T09:00:00.000Z');

describe.each(DIALECTS)('goal stack: $label', ({ skip, open }) => {
  const opened = storePerTest({ skip, open });
  let clock: ManualClock;
  let goals: GoalStack;
  beforeEach(() => {
    if (skip) return;
    clock = new ManualClock(T0);
    goals = new GoalStack({ store: opened.store, agentId: AGENT, clock });
  });

  it.skipIf(skip)('persists goals, their fields and their history across a restart', async () => {
    const goal = await goals.push(
      {
        description: 'Publish the weekly report',
        priority: 80,
        successCriteria: ['report is in ./out', 'figures are sourced'],
        deadline: '2026-03-02T17:00:00+01:00',
      },
      { ledgerSeq: 41 },
    );
    expect(goal).toMatchObject({
      agentId: AGENT,
      parentId: null,
      priority: 80,
      status: { kind: 'pending' },
      successCriteria: ['report is in ./out', 'figures are sourced'],
      deadline: '2026-03-02T16:00:00.000Z',
      attempts: 0,
      createdAt: '2026-03-01T09:00:00.000Z',
      ledgerSeq: 41,
    });
    clock.advance(1000);
    await goals.next();
    await goals.attempt(goal.id, { note: 'first draft' });
    clock.advance(1000);
    await goals.block(goal.id, 'waiting for finance figures', { ledgerSeq: 42 });

    const store = await opened.reopen();
    const again = new GoalStack({ store, agentId: AGENT, clock });
    const stored = await again.get(goal.id);
    expect(stored.status).toEqual({
      kind: 'blocked',
      reason: 'waiting for finance figures',
      since: '2026-03-01T09:00:02.000Z',
    });
    expect(stored.attempts).toBe(1);
    expect(stored.ledgerSeq).toBe(42);
    expect(stored.successCriteria).toEqual(goal.successCriteria);
    expect(
      (await again.history(goal.id)).map((h) => [h.step, h.event, h.from, h.to, h.reason]),
    ).toEqual([
      [0, 'created', null, 'pending', null],
      [1, 'status', 'pending', 'active', null],
      [2, 'attempt', 'active', 'active', 'first draft'],
      [3, 'status', 'active', 'blocked', 'waiting for finance figures'],
    ]);
    expect(await again.verify()).toEqual([]);
  });

  it.skipIf(skip)('walks every lifecycle edge and records when and why', async () => {
    const g = await goals.push({ description: 'g' });
    await goals.suspend(g.id, 'operator paused it');
    expect((await goals.get(g.id)).status).toEqual({
      kind: 'suspended',
      reason: 'operator paused it',
    });
    await goals.resume(g.id);
    await goals.block(g.id, 'needs input');
    await goals.unblock(g.id);
    await goals.activate(g.id);
    clock.advance(5000);
    const done = await goals.complete(g.id, 'report published');
    expect(done.status).toEqual({
      kind: 'completed',
      at: '2026-03-01T09:00:05.000Z',
      outcome: 'report published',
    });
    const h = await goals.push({ description: 'h' });
    const dropped = await goals.abandon(h.id, 'no longer needed');
    expect(dropped.status).toEqual({
      kind: 'abandoned',
      at: '2026-03-01T09:00:05.000Z',
      reason: 'no longer needed',
    });
    expect((await goals.history(g.id)).map((e) => `${e.from}->${e.to}`)).toEqual([
      'null->pending',
      'pending->suspended',
      'suspended->pending',
      'pending->blocked',
      'blocked->pending',
      'pending->active',
      'active->completed',
    ]);
  });

  it.skipIf(skip)('refuses invalid transitions, naming from and to', async () => {
    const g = await goals.push({ description: 'g' });
    const early = await failure(goals.complete(g.id, 'done'));
    expect(early.code).toBe('CONFLICT');
    expect(early.message).toBe(
      `goal ${g.id} cannot go from pending to completed; from pending it may go to active, blocked, suspended, abandoned`,
    );
    expect(early.details).toMatchObject({ from: 'pending', to: 'completed' });

    await goals.abandon(g.id, 'dropped');
    const late = await failure(goals.activate(g.id));
    expect(late.message).toBe(
      `goal ${g.id} cannot go from abandoned to active; from abandoned it may go to nothing (it is finished)`,
    );
    const unblock = await failure(goals.unblock(g.id));
    expect(unblock.code).toBe('CONFLICT');
    expect(unblock.message).toContain('is abandoned, not blocked');
    const resume = await failure(goals.resume((await goals.push({ description: 'x' })).id));
    expect(resume.message).toContain('is pending, not suspended');
    const attempt = await failure(goals.attempt(g.id));
    expect(attempt.message).toContain('attempts are counted only on an active goal');
  });

  it.skipIf(skip)('refuses bad input and goals of other agents', async () => {
    expect((await failure(goals.push({ description: ' ' }))).message).toBe(
      'description: expected non-empty text',
    );
    expect((await failure(goals.push({ description: 'x', priority: 101 }))).message).toBe(
      'priority: expected an integer from 0 to 100, got 101',
    );
    const deadline = await failure(goals.push({ description: 'x', deadline: 'tomorrow' }));
    expect(deadline.code).toBe('INPUT_INVALID');
    expect(deadline.message).toContain('deadline: expected an ISO-8601 time with a zone');
    expect(
      (await failure(goals.push({ description: 'x', deadline: '2026-03-01T10:00:00' }))).code,
    ).toBe('INPUT_INVALID');
    expect(
      (await failure(goals.push({ description: 'x', successCriteria: ['ok', ''] }))).message,
    ).toBe('successCriteria[1]: expected non-empty text, got ""');
    const g = await goals.push({ description: 'x' });
    expect((await failure(goals.block(g.id, ''))).message).toBe('reason: expected non-empty text');
    expect((await failure(goals.decompose(g.id, []))).code).toBe('INPUT_INVALID');

    const other = new GoalStack({ store: opened.store, agentId: 'someone-else', clock });
    const foreign = await failure(other.get(g.id));
    expect(foreign.code).toBe('NOT_FOUND');
    expect(foreign.message).toBe(`agent someone-else has no goal with id ${g.id}`);
    expect((await failure(other.push({ description: 'y', parentId: g.id }))).code).toBe(
      'NOT_FOUND',
    );
    expect(await other.list()).toEqual([]);
  });

  it.skipIf(skip)('decomposes goals and works sub-goals before their parent', async () => {
    const root = await goals.push({ description: 'report', priority: 50 });
    await goals.activate(root.id);
    const [collect, write] = await goals.decompose(root.id, [
      { description: 'collect figures', priority: 70 },
      { description: 'write it', priority: 60 },
    ]);
    expect(collect!.parentId).toBe(root.id);
    expect((await goals.children(root.id)).map((c) => c.id)).toEqual([collect!.id, write!.id]);

    // The active parent waits: its best pending child is picked.
    expect(await goals.current()).toBeUndefined();
    expect((await goals.next())!.id).toBe(collect!.id);
    expect((await goals.next())!.id).toBe(collect!.id);

    const blocked = await failure(goals.complete(root.id, 'done'));
    expect(blocked.code).toBe('CONFLICT');
    expect(blocked.message).toBe(
      `goal ${root.id} cannot be completed: its sub-goals ${collect!.id} (active), ${write!.id} (pending) are not completed or abandoned`,
    );

    await goals.complete(collect!.id, 'figures in ./data');
    expect((await goals.next())!.id).toBe(write!.id);
    await goals.abandon(write!.id, 'covered by collect');
    // With every child finished, the parent is the current goal again.
    expect((await goals.current())!.id).toBe(root.id);
    expect((await goals.complete(root.id, 'published')).status.kind).toBe('completed');

    const late = await failure(goals.push({ description: 'more', parentId: root.id }));
    expect(late.code).toBe('CONFLICT');
    expect(late.message).toBe(
      `goal ${root.id} is completed; a finished goal cannot take new sub-goals`,
    );
  });

  it.skipIf(skip)('does not pick the sub-goals of a blocked or suspended goal', async () => {
    const root = await goals.push({ description: 'root', priority: 10 });
    const [child] = await goals.decompose(root.id, [{ description: 'child', priority: 90 }]);
    const other = await goals.push({ description: 'other', priority: 20 });
    await goals.block(root.id, 'waiting for approval');
    expect((await goals.next())!.id).toBe(other.id);
    const error = await failure(goals.activate(child!.id));
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toBe(
      `goal ${child!.id} cannot become active: its ancestor goal ${root.id} is blocked; unblock or resume it first`,
    );
    await goals.complete(other.id, 'ok');
    await goals.unblock(root.id);
    expect((await goals.next())!.id).toBe(child!.id);
  });

  it.skipIf(skip)('abandoning a goal abandons its unfinished sub-goals', async () => {
    const root = await goals.push({ description: 'root' });
    const [a, b] = await goals.decompose(root.id, [{ description: 'a' }, { description: 'b' }]);
    const [a1] = await goals.decompose(a!.id, [{ description: 'a1' }]);
    await goals.activate(b!.id);
    await goals.complete(b!.id, 'done');
    await goals.abandon(root.id, 'plan changed');
    expect((await goals.get(a!.id)).status).toMatchObject({
      kind: 'abandoned',
      reason: `parent goal ${root.id} abandoned: plan changed`,
    });
    expect((await goals.get(a1!.id)).status.kind).toBe('abandoned');
    expect((await goals.get(b!.id)).status.kind).toBe('completed');
    expect(await goals.next()).toBeUndefined();
  });

  it.skipIf(skip)(
    'picks by priority, then earliest deadline, then age; reports overdue goals',
    async () => {
      const low = await goals.push({ description: 'low', priority: 10 });
      clock.advance(1);
      const noDeadline = await goals.push({ description: 'no deadline', priority: 50 });
      clock.advance(1);
      const late = await goals.push({
        description: 'late deadline',
        priority: 50,
        deadline: '2026-03-05T00:00:00Z',
      });
      clock.advance(1);
      const soon = await goals.push({
        description: 'soon',
        priority: 50,
        deadline: '2026-03-01T12:00:00Z',
      });
      expect((await goals.list()).map((g) => g.id)).toEqual([
        soon.id,
        late.id,
        noDeadline.id,
        low.id,
      ]);
      expect((await goals.next())!.id).toBe(soon.id);
      await goals.complete(soon.id, 'ok');
      expect((await goals.next())!.id).toBe(late.id);
      expect((await goals.list({ status: ['pending'] })).map((g) => g.id)).toEqual([
        noDeadline.id,
        low.id,
      ]);

      expect(await goals.overdue()).toEqual([]);
      clock.set(Date.parse('2026-03-06T00:00:00Z'));
      // Completed goals are never overdue; the active one past its deadline is.
      expect((await goals.overdue()).map((g) => g.id)).toEqual([late.id]);
    },
  );

  it.skipIf(skip)('an edited goal row no longer matches its content hash', async () => {
    const g = await goals.push({ description: 'pay invoice 17', priority: 40 });
    expect(g.contentHash).toMatch(/^[0-9a-f]{64}$/);
    const row = await opened.store.db
      .selectFrom('goals')
      .selectAll()
      .where('id', '=', g.id)
      .executeTakeFirstOrThrow();
    expect(goalContentHash(row)).toBe(row.content_hash);
    await opened.store.db
      .updateTable('goals')
      .set({ priority: 100 })
      .where('id', '=', g.id)
      .execute();
    const findings = await goals.verify();
    expect(findings).toHaveLength(1);
    expect(findings[0]!.goalId).toBe(g.id);
    expect(findings[0]!.reason).toMatch(
      new RegExp(`^content hash mismatch: stored ${g.contentHash}, computed [0-9a-f]{64}$`),
    );
  });
});

/**
 * Agent snapshots on SQLite and PostgreSQL: numbered versions with a SHA-256 of their canonical
 * JSON; a damaged row is refused with the reason and the previous good version is used;
 * retention keeps the newest N.
 */
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/core/index.js';
import { SnapshotStore } from '../../../../src/daemon/agent/index.js';
import { DIALECTS, storePerTest } from './dialects.js';
import { failure } from './failure.js';

const T0 = Date.parse('2026-03-01T09:00:00.000Z');

describe.each(DIALECTS)('snapshots: $label', ({ skip, open }) => {
  const opened = storePerTest({ skip, open });
  let clock: ManualClock;
  let snapshots: SnapshotStore;
  beforeEach(() => {
    if (skip) return;
    clock = new ManualClock(T0);
    snapshots = new SnapshotStore({ store: opened.store, clock });
  });

  async function storedRow(version: number) {
    return opened.store.db
      .selectFrom('agent_snapshots')
      .selectAll()
      .where('agent_name', '=', 'researcher')
      .where('version', '=', version)
      .executeTakeFirstOrThrow();
  }

  /** Flips one bit of one character of the stored data, as a disk or an editor might. */
  async function flipAByte(version: number): Promise<void> {
    const row = await storedRow(version);
    const i = Math.floor(row.data.length / 2);
    const flipped = String.fromCharCode(row.data.charCodeAt(i) ^ 1);
    await opened.store.db
      .updateTable('agent_snapshots')
      .set({ data: row.data.slice(0, i) + flipped + row.data.slice(i + 1) })
      .where('agent_name', '=', 'researcher')
      .where('version', '=', version)
      .execute();
  }

  it.skipIf(skip)('saves numbered versions with the SHA-256 of their canonical JSON', async () => {
    const first = await snapshots.save('researcher', { b: 1, a: [1, 2], beats: 10 });
    expect(first).toEqual({
      agentName: 'researcher',
      version: 1,
      createdAt: '2026-03-01T09:00:00.000Z',
      checksum: createHash('sha256').update('{"a":[1,2],"b":1,"beats":10}').digest('hex'),
      size: 28,
    });
    clock.advance(60_000);
    await snapshots.save('researcher', { beats: 20 });
    await snapshots.save('writer', { beats: 1 });

    const store = await opened.reopen();
    const again = new SnapshotStore({ store });
    const { snapshot, refused } = await again.loadLatest('researcher');
    expect(refused).toEqual([]);
    expect(snapshot).toMatchObject({
      agentName: 'researcher',
      version: 2,
      createdAt: '2026-03-01T09:01:00.000Z',
      state: { beats: 20 },
    });
    expect((await again.list('researcher')).map((s) => [s.version, s.size])).toEqual([
      [2, 12],
      [1, 28],
    ]);
    expect((await again.load('researcher', 1)).state).toEqual({ a: [1, 2], b: 1, beats: 10 });
    expect(await again.loadLatest('nobody')).toEqual({ snapshot: null, refused: [] });
  });

  it.skipIf(skip)(
    'a corrupted snapshot is refused with the reason and the previous one used',
    async () => {
      await snapshots.save('researcher', { beats: 10, note: 'good' });
      await snapshots.save('researcher', { beats: 20, note: 'about to be damaged' });
      const damaged = await storedRow(2);
      await flipAByte(2);

      const { snapshot, refused } = await snapshots.loadLatest('researcher');
      expect(snapshot?.version).toBe(1);
      expect(snapshot?.state).toEqual({ beats: 10, note: 'good' });
      expect(refused).toHaveLength(1);
      expect(refused[0]!.version).toBe(2);
      expect(refused[0]!.reason).toMatch(
        new RegExp(
          `^checksum mismatch: stored sha256 ${damaged.checksum}, data hashes to [0-9a-f]{64} \\(the row was altered or damaged\\)$`,
        ),
      );

      const error = await failure(snapshots.load('researcher', 2));
      expect(error.code).toBe('SNAPSHOT_CORRUPT');
      expect(error.message).toBe(
        `snapshot 2 of agent "researcher" is refused: ${refused[0]!.reason}`,
      );
      expect(error.details).toEqual({ agent: 'researcher', version: 2 });
    },
  );

  it.skipIf(skip)('data that does not parse is refused even with a matching checksum', async () => {
    await snapshots.save('researcher', { ok: true });
    await snapshots.save('researcher', { ok: 'soon not' });
    const data = '{"ok":';
    await opened.store.db
      .updateTable('agent_snapshots')
      .set({ data, checksum: createHash('sha256').update(data).digest('hex') })
      .where('agent_name', '=', 'researcher')
      .where('version', '=', 2)
      .execute();
    const { snapshot, refused } = await snapshots.loadLatest('researcher');
    expect(snapshot?.state).toEqual({ ok: true });
    expect(refused).toEqual([
      { version: 2, reason: expect.stringMatching(/^data is not valid JSON: /) },
    ]);
  });

  it.skipIf(skip)(
    'with every version damaged there is no snapshot, and every refusal is named',
    async () => {
      await snapshots.save('researcher', { n: 1 });
      await snapshots.save('researcher', { n: 2 });
      await flipAByte(1);
      await flipAByte(2);
      const { snapshot, refused } = await snapshots.loadLatest('researcher');
      expect(snapshot).toBeNull();
      expect(refused.map((r) => r.version)).toEqual([2, 1]);
    },
  );

  it.skipIf(skip)('keeps the newest N versions', async () => {
    const kept = new SnapshotStore({ store: opened.store, clock, keep: 3 });
    for (let n = 1; n <= 5; n++) await kept.save('researcher', { n });
    await kept.save('writer', { n: 1 });
    expect((await kept.list('researcher')).map((s) => s.version)).toEqual([5, 4, 3]);
    expect((await kept.list('writer')).map((s) => s.version)).toEqual([1]);
    expect((await kept.loadLatest('researcher')).snapshot?.state).toEqual({ n: 5 });
    // The default keeps ten.
    for (let n = 1; n <= 12; n++) await snapshots.save('many', { n });
    expect((await snapshots.list('many')).map((s) => s.version)).toEqual([
      12, 11, 10, 9, 8, 7, 6, 5, 4, 3,
    ]);
  });

  it.skipIf(skip)('concurrent saves get distinct versions', async () => {
    const infos = await Promise.all(
      [1, 2, 3, 4, 5].map((n) => snapshots.save('researcher', { n })),
    );
    expect(infos.map((i) => i.version).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it.skipIf(skip)('refuses state that JSON cannot represent, and bad options', async () => {
    const error = await failure(snapshots.save('researcher', { beats: Number.NaN }));
    expect(error.code).toBe('INPUT_INVALID');
    expect(await snapshots.list('researcher')).toEqual([]);
    expect((await failure(snapshots.load('researcher', 7))).message).toBe(
      'agent "researcher" has no snapshot version 7',
    );
    expect(() => new SnapshotStore({ store: opened.store, keep: 0 })).toThrow(
      'keep: expected a whole number of snapshots, at least 1, got 0',
    );
  });
});

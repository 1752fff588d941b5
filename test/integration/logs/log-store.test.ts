/**
 * Stored agent and task logs on real SQLite and PostgreSQL: queries filter by agent (name or
 * id), task and minimum level and page with a cursor, newest last; retention by age and by size
 * deletes the oldest lines first and keeps the newest; nothing buffered is lost on close.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/index.js';
import {
  LogRetention,
  queryLogs,
  sweepLogs,
  TaskLogWriter,
  totalBytes,
} from '../../../src/logs/index.js';
import type { Store } from '../../../src/store/index.js';
import { REDACTED_PATHS } from '../../../src/system/index.js';
import { openFreshStore } from '../../support/fresh-store.js';
import { postgresAvailable } from '../../support/services.js';

const hasPostgres = await postgresAvailable();
const dialects = (['sqlite', 'postgres'] as const).filter((d) => d === 'sqlite' || hasPostgres);

const T0 = Date.parse('2026-03-10T10:30:00Z');
const DAY = 86_400_000;
const WRITER_ID = '0193aaaa-0000-7000-8000-00000000000a';
const TASK_A = '0193bbbb-0000-7000-8000-00000000000a';
const TASK_B = '0193bbbb-0000-7000-8000-00000000000b';

describe.each(dialects)('agent and task logs on %s', (dialect) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let clock: ManualClock;
  let writer: TaskLogWriter;

  beforeEach(async () => {
    ({ store, cleanup } = await openFreshStore(dialect));
    clock = new ManualClock(T0);
    writer = new TaskLogWriter({ store, redactPaths: REDACTED_PATHS, clock, level: 'debug' });
  });
  afterEach(async () => {
    await writer.close();
    await cleanup();
  });

  const messages = (page: { entries: { message: string }[] }) => page.entries.map((e) => e.message);

  it('filters by agent name or id, task and minimum level, newest last', async () => {
    await store.db
      .insertInto('agents')
      .values({
        id: WRITER_ID,
        name: 'writer',
        public_key: 'pk',
        key_id: 'kid',
        private_key_enc: 'enc',
        created_by: 'system:test',
        created_at: new Date(T0).toISOString(),
        definition_sha256: 'x',
        state: 'active',
        updated_at: new Date(T0).toISOString(),
      })
      .execute();
    const line = (
      message: string,
      level: 'debug' | 'info' | 'warn' | 'error',
      agent: 'writer' | 'reviewer' | null,
      taskId: string | null,
    ) => {
      writer.write({
        level,
        message,
        agent,
        agentId: agent === 'writer' ? WRITER_ID : null,
        taskId,
        fields: { n: message },
      });
      clock.advance(5);
    };
    line('w-a-1', 'info', 'writer', TASK_A);
    line('w-a-2', 'debug', 'writer', TASK_A);
    line('r-b-1', 'warn', 'reviewer', TASK_B);
    line('w-b-1', 'error', 'writer', TASK_B);
    line('system', 'info', null, null);
    await writer.flush();

    expect(messages(await queryLogs(store, {}))).toEqual([
      'w-a-1',
      'w-a-2',
      'r-b-1',
      'w-b-1',
      'system',
    ]);
    expect(messages(await queryLogs(store, { agent: 'writer' }))).toEqual([
      'w-a-1',
      'w-a-2',
      'w-b-1',
    ]);
    expect(messages(await queryLogs(store, { agent: WRITER_ID }))).toEqual([
      'w-a-1',
      'w-a-2',
      'w-b-1',
    ]);
    // An agent without a stored identity is found by the name on its lines.
    expect(messages(await queryLogs(store, { agent: 'reviewer' }))).toEqual(['r-b-1']);
    expect(messages(await queryLogs(store, { task: TASK_A }))).toEqual(['w-a-1', 'w-a-2']);
    expect(messages(await queryLogs(store, { task: TASK_B, level: 'error' }))).toEqual(['w-b-1']);
    expect(messages(await queryLogs(store, { agent: 'writer', level: 'info' }))).toEqual([
      'w-a-1',
      'w-b-1',
    ]);
    const [first] = (await queryLogs(store, { task: TASK_A })).entries;
    expect(first).toMatchObject({
      level: 'info',
      agent: 'writer',
      agentId: WRITER_ID,
      taskId: TASK_A,
      at: new Date(T0).toISOString(),
      fields: { n: 'w-a-1' },
    });
  });

  it('pages with a cursor: the newest lines first, then only lines after the cursor', async () => {
    for (let i = 1; i <= 5; i++) {
      writer.write({ level: 'info', message: `line ${i}`, taskId: TASK_A });
      // Several lines in one millisecond keep their order too.
      if (i % 2 === 0) clock.advance(1);
    }
    await writer.flush();
    const newest = await queryLogs(store, { task: TASK_A, limit: 2 });
    expect(messages(newest)).toEqual(['line 4', 'line 5']);
    expect(newest.cursor).toBe(newest.entries[1]!.id);

    expect(messages(await queryLogs(store, { task: TASK_A, after: newest.cursor! }))).toEqual([]);
    writer.write({ level: 'info', message: 'line 6', taskId: TASK_A });
    writer.write({ level: 'info', message: 'other task', taskId: TASK_B });
    writer.write({ level: 'info', message: 'line 7', taskId: TASK_A });
    await writer.flush();
    const next = await queryLogs(store, { task: TASK_A, after: newest.cursor! });
    expect(messages(next)).toEqual(['line 6', 'line 7']);
    // Nothing newer: the cursor stays where it was.
    const none = await queryLogs(store, { task: TASK_A, after: next.cursor! });
    expect(none).toEqual({ entries: [], cursor: next.cursor });

    // From an old cursor, oldest first, a page at a time.
    const all = (await queryLogs(store, { task: TASK_A })).entries;
    const page = await queryLogs(store, { task: TASK_A, after: all[0]!.id, limit: 3 });
    expect(messages(page)).toEqual(['line 2', 'line 3', 'line 4']);
    await expect(queryLogs(store, { after: 'not-an-id' })).rejects.toThrow(/after: "not-an-id"/);
  });

  it('deletes lines past the age limit and keeps the newer ones', async () => {
    for (const m of ['old 1', 'old 2', 'old 3']) writer.write({ level: 'info', message: m });
    clock.advance(10 * DAY);
    for (const m of ['recent 1', 'recent 2']) writer.write({ level: 'info', message: m });
    await writer.flush();
    clock.advance(5 * DAY);

    const kept = await sweepLogs(store, { retentionDays: 14, maxBytes: 1e12 }, clock);
    expect(kept).toMatchObject({ deletedByAge: 3, deletedBySize: 0 });
    expect(messages(await queryLogs(store, {}))).toEqual(['recent 1', 'recent 2']);
    expect(kept.remainingBytes).toBe(await totalBytes(store));

    clock.advance(10 * DAY);
    expect(
      (await sweepLogs(store, { retentionDays: 14, maxBytes: 1e12 }, clock)).deletedByAge,
    ).toBe(2);
    expect(await queryLogs(store, {})).toEqual({ entries: [], cursor: null });
  });

  it('deletes the oldest lines until the total is under the size limit', async () => {
    for (let i = 1; i <= 20; i++) {
      writer.write({ level: 'info', message: `line ${i} ${'x'.repeat(100)}` });
      clock.advance(1);
    }
    await writer.flush();
    const before = await totalBytes(store);
    const maxBytes = Math.floor(before / 2);
    const swept = await sweepLogs(store, { retentionDays: 14, maxBytes }, clock);
    expect(swept.deletedByAge).toBe(0);
    expect(swept.deletedBySize).toBeGreaterThanOrEqual(10);
    expect(swept.remainingBytes).toBeLessThanOrEqual(maxBytes);
    expect(await totalBytes(store)).toBe(swept.remainingBytes);
    const left = (await queryLogs(store, { limit: 100 })).entries.map(
      (e) => e.message.split(' ')[1],
    );
    // A contiguous run of the newest lines is what stays.
    expect(left).toEqual(
      Array.from({ length: 20 - swept.deletedBySize }, (_, i) =>
        String(swept.deletedBySize + i + 1),
      ),
    );
    expect(left.at(-1)).toBe('20');
  });

  it('runs the sweep at start and reports what it deleted', async () => {
    writer.write({ level: 'info', message: 'ancient' });
    await writer.flush();
    clock.advance(30 * DAY);
    writer.write({ level: 'info', message: 'fresh' });
    await writer.flush();
    const swept: number[] = [];
    const retention = new LogRetention({
      store,
      clock,
      retentionDays: 14,
      maxBytes: 1e12,
      onSwept: (r) => swept.push(r.deletedByAge),
    });
    retention.start();
    await retention.sweep();
    await retention.stop();
    expect(swept).toEqual([1]);
    expect(messages(await queryLogs(store, {}))).toEqual(['fresh']);
  });

  it('writes what is buffered on close, in batches of one transaction each', async () => {
    const small = new TaskLogWriter({ store, redactPaths: REDACTED_PATHS, batchSize: 50 });
    for (let i = 0; i < 175; i++) small.write({ level: 'info', message: `b${i}` });
    await small.close();
    expect(small.stats()).toMatchObject({ written: 175, buffered: 0, failed: 0 });
    expect(small.write({ level: 'info', message: 'after close' })).toBeUndefined();
    const page = await queryLogs(store, { limit: 1000 });
    expect(page.entries).toHaveLength(175);
    expect(page.entries.at(-1)?.message).toBe('b174');
  });
});

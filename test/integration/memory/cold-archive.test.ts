/**
 * Cold segment files on a real disk: a whole segment reads as one gzip'd JSONL stream, one item
 * reads by decompressing only its member, names carry their write time, and stray files are
 * listed (for the orphan sweep) or ignored.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ColdArchive, type ColdRecord, MEMBER_ITEMS } from '../../../src/memory/cold-archive.js';
import { tempDir } from '../../support/services.js';

function record(i: number): ColdRecord {
  return {
    id: `id-${i}`,
    scope: 'team:core',
    kind: 'item',
    author: 'alice',
    content: `item ${i}: ${'lorem ipsum '.repeat(i % 7)}`,
    context: null,
    phase: null,
    taskId: null,
    tags: ['t'],
    importance: 0.5,
    utility: 0.5,
    createdAt: '2026-01-01T00:00:00.000Z',
    warmAt: '2026-01-02T00:00:00.000Z',
    lastAccessedAt: '2026-01-02T00:00:00.000Z',
    accessCount: i,
    archivedAt: '2026-02-01T10:20:30.400Z',
  };
}

describe('ColdArchive', () => {
  let dir: { dir: string; remove(): void };
  let archive: ColdArchive;
  beforeEach(() => {
    dir = tempDir('agentvisor-cold-');
    archive = new ColdArchive(dir.dir);
  });
  afterEach(() => dir.remove());

  it('writes a segment of gzip members that reads whole or one member at a time', async () => {
    const records = Array.from({ length: MEMBER_ITEMS + 10 }, (_, i) => record(i));
    const segment = await archive.write(records, '2026-02-01T10:20:30.400Z');
    expect(segment.file).toMatch(/^2026-02-01\/2026-02-01T10-20-30\.400Z_[0-9a-f-]+\.jsonl\.gz$/);
    const bytes = readFileSync(path.join(dir.dir, segment.file));
    expect(bytes.length).toBe(segment.bytes);
    const lines = gunzipSync(bytes).toString('utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual(records);

    const last = segment.locations.at(-1)!;
    expect(last).toMatchObject({ id: `id-${MEMBER_ITEMS + 9}`, line: 9 });
    expect(last.byteOffset).toBeGreaterThan(0);
    const member = await archive.readMember(segment.file, last.byteOffset, last.byteLength);
    expect(member).toHaveLength(10);
    expect(member[last.line]).toEqual(records.at(-1));
  });

  it('lists its segments and leftover temporary files, and knows when each was written', async () => {
    const segment = await archive.write([record(1)], '2026-02-01T10:20:30.400Z');
    writeFileSync(path.join(dir.dir, `${segment.file}.tmp`), 'partial');
    writeFileSync(path.join(dir.dir, '2026-02-01', 'notes.txt'), 'not ours');
    writeFileSync(path.join(dir.dir, 'README'), 'not a directory');
    const files = await archive.files();
    expect(files).toEqual([segment.file, `${segment.file}.tmp`].sort());
    expect(ColdArchive.writtenAt(segment.file)).toBe(Date.parse('2026-02-01T10:20:30.400Z'));
    expect(ColdArchive.writtenAt(`${segment.file}.tmp`)).toBe(
      Date.parse('2026-02-01T10:20:30.400Z'),
    );
    expect(ColdArchive.writtenAt('2026-02-01/notes.txt')).toBeUndefined();
    await archive.remove(segment.file);
    await archive.remove(segment.file); // a second removal is not an error
    expect(await archive.has(segment.file)).toBe(false);
    expect(await new ColdArchive(path.join(dir.dir, 'missing')).files()).toEqual([]);
  });
});

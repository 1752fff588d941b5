/**
 * @module The cold tier's files: immutable segments of gzip'd JSONL under one directory (seed
 * 002: "Archived, compressed, file-based"; no vectors). A segment holds one demotion batch as a
 * run of gzip members of at most {@link MEMBER_ITEMS} lines each, so the whole file reads with
 * `zcat` while one item is read by decompressing only its member. A segment is written to a
 * temporary name, synced and renamed into place, so a crash never leaves half a segment under a
 * real name. Which segment holds which item is the store's index (`team_memory_cold`), not the
 * files': a file the index does not name holds nothing retrievable.
 */
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { newId } from '../core/index.js';
import type { AlgorithmPhase } from './algorithm-phases.js';
import type { MemoryScope } from './memory-scope.js';
import type { TeamMemoryKind } from './team-memory-types.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Lines per gzip member: bounds what reading one item decompresses (at most 256 × 64 KiB). */
export const MEMBER_ITEMS = 256;

const SEGMENT_SUFFIX = '.jsonl.gz';
const TEMP_SUFFIX = '.tmp';

/** One archived item, as a line of a segment. */
export interface ColdRecord {
  id: string;
  scope: MemoryScope;
  kind: TeamMemoryKind;
  author: string;
  content: string;
  context: string | null;
  phase: AlgorithmPhase | null;
  taskId: string | null;
  tags: string[];
  importance: number;
  utility: number;
  createdAt: string;
  warmAt: string;
  lastAccessedAt: string;
  accessCount: number;
  archivedAt: string;
}

/** Where in a segment one record is. */
export interface ColdLocation {
  id: string;
  byteOffset: number;
  byteLength: number;
  line: number;
}

/** A segment as written. */
export interface WrittenSegment {
  /** Path relative to the archive directory, with `/` separators. */
  file: string;
  bytes: number;
  locations: ColdLocation[];
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/**
 * The segment files under one directory.
 *
 * @example
 * const archive = new ColdArchive('/data/memory-cold');
 * const segment = await archive.write(records, '2026-01-01T00:00:00.000Z');
 * const [first] = await archive.readMember(segment.file, 0, segment.locations[0]!.byteLength);
 */
export class ColdArchive {
  constructor(readonly directory: string) {}

  /**
   * Writes `records` as a new segment named after `at` (ISO time) and returns where each is.
   * Durable when it returns: file and directory entry are synced.
   */
  async write(records: readonly ColdRecord[], at: string): Promise<WrittenSegment> {
    const day = at.slice(0, 10);
    const file = `${day}/${at.replaceAll(':', '-')}_${newId()}${SEGMENT_SUFFIX}`;
    const full = this.#resolve(file);
    await mkdir(path.dirname(full), { recursive: true });
    const members: Buffer[] = [];
    const locations: ColdLocation[] = [];
    let offset = 0;
    for (let i = 0; i < records.length; i += MEMBER_ITEMS) {
      const chunk = records.slice(i, i + MEMBER_ITEMS);
      const member = await gzipAsync(chunk.map((r) => `${JSON.stringify(r)}\n`).join(''));
      for (const [line, r] of chunk.entries())
        locations.push({ id: r.id, byteOffset: offset, byteLength: member.length, line });
      members.push(member);
      offset += member.length;
    }
    const temp = `${full}${TEMP_SUFFIX}`;
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(Buffer.concat(members));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, full);
    await syncDirectory(path.dirname(full));
    return { file, bytes: offset, locations };
  }

  /** The records of the gzip member at `byteOffset` (of `byteLength` bytes) of `file`. */
  async readMember(file: string, byteOffset: number, byteLength: number): Promise<ColdRecord[]> {
    const handle = await open(this.#resolve(file), 'r');
    try {
      const buffer = Buffer.alloc(byteLength);
      const { bytesRead } = await handle.read(buffer, 0, byteLength, byteOffset);
      const text = (await gunzipAsync(buffer.subarray(0, bytesRead))).toString('utf8');
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as ColdRecord);
    } finally {
      await handle.close();
    }
  }

  /** True when `file` is on this node's disk. */
  async has(file: string): Promise<boolean> {
    try {
      await (await open(this.#resolve(file), 'r')).close();
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  /** Deletes `file` (a segment or a leftover temporary file); a missing file is not an error. */
  async remove(file: string): Promise<void> {
    await rm(this.#resolve(file), { force: true });
  }

  /** Every segment and leftover temporary file, relative to the directory. */
  async files(): Promise<string[]> {
    let days: string[];
    try {
      days = await readdir(this.directory);
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    const files: string[] = [];
    for (const day of days.sort()) {
      let names: string[];
      try {
        names = await readdir(path.join(this.directory, day));
      } catch {
        continue; // not a directory: nothing of ours
      }
      for (const name of names.sort())
        if (name.endsWith(SEGMENT_SUFFIX) || name.endsWith(`${SEGMENT_SUFFIX}${TEMP_SUFFIX}`))
          files.push(`${day}/${name}`);
    }
    return files;
  }

  /** When the segment (or temporary file) `file` was written, from its name; undefined if not ours. */
  static writtenAt(file: string): number | undefined {
    const match =
      /(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z)_[0-9a-f-]+\.jsonl\.gz(?:\.tmp)?$/.exec(file);
    if (match === null) return undefined;
    const [date, time] = match[1]!.split('T') as [string, string];
    const ms = Date.parse(`${date}T${time.replace(/^(\d{2})-(\d{2})-/, '$1:$2:')}`);
    return Number.isFinite(ms) ? ms : undefined;
  }

  #resolve(file: string): string {
    return path.join(this.directory, ...file.split('/'));
  }
}

/** Makes a rename in `dir` durable. Some platforms cannot open a directory; there it is skipped. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL') throw error;
  } finally {
    await handle?.close();
  }
}

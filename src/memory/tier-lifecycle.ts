/**
 * @module Moving items between tiers and letting them go (seed 002 `MemoryManager`:
 * `promote_to_warm`, `demote_to_cold`, `run_maintenance`, and `RETENTION`). Hot items move to
 * warm when older than the hot tier's age or beyond its count (least recently used first); warm
 * items move to cold when unused past the warm tier's age and not proven useful, or, past its
 * count, lowest utility first; cold segments are purged after the retention period, or oldest
 * first past the size limit.
 *
 * Every move writes the destination, makes it durable, and only then deletes the source, so an
 * item is never in no tier. A crash in between leaves it in both for a moment: reads take
 * either copy, and the next run finishes the move without a second copy (warm inserts skip ids
 * warm or cold already hold; cold index rows and the warm delete are one transaction).
 */
import { sql } from 'kysely';
import { type Clock, isoTime } from '../core/index.js';
import type { Store } from '../store/index.js';
import { ColdArchive, type ColdRecord } from './cold-archive.js';
import type { HotItem, HotTier } from './hot-tier.js';
import type { MemoryConfig } from './memory-config.js';
import type { MemoryScope } from './memory-scope.js';
import { contentKey } from './retention-value.js';
import type { LifecycleReport } from './team-memory-types.js';
import {
  insertWarm,
  WARM_COLUMNS,
  type WarmItemRow,
  warmRowOf,
  warmRowToItem,
} from './warm-tier.js';

/** What the lifecycle works on. */
export interface TierContext {
  readonly store: Store;
  readonly hot: HotTier;
  readonly cold: ColdArchive;
  readonly config: MemoryConfig;
  readonly clock: Clock;
}

/**
 * The lock every tier write takes, so a demotion never races a signal that would have kept the
 * item warm, and two nodes never move the same items at once.
 */
export const TIER_LOCK = 'team-memory:tiers';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Items per cold segment (and per demotion transaction). */
const DEMOTE_BATCH = 1000;
const INDEX_CHUNK = 200;
/** Bytes in one GB of `memory.cold.max_size_gb` (decimal, as disks are sold). */
const GB = 1e9;
/**
 * A segment file no index row names is removed only this long after it was written: it may be a
 * demotion still committing on another node, or one whose commit outcome was lost.
 */
export const ORPHAN_GRACE_MS = HOUR_MS;

/**
 * Moves `items` of `scope` from hot to warm: insert (skipping ids warm or cold already hold),
 * commit, then remove from hot. Returns how many left the hot tier.
 */
export async function promoteToWarm(
  context: TierContext,
  scope: MemoryScope,
  items: readonly HotItem[],
): Promise<number> {
  if (items.length === 0) return 0;
  const at = isoTime(context.clock);
  const rows = items.map((item) => warmRowOf(item, contentKey(item.content), at));
  await context.store.writeTransaction((trx) => insertWarm(trx, rows), { lock: TIER_LOCK });
  await context.hot.remove(
    scope,
    items.map((i) => i.id),
  );
  return items.length;
}

/** Moves the least recently used items of `scope` beyond the hot tier's count to warm. */
export async function promoteOverflow(context: TierContext, scope: MemoryScope): Promise<number> {
  const ids = new Set(await context.hot.overflow(scope, context.config.hot.max_items));
  if (ids.size === 0) return 0;
  const items = (await context.hot.list(scope)).filter((i) => ids.has(i.id));
  return promoteToWarm(context, scope, items);
}

/** Hot → warm for every scope: items past the hot tier's age, then any beyond its count. */
async function promoteHot(context: TierContext, everything: boolean): Promise<number> {
  const cutoff = new Date(context.clock.now() - context.config.hot.max_age_hours * HOUR_MS);
  let promoted = 0;
  for (const scope of await context.hot.scopes()) {
    const items = await context.hot.list(scope);
    const aged = everything ? items : items.filter((i) => Date.parse(i.createdAt) <= +cutoff);
    promoted += await promoteToWarm(context, scope, aged);
    promoted += await promoteOverflow(context, scope);
  }
  return promoted;
}

function coldRecordOf(row: WarmItemRow, archivedAt: string): ColdRecord {
  const { tier: _, ...item } = warmRowToItem(row);
  return { ...item, warmAt: row.warm_at, archivedAt };
}

/**
 * Moves `rows` to a new cold segment: the file is written and synced first; then, in one
 * transaction, the items still warm are indexed and deleted from warm. A segment whose items
 * another node archived meanwhile is deleted again. Returns how many moved.
 */
async function archive(context: TierContext, rows: readonly WarmItemRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const at = isoTime(context.clock);
  const segment = await context.cold.write(
    rows.map((r) => coldRecordOf(r, at)),
    at,
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  // If this transaction fails, the segment stays on disk unindexed and its items stay warm.
  // It is not deleted here: a failure reported at commit may still have committed, and then
  // the index points at it. The purge's orphan sweep decides from the index, after a grace.
  const moved = await context.store.writeTransaction(
    async (trx) => {
      const still = await trx
        .selectFrom('team_memory_items')
        .select('id')
        .where('id', 'in', [...byId.keys()])
        .execute();
      const present = new Set(still.map((r) => r.id));
      const locations = segment.locations.filter((l) => present.has(l.id));
      if (locations.length === 0) return 0;
      await trx
        .insertInto('team_memory_segments')
        .values({
          file: segment.file,
          created_at: at,
          bytes: segment.bytes,
          items: locations.length,
        })
        .execute();
      for (let i = 0; i < locations.length; i += INDEX_CHUNK) {
        const values = locations.slice(i, i + INDEX_CHUNK).map((l) => {
          const row = byId.get(l.id)!;
          return {
            id: l.id,
            scope: row.scope,
            kind: row.kind,
            author: row.author,
            phase: row.phase,
            task_id: row.task_id,
            created_at: row.created_at,
            archived_at: at,
            segment: segment.file,
            byte_offset: l.byteOffset,
            byte_length: l.byteLength,
            line: l.line,
          };
        });
        await trx.insertInto('team_memory_cold').values(values).execute();
        await trx
          .deleteFrom('team_memory_items')
          .where(
            'id',
            'in',
            values.map((v) => v.id),
          )
          .execute();
      }
      return locations.length;
    },
    { lock: TIER_LOCK },
  );
  if (moved === 0) await context.cold.remove(segment.file);
  return moved;
}

/** Warm → cold: idle items below the keep utility, then the lowest utility beyond the count. */
async function demoteWarm(context: TierContext): Promise<number> {
  const { warm } = context.config;
  const db = context.store.db;
  const cutoff = new Date(context.clock.now() - warm.max_age_days * DAY_MS).toISOString();
  let demoted = 0;
  for (;;) {
    // Idle since the later of entering warm and the last use: an item in use is still "recent".
    const aged = await db
      .selectFrom('team_memory_items')
      .select(WARM_COLUMNS)
      .where('last_accessed_at', '<', cutoff)
      .where('warm_at', '<', cutoff)
      .where('utility', '<', warm.keep_utility)
      .orderBy('last_accessed_at')
      .orderBy('seq')
      .limit(DEMOTE_BATCH)
      .execute();
    const moved = await archive(context, aged);
    demoted += moved;
    if (aged.length < DEMOTE_BATCH || moved === 0) break;
  }
  for (;;) {
    const total = await db
      .selectFrom('team_memory_items')
      .select(sql<number>`count(*)`.as('n'))
      .executeTakeFirstOrThrow();
    const excess = Number(total.n) - warm.max_items;
    if (excess <= 0) break;
    // seed 002 RETENTION["warm"]["eviction"] = "score": lowest utility first.
    const lowest = await db
      .selectFrom('team_memory_items')
      .select(WARM_COLUMNS)
      .orderBy('utility')
      .orderBy('last_accessed_at')
      .orderBy('seq')
      .limit(Math.min(excess, DEMOTE_BATCH))
      .execute();
    const moved = await archive(context, lowest);
    demoted += moved;
    if (moved === 0) break;
  }
  return demoted;
}

/** Deletes segments (index rows first, then the file, so no row ever names a missing file). */
async function purgeSegments(context: TierContext, files: readonly string[]): Promise<number> {
  let purged = 0;
  for (const file of files) {
    purged += await context.store.writeTransaction(
      async (trx) => {
        const result = await trx
          .deleteFrom('team_memory_cold')
          .where('segment', '=', file)
          .executeTakeFirst();
        await trx.deleteFrom('team_memory_segments').where('file', '=', file).execute();
        return Number(result.numDeletedRows);
      },
      { lock: TIER_LOCK },
    );
    await context.cold.remove(file);
  }
  return purged;
}

/** Cold retention: segments past the age, then the oldest past the size, then orphan files. */
async function purgeCold(
  context: TierContext,
): Promise<{ purged: number; orphanFilesRemoved: number }> {
  const { cold } = context.config;
  const db = context.store.db;
  const now = context.clock.now();
  const expired = await db
    .selectFrom('team_memory_segments')
    .select('file')
    .where('created_at', '<', new Date(now - cold.max_age_days * DAY_MS).toISOString())
    .orderBy('created_at')
    .execute();
  let purged = await purgeSegments(
    context,
    expired.map((s) => s.file),
  );

  const segments = await db
    .selectFrom('team_memory_segments')
    .select(['file', 'bytes'])
    .orderBy('created_at')
    .orderBy('file')
    .execute();
  let size = segments.reduce((n, s) => n + Number(s.bytes), 0);
  const oversize: string[] = [];
  // seed 002 RETENTION["cold"]["eviction"] = "fifo": oldest segments first.
  for (const s of segments) {
    if (size <= cold.max_size_gb * GB) break;
    oversize.push(s.file);
    size -= Number(s.bytes);
  }
  purged += await purgeSegments(context, oversize);

  let orphanFilesRemoved = 0;
  const files = await context.cold.files();
  for (let i = 0; i < files.length; i += INDEX_CHUNK) {
    const chunk = files.slice(i, i + INDEX_CHUNK);
    const indexed = new Set(
      (
        await db
          .selectFrom('team_memory_segments')
          .select('file')
          .where('file', 'in', chunk)
          .execute()
      ).map((r) => r.file),
    );
    for (const file of chunk) {
      const writtenAt = ColdArchive.writtenAt(file);
      if (indexed.has(file) || writtenAt === undefined || now - writtenAt < ORPHAN_GRACE_MS)
        continue;
      await context.cold.remove(file);
      orphanFilesRemoved += 1;
    }
  }
  return { purged, orphanFilesRemoved };
}

/**
 * One maintenance pass over every tier: hot → warm, warm → cold, cold purge. Idempotent; safe to
 * run on several nodes at once.
 */
export async function runTierLifecycle(context: TierContext): Promise<LifecycleReport> {
  const promoted = await promoteHot(context, false);
  const demoted = await demoteWarm(context);
  const { purged, orphanFilesRemoved } = await purgeCold(context);
  return { promoted, demoted, purged, orphanFilesRemoved };
}

/** Every hot item to warm, and nothing else: before a planned shutdown of an in-process tier. */
export async function flushHotTier(context: TierContext): Promise<number> {
  return promoteHot(context, true);
}

/**
 * @module Reading the cold tier: items by id, or created within a time range, through the
 * store's index of where each one is. Each gzip member is decompressed once however many of
 * the wanted items it holds.
 */
import { AgentvisorError } from '../core/index.js';
import type { TeamMemoryColdTable } from '../store/index.js';
import type { ColdRecord } from './cold-archive.js';
import type { ReadableScopes } from './scope-acl.js';
import type { TeamMemoryItem } from './team-memory-types.js';
import type { TierContext } from './tier-lifecycle.js';
import { itemFilterSql } from './warm-tier.js';

function recordToItem(record: ColdRecord): TeamMemoryItem {
  const { warmAt: _w, archivedAt: _a, ...item } = record;
  return { ...item, tier: 'cold' };
}

/** Index rows of the archived items with these ids. */
export async function coldRowsByIds(
  context: TierContext,
  ids: readonly string[],
): Promise<TeamMemoryColdTable[]> {
  if (ids.length === 0) return [];
  return context.store.db
    .selectFrom('team_memory_cold')
    .selectAll()
    .where('id', 'in', [...ids])
    .execute();
}

/**
 * The items `rows` index, in the order of `rows`. `UNAVAILABLE` when a segment is not on this
 * node's disk (the cold directory must be shared storage when several nodes demote).
 */
export async function readColdItems(
  context: TierContext,
  rows: readonly TeamMemoryColdTable[],
): Promise<TeamMemoryItem[]> {
  const members = new Map<string, ColdRecord[]>();
  for (const row of rows) {
    const key = `${row.segment}\u0000${row.byte_offset}`;
    if (members.has(key)) continue;
    try {
      members.set(
        key,
        await context.cold.readMember(
          row.segment,
          Number(row.byte_offset),
          Number(row.byte_length),
        ),
      );
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      throw new AgentvisorError(
        'UNAVAILABLE',
        `cold memory item ${row.id} is archived in segment ${row.segment}, which is not in ${context.cold.directory} on this node; put memory.cold.directory on storage every node shares`,
        { details: { id: row.id, segment: row.segment }, cause: error },
      );
    }
  }
  return rows.map((row) => {
    const record = members.get(`${row.segment}\u0000${row.byte_offset}`)?.[Number(row.line)];
    if (record?.id !== row.id)
      throw new AgentvisorError(
        'STORE_CORRUPT',
        `cold segment ${row.segment} does not hold item ${row.id} where the index says (offset ${row.byte_offset}, line ${row.line})`,
        { details: { id: row.id, segment: row.segment } },
      );
    return recordToItem(record);
  });
}

/** Archived items in `readable` scopes created in `[from, to)`, oldest first. */
export async function coldItemsInRange(
  context: TierContext,
  query: { readable: ReadableScopes; from: string; to: string; limit: number },
): Promise<TeamMemoryItem[]> {
  const rows = await context.store.db
    .selectFrom('team_memory_cold as m')
    .selectAll()
    .where(
      itemFilterSql({ readable: query.readable, kinds: ['item', 'learning'], phase: undefined }),
    )
    .where('m.created_at', '>=', query.from)
    .where('m.created_at', '<', query.to)
    .orderBy('m.created_at')
    .orderBy('m.id')
    .limit(query.limit)
    .execute();
  return readColdItems(context, rows);
}

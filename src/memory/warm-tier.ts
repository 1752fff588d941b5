/**
 * @module The warm tier's rows (`team_memory_items`): the mapping to {@link TeamMemoryItem}s and
 * the writes every transition relies on. Inserts are idempotent and never resurrect an item the
 * cold tier already holds, so a promotion repeated after a crash cannot leave two copies.
 */
import { type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Database, TeamMemoryItemTable } from '../store/index.js';
import type { AlgorithmPhase } from './algorithm-phases.js';
import { encodeEmbedding } from './embedding-codec.js';
import type { HotItem } from './hot-tier.js';
import type { MemoryScope } from './memory-scope.js';
import type { ReadableScopes } from './scope-acl.js';
import type { TeamMemoryItem, TeamMemoryKind } from './team-memory-types.js';

/** A warm row as inserted. */
export type WarmRow = Omit<TeamMemoryItemTable, 'seq'>;

/** Columns of a warm item without its embedding. */
export const WARM_COLUMNS = [
  'id',
  'scope',
  'kind',
  'author',
  'content',
  'context',
  'content_key',
  'phase',
  'task_id',
  'tags',
  'importance',
  'utility',
  'created_at',
  'warm_at',
  'last_accessed_at',
  'access_count',
] as const;

/** A row as read with {@link WARM_COLUMNS}. */
export type WarmItemRow = Pick<TeamMemoryItemTable, (typeof WARM_COLUMNS)[number]>;

/** Rows inserted per statement: well under SQLite's 32,766 bound parameters at 18 a row. */
const INSERT_CHUNK = 200;

/** A warm row as plain data. */
export function warmRowToItem(row: WarmItemRow): TeamMemoryItem {
  return {
    id: row.id,
    scope: row.scope as MemoryScope,
    kind: row.kind as TeamMemoryKind,
    tier: 'warm',
    author: row.author,
    content: row.content,
    context: row.context,
    phase: row.phase as AlgorithmPhase | null,
    taskId: row.task_id,
    tags: JSON.parse(row.tags) as string[],
    importance: Number(row.importance),
    utility: Number(row.utility),
    createdAt: row.created_at,
    lastAccessedAt: row.last_accessed_at,
    accessCount: Number(row.access_count),
  };
}

/** The warm row of a hot item (or a new learning) entering the warm tier at `warmAt`. */
export function warmRowOf(item: HotItem, contentKey: string, warmAt: string): WarmRow {
  return {
    id: item.id,
    scope: item.scope,
    kind: item.kind,
    author: item.author,
    content: item.content,
    context: item.context,
    content_key: contentKey,
    phase: item.phase,
    task_id: item.taskId,
    tags: JSON.stringify(item.tags),
    importance: item.importance,
    utility: item.utility,
    created_at: item.createdAt,
    warm_at: warmAt,
    last_accessed_at: item.lastAccessedAt,
    access_count: item.accessCount,
    embedding: item.embedding === null ? null : encodeEmbedding(item.embedding),
  };
}

/**
 * Inserts the rows whose ids are in neither the warm nor the cold tier; returns the ids
 * inserted. Run it inside a write transaction so the check and the insert are one step.
 */
export async function insertWarm(
  db: Kysely<Database>,
  rows: readonly WarmRow[],
): Promise<string[]> {
  const inserted: string[] = [];
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const chunk = rows.slice(i, i + INSERT_CHUNK);
    const ids = chunk.map((r) => r.id);
    const [warm, cold] = await Promise.all([
      db.selectFrom('team_memory_items').select('id').where('id', 'in', ids).execute(),
      db.selectFrom('team_memory_cold').select('id').where('id', 'in', ids).execute(),
    ]);
    const present = new Set([...warm, ...cold].map((r) => r.id));
    const fresh = chunk.filter((r) => !present.has(r.id));
    if (fresh.length === 0) continue;
    await db.insertInto('team_memory_items').values(fresh).execute();
    inserted.push(...fresh.map((r) => r.id));
  }
  return inserted;
}

/** Warm items by id (any scope; the caller checks access). */
export async function warmByIds(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<WarmItemRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('team_memory_items')
    .select(WARM_COLUMNS)
    .where('id', 'in', [...ids])
    .execute();
}

/** Counts one access to each item. */
export async function touchWarm(
  db: Kysely<Database>,
  ids: readonly string[],
  at: string,
): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('team_memory_items')
    .set((eb) => ({ access_count: eb('access_count', '+', 1), last_accessed_at: at }))
    .where('id', 'in', [...ids])
    .execute();
}

/** Which items a query may see: scopes, kinds, and optionally one phase. */
export interface ItemFilter {
  readable: ReadableScopes;
  kinds: readonly TeamMemoryKind[];
  phase: AlgorithmPhase | undefined;
}

/** The SQL condition of `filter` on a table aliased `m` (warm items or the cold index). */
export function itemFilterSql(filter: ItemFilter): RawBuilder<SqlBool> {
  const { readable } = filter;
  const scopes: RawBuilder<SqlBool>[] = [];
  if (readable.all) scopes.push(sql<SqlBool>`1 = 1`);
  if (readable.exact.length > 0)
    scopes.push(sql<SqlBool>`m.scope in (${sql.join(readable.exact)})`);
  for (const kind of readable.kinds) scopes.push(sql<SqlBool>`m.scope like ${`${kind}:%`}`);
  const scope = scopes.length === 0 ? sql<SqlBool>`1 = 0` : sql.join(scopes, sql` or `);
  const phase = filter.phase === undefined ? sql`` : sql` and m.phase = ${filter.phase}`;
  return sql<SqlBool>`(${scope}) and m.kind in (${sql.join([...filter.kinds])})${phase}`;
}

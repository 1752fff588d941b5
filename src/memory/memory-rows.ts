/**
 * @module The mapping between `memory_items` rows and {@link MemoryItem}s, and the column list
 * reads use (everything but the embedding, which only vector search needs).
 */
import type { MemoryItemTable } from '../store/index.js';
import type { MemoryComponent, MemoryItem } from './memory-types.js';

/** Columns of an item without its embedding. */
export const ITEM_COLUMNS = [
  'id',
  'agent_id',
  'component',
  'content',
  'tags',
  'importance',
  'created_at',
  'last_accessed_at',
  'access_count',
  'archived',
] as const;

/** A row as read with {@link ITEM_COLUMNS}. */
export type ItemRow = Pick<MemoryItemTable, (typeof ITEM_COLUMNS)[number]>;

/** A row as plain data. */
export function rowToItem(row: ItemRow): MemoryItem {
  return {
    id: row.id,
    agentId: row.agent_id,
    component: row.component as MemoryComponent,
    content: row.content,
    tags: JSON.parse(row.tags) as string[],
    importance: Number(row.importance),
    createdAt: row.created_at,
    lastAccessedAt: row.last_accessed_at,
    accessCount: Number(row.access_count),
    archived: Number(row.archived) === 1,
  };
}

/** The row of a new, live, never-accessed item. */
export function newItemRow(fields: {
  id: string;
  agentId: string;
  component: MemoryComponent;
  content: string;
  contentKey: string;
  tags: readonly string[];
  importance: number;
  at: string;
  embedding: Uint8Array | null;
}): Omit<MemoryItemTable, 'seq'> {
  return {
    id: fields.id,
    agent_id: fields.agentId,
    component: fields.component,
    content: fields.content,
    content_key: fields.contentKey,
    tags: JSON.stringify(fields.tags),
    importance: fields.importance,
    created_at: fields.at,
    last_accessed_at: fields.at,
    access_count: 0,
    archived: 0,
    embedding: fields.embedding,
  };
}

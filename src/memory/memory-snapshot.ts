/**
 * @module The plain-JSON form of one agent's memory, as agent snapshots carry it: every item
 * (archived ones too, with embeddings as base64 Float32 LE) and every procedure's raw counters,
 * so an import restores exactly what was exported.
 */
import { z } from 'zod';
import { AgentvisorError } from '../core/index.js';
import { MEMORY_LIMITS } from './memory-types.js';

/** Format tag and version of {@link MemorySnapshot}; an import refuses any other. */
export const MEMORY_SNAPSHOT_FORMAT = 'agentvisor.memory';
export const MEMORY_SNAPSHOT_VERSION = 1;

const isoTimestamp = z.iso.datetime({ offset: true });

const itemSchema = z.strictObject({
  id: z.string().min(1).max(200),
  component: z.enum(['episodic', 'semantic', 'procedural']),
  content: z
    .string()
    .refine(
      (s) =>
        s.trim() !== '' &&
        !s.includes('\u0000') &&
        Buffer.byteLength(s) <= MEMORY_LIMITS.contentBytes,
      {
        message: `expected non-empty text without NUL, at most ${MEMORY_LIMITS.contentBytes} bytes`,
      },
    ),
  tags: z.array(z.string().min(1).max(MEMORY_LIMITS.tagLength)).max(MEMORY_LIMITS.tags),
  importance: z.number().min(0).max(1),
  createdAt: isoTimestamp,
  lastAccessedAt: isoTimestamp,
  accessCount: z.number().int().min(0),
  archived: z.boolean(),
  /** Base64 of Float32 little-endian values, or null. */
  embedding: z.base64().nullable(),
});

const procedureSchema = z.strictObject({
  action: z.string().min(1).max(MEMORY_LIMITS.actionLength),
  itemId: z.string().min(1).max(200),
  attempts: z.number().int().min(0),
  successes: z.number().int().min(0),
  failures: z.number().int().min(0),
  durationTotalMs: z.number().min(0),
  durationCount: z.number().int().min(0),
  lastSuccess: z.boolean(),
  lastDurationMs: z.number().min(0).nullable(),
  lastNote: z.string().max(MEMORY_LIMITS.noteLength).nullable(),
  lastAt: isoTimestamp,
});

const snapshotSchema = z
  .strictObject({
    format: z.literal(MEMORY_SNAPSHOT_FORMAT),
    version: z.literal(MEMORY_SNAPSHOT_VERSION),
    agentId: z.string().min(1).max(MEMORY_LIMITS.agentIdLength),
    exportedAt: isoTimestamp,
    items: z.array(itemSchema),
    procedures: z.array(procedureSchema),
  })
  .superRefine((snapshot, ctx) => {
    const ids = new Set<string>();
    for (const [i, item] of snapshot.items.entries()) {
      if (ids.has(item.id))
        ctx.addIssue({
          code: 'custom',
          path: ['items', i, 'id'],
          message: `duplicate id ${item.id}`,
        });
      ids.add(item.id);
    }
    const actions = new Set<string>();
    for (const [i, p] of snapshot.procedures.entries()) {
      const item = snapshot.items.find((it) => it.id === p.itemId);
      if (item?.component !== 'procedural')
        ctx.addIssue({
          code: 'custom',
          path: ['procedures', i, 'itemId'],
          message: 'expected the id of a procedural item in items',
        });
      if (actions.has(p.action))
        ctx.addIssue({
          code: 'custom',
          path: ['procedures', i, 'action'],
          message: `duplicate action ${p.action}`,
        });
      actions.add(p.action);
    }
  });

/** One agent's memory as plain JSON. */
export type MemorySnapshot = z.infer<typeof snapshotSchema>;
/** One item of a {@link MemorySnapshot}. */
export type MemorySnapshotItem = MemorySnapshot['items'][number];
/** One procedure of a {@link MemorySnapshot}. */
export type MemorySnapshotProcedure = MemorySnapshot['procedures'][number];

/** Validates `data` as a {@link MemorySnapshot}; `INPUT_INVALID` names the first bad field. */
export function parseMemorySnapshot(data: unknown): MemorySnapshot {
  const result = snapshotSchema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where = issue.path.length === 0 ? 'snapshot' : `snapshot.${issue.path.join('.')}`;
  throw new AgentvisorError(
    'INPUT_INVALID',
    `${where}: ${issue.message} (a memory snapshot is what AgentMemory.export returns, format "${MEMORY_SNAPSHOT_FORMAT}" version ${MEMORY_SNAPSHOT_VERSION})`,
    { details: { path: issue.path, issues: result.error.issues.length } },
  );
}

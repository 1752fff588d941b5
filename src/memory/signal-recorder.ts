/**
 * @module Recording one learning signal (seed 002 `SignalProcessor.process_signal`): find the
 * related memories (those named, and those of the task), move each one's utility by the
 * signal's delta, and store the signal for analysis. Memories the caller may not read are not
 * theirs to judge: naming one is refused, and a task's memories in other scopes are left alone.
 * Cold items are an immutable archive, so a signal about one changes nothing.
 */
import { isoTime, newId } from '../core/index.js';
import { coldRowsByIds } from './cold-reads.js';
import { applySignal, SIGNAL_WEIGHTS, signalDelta } from './learning-signals.js';
import type { MemoryScope } from './memory-scope.js';
import type { MemoryActor, ScopeAcl } from './scope-acl.js';
import type { SignalResult, UtilityChange } from './team-memory-types.js';
import type { CheckedSignal } from './team-memory-validation.js';
import { readableHotItems } from './team-search.js';
import { TIER_LOCK, type TierContext } from './tier-lifecycle.js';
import { type ItemFilter, itemFilterSql, warmByIds } from './warm-tier.js';

/** Memories of one task a signal moves at most. */
const TASK_MEMORIES_MAX = 1000;

/**
 * Applies `signal` from `actor` and records it; `POLICY_DENIED` (before any change) when a named
 * memory is in a scope the actor may not read.
 *
 * @example
 * await recordSignal(context, acl, { agent: 'qa' }, { type: 'task_success', taskId: 't1', ... });
 */
export async function recordSignal(
  context: TierContext,
  acl: ScopeAcl,
  actor: MemoryActor,
  signal: CheckedSignal,
): Promise<SignalResult> {
  const { store, hot } = context;
  const named = signal.memoryIds;
  const [warmNamed, coldNamed, hotNamed] = await Promise.all([
    warmByIds(store.db, named),
    coldRowsByIds(context, named),
    Promise.all(named.map((id) => hot.find(id))),
  ]);
  for (const found of [...warmNamed, ...coldNamed, ...hotNamed])
    if (found !== undefined) acl.check(actor, 'read', found.scope as MemoryScope);

  const hotTargets = new Map<string, MemoryScope>();
  const warmTargets = new Set(warmNamed.map((r) => r.id));
  for (const item of hotNamed) if (item !== undefined) hotTargets.set(item.id, item.scope);
  const skipped: SignalResult['skipped'] = named
    .filter((id) => !warmTargets.has(id) && !hotTargets.has(id))
    .map((id) => ({
      id,
      reason: coldNamed.some((r) => r.id === id) ? ('cold' as const) : ('missing' as const),
    }));

  if (signal.taskId !== null) {
    const filter: ItemFilter = {
      readable: acl.readable(actor),
      kinds: ['item', 'learning'],
      phase: signal.phase ?? undefined,
    };
    const rows = await store.db
      .selectFrom('team_memory_items as m')
      .select('m.id')
      .where(itemFilterSql(filter))
      .where('m.task_id', '=', signal.taskId)
      .orderBy('m.seq')
      .limit(TASK_MEMORIES_MAX)
      .execute();
    for (const row of rows) warmTargets.add(row.id);
    for (const item of await readableHotItems(context, filter))
      if (item.taskId === signal.taskId) hotTargets.set(item.id, item.scope);
  }

  const delta = signalDelta(signal.type, signal.strength);
  const updated: UtilityChange[] = [];
  for (const [id, scope] of hotTargets) {
    const change = await hot.adjustUtility(scope, id, delta);
    if (change !== undefined) updated.push({ id, tier: 'hot', ...change });
  }
  const id = newId(context.clock);
  const at = isoTime(context.clock);
  await store.writeTransaction(
    async (trx) => {
      const rows =
        warmTargets.size === 0
          ? []
          : await trx
              .selectFrom('team_memory_items')
              .select(['id', 'utility'])
              .where('id', 'in', [...warmTargets])
              .orderBy('seq')
              .execute();
      for (const row of rows) {
        const before = Number(row.utility);
        const after = applySignal(before, delta);
        if (after !== before)
          await trx
            .updateTable('team_memory_items')
            .set({ utility: after })
            .where('id', '=', row.id)
            .execute();
        updated.push({ id: row.id, tier: 'warm', before, after });
      }
      await trx
        .insertInto('team_memory_signals')
        .values({
          id,
          type: signal.type,
          weight: SIGNAL_WEIGHTS[signal.type],
          strength: signal.strength,
          delta,
          agent: actor.agent,
          task_id: signal.taskId,
          phase: signal.phase,
          memory_ids: JSON.stringify(named),
          updated_ids: JSON.stringify(updated.map((u) => u.id)),
          note: signal.note,
          at,
        })
        .execute();
    },
    { lock: TIER_LOCK },
  );
  return {
    id,
    type: signal.type,
    weight: SIGNAL_WEIGHTS[signal.type],
    strength: signal.strength,
    delta,
    updated,
    skipped,
  };
}

/**
 * @module What tasks cost: the model calls recorded against them and against their subtasks (a
 * team run's delegated work), summed in one query.
 */
import type { Store } from '../../../store/index.js';

/** Model usage summed over some tasks. */
export interface TaskUsage {
  readonly calls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number;
}

/** The usage of `taskIds` and of their direct subtasks; zeros when there is none. */
export async function taskUsage(store: Store, taskIds: readonly string[]): Promise<TaskUsage> {
  if (taskIds.length === 0) return { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
  const row = await store.db
    .selectFrom('llm_usage')
    .select((eb) => [
      eb.fn.countAll<number>().as('calls'),
      eb.fn.sum<number>('input_tokens').as('input_tokens'),
      eb.fn.sum<number>('output_tokens').as('output_tokens'),
      eb.fn.sum<number>('cost_usd').as('cost_usd'),
    ])
    .where((eb) =>
      eb.or([
        eb('task_id', 'in', taskIds),
        eb('task_id', 'in', eb.selectFrom('tasks').select('id').where('parent_id', 'in', taskIds)),
      ]),
    )
    .executeTakeFirst();
  return {
    calls: Number(row?.calls ?? 0),
    inputTokens: Number(row?.input_tokens ?? 0),
    outputTokens: Number(row?.output_tokens ?? 0),
    costUsd: Number(row?.cost_usd ?? 0),
  };
}

/**
 * @module What the parts of {@link AgentMemory} share: the store, time, budgets and the optional
 * models, plus the two model calls wrapped so that a misbehaving model is reported as such.
 */
import { AgentvisorError, type Clock } from '../core/index.js';
import type { Store } from '../store/index.js';
import type { MemoryBudgets, MemoryItem } from './memory-types.js';
import { checkContent } from './memory-validation.js';

/** Turns texts into vectors, one per text, in order. */
export type EmbedFunction = (texts: string[]) => Promise<number[][]>;
/** Turns items into one text that stands for them all. */
export type SummariseFunction = (items: MemoryItem[]) => Promise<string>;

/** The dependencies of memory operations. */
export interface MemoryContext {
  store: Store;
  clock: Clock;
  budgets: MemoryBudgets;
  embed: EmbedFunction | undefined;
  summarise: SummariseFunction;
}

/** The write lock that serialises one agent's memory maintenance across processes. */
export function agentLock(agentId: string): string {
  return `memory:${agentId}`;
}

/** Embeds `texts`, or returns nulls when no model is configured. */
export async function embedTexts(
  context: Pick<MemoryContext, 'embed'>,
  texts: string[],
): Promise<Array<number[] | null>> {
  if (context.embed === undefined || texts.length === 0) return texts.map(() => null);
  const vectors = await context.embed(texts);
  const bad = (v: unknown) =>
    !Array.isArray(v) ||
    v.length === 0 ||
    v.some((x) => typeof x !== 'number' || !Number.isFinite(x));
  if (!Array.isArray(vectors) || vectors.length !== texts.length || vectors.some(bad))
    throw new AgentvisorError(
      'MODEL_OUTPUT_INVALID',
      `embed returned ${Array.isArray(vectors) ? `${vectors.length} vectors` : typeof vectors} for ${texts.length} texts; expected one non-empty array of finite numbers per text`,
    );
  return vectors;
}

/** Summarises `items` with the configured summariser, checking what it returns. */
export async function summariseItems(context: MemoryContext, items: MemoryItem[]): Promise<string> {
  const text = await context.summarise(items);
  try {
    return checkContent(text, 'summary');
  } catch (error) {
    throw new AgentvisorError(
      'MODEL_OUTPUT_INVALID',
      `summarise returned an unusable summary: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * @module The default summariser for consolidation: extractive, so memory consolidates with no
 * model configured. It keeps the first sentence of each item (where an episode usually says
 * what happened), oldest first, within a fixed size.
 */
import type { MemoryItem } from './memory-types.js';

/** Characters kept of one item's first sentence. */
const SENTENCE_CAP = 200;
/** Characters of the whole summary: a fact-sized item, far under the 64 KiB content limit. */
export const SUMMARY_CAP = 2000;

function firstSentence(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const end = flat.search(/[.!?](\s|$)/);
  const sentence = end === -1 ? flat : flat.slice(0, end + 1);
  return sentence.length > SENTENCE_CAP ? `${sentence.slice(0, SENTENCE_CAP - 1)}…` : sentence;
}

/**
 * Joins the first sentence of each item, oldest first, capped at {@link SUMMARY_CAP} characters.
 *
 * @example
 * await extractiveSummary(items); // 'Summary of 3 episodes: Deploy failed. Retried. It worked.'
 */
export async function extractiveSummary(items: readonly MemoryItem[]): Promise<string> {
  const ordered = [...items].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const text = `Summary of ${items.length} episodes: ${ordered.map((i) => firstSentence(i.content)).join(' ')}`;
  return text.length > SUMMARY_CAP ? `${text.slice(0, SUMMARY_CAP - 1)}…` : text;
}

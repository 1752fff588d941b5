/**
 * @module Reading the replies of XREADGROUP, XREAD and XAUTOCLAIM, which arrive as nested
 * arrays (`[[stream, [[id, [field, value, ...]], ...]], ...]`); entries deleted while pending
 * come back as null and are skipped.
 */

/** One stream entry: its id and the encoded message (field `m`). */
export interface StreamEntry {
  readonly stream: string;
  readonly id: string;
  /** The `m` field, or undefined when the entry has none. */
  readonly text: string | undefined;
}

/** The message field of a bus stream entry. */
export const MESSAGE_FIELD = 'm';

function entryText(fields: unknown): string | undefined {
  if (!Array.isArray(fields)) return undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === MESSAGE_FIELD) return String(fields[i + 1]);
  }
  return undefined;
}

function entriesOf(stream: string, list: unknown, out: StreamEntry[]): void {
  if (!Array.isArray(list)) return;
  for (const entry of list) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') continue;
    out.push({ stream, id: entry[0], text: entryText(entry[1]) });
  }
}

/** Entries of an XREADGROUP / XREAD reply (null when the BLOCK timed out). */
export function readReplyEntries(reply: unknown): StreamEntry[] {
  const out: StreamEntry[] = [];
  if (!Array.isArray(reply)) return out;
  for (const perStream of reply) {
    if (Array.isArray(perStream) && typeof perStream[0] === 'string') {
      entriesOf(perStream[0], perStream[1], out);
    }
  }
  return out;
}

/** Entries of an XAUTOCLAIM reply on `stream`: `[next, entries, deleted]`. */
export function autoclaimEntries(stream: string, reply: unknown): StreamEntry[] {
  const out: StreamEntry[] = [];
  if (Array.isArray(reply)) entriesOf(stream, reply[1], out);
  return out;
}

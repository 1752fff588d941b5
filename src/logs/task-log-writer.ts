/**
 * @module The writer of stored log lines. Callers hand it lines synchronously and never wait: it
 * redacts them, keeps them in a bounded buffer, and writes them in batches (every ~200 ms, or as
 * soon as 500 are waiting), each batch in one transaction. When the buffer is full it drops the
 * oldest debug and trace lines first and info and above only when nothing less severe is left,
 * counts every drop by level, and says so in a stored warning line and in {@link stats} (the
 * metric): a line is never lost silently. Closing writes what is buffered.
 */
import { randomInt } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { type Clock, LOG_LEVELS, type LogLevel, systemClock } from '../core/index.js';
import type { Store, TaskLogTable } from '../store/index.js';
import type { LogEntry, LogEntryInput } from './log-entry.js';
import { levelAtLeast } from './log-levels.js';
import { redactedKeysOf, redactValue, scrubSecrets } from './secret-scrubber.js';

/** Longest message stored, in characters; longer ones are cut with a marker. */
export const MAX_MESSAGE_CHARS = 4096;
/** Longest fields JSON stored, in characters; larger fields become a cut preview. */
export const MAX_FIELDS_CHARS = 8192;
/** Bytes counted per line on top of its text: id, time, level and the row's own overhead. */
const ROW_OVERHEAD_BYTES = 96;

/** Options for {@link TaskLogWriter}. */
export interface TaskLogWriterOptions {
  readonly store: Store;
  /** pino redaction paths (the process logger's `REDACTED_PATHS`); their last parts are blanked. */
  readonly redactPaths: readonly string[];
  /** The least severe level stored (default info); less severe lines are ignored. */
  readonly level?: LogLevel;
  readonly clock?: Clock;
  /** Longest wait before buffered lines are written (default 200 ms). */
  readonly flushMs?: number;
  /** Lines per transaction, and the count that triggers a write at once (default 500). */
  readonly batchSize?: number;
  /** Most lines buffered (default 10,000). */
  readonly capacity?: number;
  /** Most bytes buffered (default 16 MiB). */
  readonly maxBufferBytes?: number;
  /** Sees a batch that could not be written (its lines are counted as failed). */
  readonly onError?: (error: unknown) => void;
}

/** The writer's counters since it opened. */
export interface TaskLogWriterStats {
  /** Lines written to the store. */
  readonly written: number;
  /** Lines dropped because the buffer was full, by level. */
  readonly dropped: Readonly<Record<LogLevel, number>>;
  /** Lines lost because their batch failed to write. */
  readonly failed: number;
  /** Lines waiting in the buffer. */
  readonly buffered: number;
}

interface Pending {
  readonly row: TaskLogTable;
  readonly entry: LogEntry;
  /** Arrival order across the two queues. */
  readonly seq: number;
}

function zeroCounts(): Record<LogLevel, number> {
  return Object.fromEntries(LOG_LEVELS.map((l) => [l, 0])) as Record<LogLevel, number>;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [${text.length - max} more chars]`;
}

/**
 * See the module comment.
 *
 * @example
 * const writer = new TaskLogWriter({ store, redactPaths: REDACTED_PATHS });
 * writer.write({ level: 'info', agent: 'writer', taskId, message: 'tool fs.read ok' });
 * await writer.close();
 */
export class TaskLogWriter {
  readonly #store: Store;
  readonly #keys: ReadonlySet<string>;
  readonly #level: LogLevel;
  readonly #clock: Clock;
  readonly #flushMs: number;
  readonly #batchSize: number;
  readonly #capacity: number;
  readonly #maxBufferBytes: number;
  readonly #onError: (error: unknown) => void;
  readonly #listeners = new Set<(entry: LogEntry) => void>();
  /** trace and debug lines, dropped first. */
  readonly #low: Pending[] = [];
  /** info and above. */
  readonly #high: Pending[] = [];
  #bufferedBytes = 0;
  #seq = 0;
  #written = 0;
  #failed = 0;
  readonly #dropped = zeroCounts();
  /** Drops not yet reported in a stored line. */
  #unreported = zeroCounts();
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #flushing: Promise<void> | undefined;
  #closed = false;
  #lastMs = Number.NEGATIVE_INFINITY;
  #idSeq = 0;

  constructor(options: TaskLogWriterOptions) {
    this.#store = options.store;
    this.#keys = redactedKeysOf(options.redactPaths);
    this.#level = options.level ?? 'info';
    this.#clock = options.clock ?? systemClock;
    this.#flushMs = options.flushMs ?? 200;
    this.#batchSize = options.batchSize ?? 500;
    this.#capacity = options.capacity ?? 10_000;
    this.#maxBufferBytes = options.maxBufferBytes ?? 16 * 1024 * 1024;
    this.#onError = options.onError ?? (() => {});
  }

  /** The least severe level stored. */
  get level(): LogLevel {
    return this.#level;
  }

  /**
   * Takes a line: redacts it, buffers it and tells the live listeners. Returns the entry as it
   * will be stored, or undefined when the line is below the level, the writer is closed, or the
   * buffer is full of more severe lines (then the drop is counted).
   */
  write(input: LogEntryInput): LogEntry | undefined {
    if (this.#closed || !levelAtLeast(input.level, this.#level)) return undefined;
    const pending = this.#pending(input);
    if (!this.#enqueue(pending)) return undefined;
    this.#tell(pending.entry);
    this.#schedule();
    return pending.entry;
  }

  /**
   * Calls `listener` with every line taken from now on (redacted, before it is written), for
   * live views. Returns the unsubscribe function.
   */
  onLog(listener: (entry: LogEntry) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  stats(): TaskLogWriterStats {
    return {
      written: this.#written,
      dropped: { ...this.#dropped },
      failed: this.#failed,
      buffered: this.#low.length + this.#high.length,
    };
  }

  /** Writes every buffered line (and the report of drops, if any). */
  flush(): Promise<void> {
    this.#flushing ??= this.#drain().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  /** Takes no more lines and writes what is buffered. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
    clearTimeout(this.#timer);
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
  }

  #pending(input: LogEntryInput): Pending {
    const { id, ms } = this.#nextId();
    const message = cut(scrubSecrets(input.message), MAX_MESSAGE_CHARS);
    let fields = (redactValue(input.fields ?? {}, this.#keys) ?? {}) as Record<string, unknown>;
    let fieldsJson = JSON.stringify(fields);
    if (fieldsJson.length > MAX_FIELDS_CHARS) {
      fields = { truncated: true, preview: fieldsJson.slice(0, MAX_FIELDS_CHARS) };
      fieldsJson = JSON.stringify(fields);
    }
    const agent = input.agent ?? null;
    const agentId = input.agentId ?? null;
    const taskId = input.taskId ?? null;
    const at = new Date(ms).toISOString();
    const bytes =
      ROW_OVERHEAD_BYTES +
      Buffer.byteLength(message) +
      Buffer.byteLength(fieldsJson) +
      (agent?.length ?? 0) +
      (agentId?.length ?? 0) +
      (taskId?.length ?? 0);
    return {
      seq: ++this.#seq,
      row: {
        id,
        at,
        level: input.level,
        agent_id: agentId,
        agent,
        task_id: taskId,
        message,
        fields: fieldsJson,
        bytes,
      },
      entry: { id, at, level: input.level, agent, agentId, taskId, message, fields },
    };
  }

  /**
   * A UUIDv7 whose millisecond part never goes back (a clock set back waits at the last value)
   * and whose counter rises within one millisecond, so id order is arrival order and `at` order.
   */
  #nextId(): { id: string; ms: number } {
    const now = Math.floor(this.#clock.now());
    if (now > this.#lastMs) {
      this.#lastMs = now;
      // A random start (RFC 9562 §6.2 method 1) leaves 3 × 2^30 steps before the 32-bit counter
      // would wrap; if it ever does, the next millisecond starts.
      this.#idSeq = randomInt(0, 2 ** 30);
    } else if (++this.#idSeq > 0xffff_ffff) {
      this.#lastMs++;
      this.#idSeq = randomInt(0, 2 ** 30);
    }
    return { id: uuidv7({ msecs: this.#lastMs, seq: this.#idSeq }), ms: this.#lastMs };
  }

  /** Buffers a line, making room first; false when the line itself is the one dropped. */
  #enqueue(p: Pending): boolean {
    const low = !levelAtLeast(p.entry.level, 'info');
    while (
      this.#low.length + this.#high.length > 0 &&
      (this.#low.length + this.#high.length >= this.#capacity ||
        this.#bufferedBytes + p.row.bytes > this.#maxBufferBytes)
    ) {
      let victim = this.#low.shift();
      if (victim === undefined) {
        // A buffer full of info and above keeps them over a new debug line.
        if (low) {
          this.#countDrop(p);
          return false;
        }
        victim = this.#high.shift()!;
      }
      this.#bufferedBytes -= victim.row.bytes;
      this.#countDrop(victim);
    }
    (low ? this.#low : this.#high).push(p);
    this.#bufferedBytes += p.row.bytes;
    return true;
  }

  #tell(entry: LogEntry): void {
    for (const listener of this.#listeners) {
      try {
        listener(entry);
      } catch {
        // A listener's failure is its own; the line is stored all the same.
      }
    }
  }

  #countDrop(p: Pending): void {
    this.#dropped[p.entry.level]++;
    this.#unreported[p.entry.level]++;
  }

  #schedule(): void {
    const waiting = this.#low.length + this.#high.length;
    if (waiting >= this.#batchSize) {
      this.#immediate ??= setImmediate(() => {
        this.#immediate = undefined;
        void this.flush();
      });
      return;
    }
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.flush();
      }, this.#flushMs);
      // Buffered log lines must not keep a process alive; close() writes them.
      this.#timer.unref();
    }
  }

  async #drain(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (;;) {
      const batch = this.#take();
      if (batch.length === 0) return;
      try {
        await this.#store.writeTransaction(
          async (trx) => {
            await trx
              .insertInto('task_logs')
              .values(batch.map((p) => p.row))
              .execute();
          },
          { lock: 'task_logs' },
        );
        this.#written += batch.length;
      } catch (error) {
        this.#failed += batch.length;
        this.#onError(error);
      }
    }
  }

  /** The next batch in arrival order. */
  #take(): Pending[] {
    const report = this.#dropReport();
    if (report !== undefined) {
      // Queued behind every buffered line, not written at once: a batch must hold no id older
      // than an id already committed, or a reader polling with `after` would skip it.
      this.#high.push(report);
      this.#bufferedBytes += report.row.bytes;
      this.#tell(report.entry);
    }
    const batch: Pending[] = [];
    while (batch.length < this.#batchSize) {
      const a = this.#low[0];
      const b = this.#high[0];
      if (a === undefined && b === undefined) break;
      const next = b === undefined || (a !== undefined && a.seq < b.seq) ? this.#low : this.#high;
      const p = next.shift()!;
      this.#bufferedBytes -= p.row.bytes;
      batch.push(p);
    }
    return batch;
  }

  /** A warning line counting the drops since the last report (past the level filter). */
  #dropReport(): Pending | undefined {
    const dropped = Object.fromEntries(
      Object.entries(this.#unreported).filter(([, n]) => n > 0),
    ) as Partial<Record<LogLevel, number>>;
    const total = Object.values(dropped).reduce((a, n) => a + n, 0);
    if (total === 0) return undefined;
    this.#unreported = zeroCounts();
    const detail = Object.entries(dropped)
      .map(([level, n]) => `${level} ${n}`)
      .join(', ');
    return this.#pending({
      level: 'warn',
      message: `log buffer full: ${total} line${total === 1 ? '' : 's'} dropped (${detail})`,
      fields: { dropped },
    });
  }
}

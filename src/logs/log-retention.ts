/**
 * @module Retention of stored log lines, so logs never fill the disk: lines older than the age
 * limit go, then the oldest lines go until the total of `bytes` is under the size limit. The
 * sweep runs at start and every ten minutes; it deletes in chunks, each its own short
 * transaction, so a large sweep never holds the writer lock for long.
 */
import { type Clock, systemClock } from '../core/index.js';
import type { Store } from '../store/index.js';

const DAY_MS = 86_400_000;
/** Rows deleted per transaction. */
const CHUNK = 2000;

/** The limits a sweep keeps. */
export interface RetentionLimits {
  /** Lines older than this many days are deleted. */
  readonly retentionDays: number;
  /** The most bytes (the sum of the `bytes` column) kept. */
  readonly maxBytes: number;
}

/** What a sweep did. */
export interface RetentionResult {
  readonly deletedByAge: number;
  readonly deletedBySize: number;
  /** The stored lines' total size after the sweep. */
  readonly remainingBytes: number;
}

/**
 * Deletes lines past the age limit, then the oldest lines until the total is under the size
 * limit; the newest lines always stay.
 *
 * @example
 * await sweepLogs(store, { retentionDays: 14, maxBytes: 256 * 1024 * 1024 }, clock);
 */
export async function sweepLogs(
  store: Store,
  limits: RetentionLimits,
  clock: Clock = systemClock,
): Promise<RetentionResult> {
  const cutoff = new Date(clock.now() - limits.retentionDays * DAY_MS).toISOString();
  let deletedByAge = 0;
  for (;;) {
    const deleted = await store.writeTransaction(
      async (trx) => {
        const ids = await trx
          .selectFrom('task_logs')
          .select('id')
          .where('at', '<', cutoff)
          .orderBy('at')
          .limit(CHUNK)
          .execute();
        if (ids.length === 0) return 0;
        await trx
          .deleteFrom('task_logs')
          .where(
            'id',
            'in',
            ids.map((r) => r.id),
          )
          .execute();
        return ids.length;
      },
      { lock: 'task_logs' },
    );
    deletedByAge += deleted;
    if (deleted < CHUNK) break;
  }

  let total = await totalBytes(store);
  let deletedBySize = 0;
  while (total > limits.maxBytes) {
    const excess = total - limits.maxBytes;
    const freed = await store.writeTransaction(
      async (trx) => {
        const oldest = await trx
          .selectFrom('task_logs')
          .select(['id', 'bytes'])
          .orderBy('at')
          .orderBy('id')
          .limit(CHUNK)
          .execute();
        const ids: string[] = [];
        let bytes = 0;
        for (const row of oldest) {
          if (bytes >= excess) break;
          ids.push(row.id);
          bytes += Number(row.bytes);
        }
        if (ids.length > 0) await trx.deleteFrom('task_logs').where('id', 'in', ids).execute();
        return { rows: ids.length, bytes };
      },
      { lock: 'task_logs' },
    );
    if (freed.rows === 0) break;
    deletedBySize += freed.rows;
    total -= freed.bytes;
  }
  return { deletedByAge, deletedBySize, remainingBytes: total };
}

/** The sum of `bytes` over every stored line. */
export async function totalBytes(store: Store): Promise<number> {
  const row = await store.db
    .selectFrom('task_logs')
    .select((eb) => eb.fn.sum<number | string | null>('bytes').as('total'))
    .executeTakeFirst();
  return Number(row?.total ?? 0);
}

/** Options for {@link LogRetention}. */
export interface LogRetentionOptions extends RetentionLimits {
  readonly store: Store;
  readonly clock?: Clock;
  /** Time between sweeps (default 10 minutes). */
  readonly everyMs?: number;
  /** Sees every sweep that deleted something. */
  readonly onSwept?: (result: RetentionResult) => void;
  readonly onError?: (error: unknown) => void;
}

/** The periodic sweep: once at {@link start}, then every `everyMs`. */
export class LogRetention {
  readonly #options: LogRetentionOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<RetentionResult | undefined> | undefined;

  constructor(options: LogRetentionOptions) {
    this.#options = options;
  }

  /** Sweeps now and then periodically. */
  start(): void {
    if (this.#timer !== undefined) return;
    void this.sweep();
    this.#timer = setInterval(() => void this.sweep(), this.#options.everyMs ?? 10 * 60_000);
    this.#timer.unref();
  }

  /** One sweep (joins the one running); undefined when it failed (reported to `onError`). */
  sweep(): Promise<RetentionResult | undefined> {
    this.#running ??= (async () => {
      try {
        const o = this.#options;
        const result = await sweepLogs(
          o.store,
          { retentionDays: o.retentionDays, maxBytes: o.maxBytes },
          o.clock,
        );
        if (result.deletedByAge + result.deletedBySize > 0) o.onSwept?.(result);
        return result;
      } catch (error) {
        this.#options.onError?.(error);
        return undefined;
      } finally {
        this.#running = undefined;
      }
    })();
    return this.#running;
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}

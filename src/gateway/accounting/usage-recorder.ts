/**
 * @module Usage records: one `llm_usage` row per model call (seed 002 "Token Usage Tracking",
 * its `api_usage` table), written off the hot path. `record` only appends to a buffer; the
 * buffer is written in batches when it reaches `maxBatch` rows, every `flushIntervalMs`, on
 * `flush()` and on `close()`. A failed write keeps its rows for the next attempt, and `close()`
 * rejects rather than drop rows, so nothing is lost silently. The same kysely code serves SQLite
 * and PostgreSQL.
 */
import { sql } from 'kysely';
import { type Clock, newId, systemClock } from '../../core/index.js';
import type { LlmUsageTable, Store } from '../../store/index.js';
import type { Usage } from '../chat-types.js';

/** One finished (or failed) model call, as the gateway knows it. */
export interface UsageRecord {
  /** Defaults to a new UUIDv7. */
  readonly id?: string;
  /** When the call finished (ms since the epoch); defaults to the recorder's clock. */
  readonly at?: number;
  readonly agentId?: string | null;
  readonly apiKeyId?: string | null;
  readonly taskId?: string | null;
  /** The name the caller used (an alias, or `provider/model`). */
  readonly alias: string;
  readonly provider: string;
  readonly model: string;
  readonly operation: 'chat' | 'embed';
  readonly usage: Usage;
  readonly costUsd: number;
  readonly latencyMs: number;
  readonly outcome: 'ok' | 'error' | 'stream_error';
  readonly wasFallback: boolean;
  readonly streamed: boolean;
}

/** How {@link UsageRecorder.totals} groups rows. */
export type UsageGroupBy = 'agent' | 'key' | 'model' | 'provider' | 'day';

/** A totals query. */
export interface UsageTotalsQuery {
  /** Rows at or after this instant (ms since the epoch, or a Date). */
  readonly since: number | Date;
  /** Rows before this instant; default: no upper bound. */
  readonly until?: number | Date;
  readonly agentId?: string;
  readonly apiKeyId?: string;
  readonly groupBy: UsageGroupBy;
}

/** One group of {@link UsageRecorder.totals}. */
export interface UsageTotals {
  /** Agent id, API key id, `provider/model`, provider, or `YYYY-MM-DD` (UTC); null when unset. */
  readonly group: string | null;
  readonly calls: number;
  /** Calls whose outcome was not `ok`. */
  readonly errors: number;
  /** Calls served by a fallback step of a model chain. */
  readonly fallbacks: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedTokens: number;
  /** input + output (cached tokens are part of input). */
  readonly totalTokens: number;
  readonly costUsd: number;
}

/** Options for {@link UsageRecorder}. */
export interface UsageRecorderOptions {
  readonly store: Store;
  readonly clock?: Clock;
  /** Rows per INSERT and the buffer size that triggers a write; default 500. */
  readonly maxBatch?: number;
  /** Longest a row waits in the buffer; default 1000 ms. 0 disables the timer. */
  readonly flushIntervalMs?: number;
  /** Receives background write failures (the rows stay buffered and are retried). */
  readonly onError?: (error: unknown) => void;
}

// 18 columns x 500 rows = 9,000 bound parameters: below SQLite's 32,766 and PostgreSQL's 65,535.
const DEFAULT_MAX_BATCH = 500;
const MAX_BATCH_LIMIT = 1_500;

/**
 * Buffers and writes usage rows, and answers usage totals.
 *
 * @example
 * const recorder = new UsageRecorder({ store });
 * recorder.record({ alias: 'fast', provider: 'openai', model: 'gpt-4o-mini', operation: 'chat',
 *   usage, costUsd, latencyMs: 420, outcome: 'ok', wasFallback: false, streamed: false });
 * await recorder.close();
 */
export class UsageRecorder {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #maxBatch: number;
  readonly #intervalMs: number;
  readonly #onError: (error: unknown) => void;
  #buffer: LlmUsageTable[] = [];
  /** Rows handed to an INSERT that has not committed yet; still "pending" for readers. */
  #writing: LlmUsageTable[] = [];
  #flushing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: UsageRecorderOptions) {
    this.#store = options.store;
    this.#clock = options.clock ?? systemClock;
    this.#maxBatch = Math.min(Math.max(1, options.maxBatch ?? DEFAULT_MAX_BATCH), MAX_BATCH_LIMIT);
    this.#intervalMs = options.flushIntervalMs ?? 1000;
    this.#onError = options.onError ?? (() => {});
  }

  /** Buffers one row; never blocks on the database. Throws after {@link close}. */
  record(record: UsageRecord): void {
    if (this.#closed) throw new Error('UsageRecorder is closed');
    this.#buffer.push(toRow(record, this.#clock));
    if (this.#buffer.length >= this.#maxBatch) {
      this.#background();
    } else {
      this.#arm();
    }
  }

  /** Starts the flush timer unless it runs already. */
  #arm(): void {
    if (this.#timer !== undefined || this.#intervalMs <= 0 || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#background();
    }, this.#intervalMs);
    this.#timer.unref();
  }

  /**
   * Rows recorded but not yet committed, for readers that must see them too (the budget
   * engine's spend source): buffered usage still counts against a budget.
   */
  pending(): readonly LlmUsageTable[] {
    return [...this.#writing, ...this.#buffer];
  }

  /** Writes every buffered row; resolves once they are committed, rejects if the write fails. */
  async flush(): Promise<void> {
    // Loop: rows recorded while a write is in flight are written by the next round.
    while (this.#flushing !== undefined || this.#buffer.length > 0) {
      if (this.#flushing === undefined) this.#flushing = this.#writeBuffered();
      const current = this.#flushing;
      try {
        await current;
      } finally {
        if (this.#flushing === current) this.#flushing = undefined;
      }
    }
  }

  /** Flushes and stops the timer. Rejects (keeping the rows in {@link pending}) if the write fails. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }

  /**
   * Usage totals since an instant, grouped. Flushes first, so every recorded call is counted.
   *
   * @example
   * await recorder.totals({ since: Date.now() - 86_400_000, groupBy: 'agent' });
   */
  async totals(query: UsageTotalsQuery): Promise<UsageTotals[]> {
    await this.flush();
    const groupExpr = {
      agent: 'agent_id',
      key: 'api_key_id',
      model: "provider || '/' || model",
      provider: 'provider',
      day: 'substr(ts, 1, 10)',
    }[query.groupBy];
    let q = this.#store.db
      .selectFrom('llm_usage')
      .select([
        sql<string | null>`${sql.raw(groupExpr)}`.as('grp'),
        sql<number | string>`count(*)`.as('calls'),
        sql<number | string>`sum(case when outcome = 'ok' then 0 else 1 end)`.as('errors'),
        sql<number | string>`sum(was_fallback)`.as('fallbacks'),
        sql<number | string>`sum(input_tokens)`.as('input_tokens'),
        sql<number | string>`sum(output_tokens)`.as('output_tokens'),
        sql<number | string>`sum(cached_tokens)`.as('cached_tokens'),
        sql<number | string>`sum(cost_usd)`.as('cost_usd'),
      ])
      .where('ts', '>=', iso(query.since));
    if (query.until !== undefined) q = q.where('ts', '<', iso(query.until));
    if (query.agentId !== undefined) q = q.where('agent_id', '=', query.agentId);
    if (query.apiKeyId !== undefined) q = q.where('api_key_id', '=', query.apiKeyId);
    const rows = await q.groupBy(sql.raw(groupExpr)).orderBy(sql.raw(groupExpr)).execute();
    return rows.map((r) => {
      const inputTokens = Number(r.input_tokens ?? 0);
      const outputTokens = Number(r.output_tokens ?? 0);
      return {
        group: r.grp ?? null,
        calls: Number(r.calls),
        errors: Number(r.errors ?? 0),
        fallbacks: Number(r.fallbacks ?? 0),
        inputTokens,
        outputTokens,
        cachedTokens: Number(r.cached_tokens ?? 0),
        totalTokens: inputTokens + outputTokens,
        costUsd: Number(r.cost_usd ?? 0),
      };
    });
  }

  #background(): void {
    this.flush().catch((error) => {
      this.#onError(error);
      // The rows are back in the buffer; try again after another interval.
      this.#arm();
    });
  }

  async #writeBuffered(): Promise<void> {
    const rows = this.#buffer;
    this.#buffer = [];
    this.#writing = rows;
    try {
      await this.#store.writeTransaction(
        async (trx) => {
          for (let i = 0; i < rows.length; i += this.#maxBatch) {
            await trx
              .insertInto('llm_usage')
              .values(rows.slice(i, i + this.#maxBatch))
              .execute();
          }
        },
        { lock: 'llm_usage' },
      );
      this.#writing = [];
    } catch (error) {
      // Put the rows back in front, in order: the transaction rolled back as a whole.
      this.#buffer = [...rows, ...this.#buffer];
      this.#writing = [];
      throw error;
    }
  }
}

function iso(at: number | Date): string {
  return (typeof at === 'number' ? new Date(at) : at).toISOString();
}

function count(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.round(n) : 0;
}

function toRow(r: UsageRecord, clock: Clock): LlmUsageTable {
  return {
    id: r.id ?? newId(clock),
    ts: new Date(r.at ?? clock.now()).toISOString(),
    agent_id: r.agentId ?? null,
    api_key_id: r.apiKeyId ?? null,
    task_id: r.taskId ?? null,
    alias: r.alias,
    provider: r.provider,
    model: r.model,
    operation: r.operation,
    input_tokens: count(r.usage.inputTokens),
    output_tokens: count(r.usage.outputTokens),
    cached_tokens: count(r.usage.cachedInputTokens),
    cost_usd: Number.isFinite(r.costUsd) && r.costUsd > 0 ? r.costUsd : 0,
    latency_ms: count(r.latencyMs),
    outcome: r.outcome,
    was_fallback: r.wasFallback ? 1 : 0,
    streamed: r.streamed ? 1 : 0,
  };
}

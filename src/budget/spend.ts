/**
 * @module Where a budget's current spend comes from. Budgets count calendar windows in UTC
 * (the clock hour, day and month), like seed 002's daily and monthly budgets and seed 000's
 * tokens per hour and per day. A {@link SpendSource} answers "how much has this scope spent in
 * this window"; {@link StoreSpendSource} reads the `llm_usage` table (plus rows a usage recorder
 * still buffers), {@link MemorySpendSource} keeps usage in memory for tests and embedding.
 */
import { sql } from 'kysely';
import type { LlmUsageTable, Store } from '../store/index.js';

/** A budget window. */
export type BudgetWindow = 'hour' | 'day' | 'month';

/** Tokens and dollars. */
export interface Spend {
  readonly tokens: number;
  readonly usd: number;
}

/** `global`, `agent:<id>` or `key:<api key name>`, as in the config's `budgets[].scope`. */
export type BudgetScope = string;

/**
 * Current spend per scope and window: usage already settled (recorded), not calls in flight,
 * which the budget engine tracks itself as reservations.
 */
export interface SpendSource {
  /** Spend of `scope` in the `window` that contains instant `at` (ms since the epoch). */
  spent(scope: BudgetScope, window: BudgetWindow, at: number): Promise<Spend>;
}

/** The UTC calendar window containing `at`: `[start, end)` in ms since the epoch. */
export function windowBounds(window: BudgetWindow, at: number): { start: number; end: number } {
  const d = new Date(at);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const day = d.getUTCDate();
  switch (window) {
    case 'hour': {
      const start = Date.UTC(y, m, day, d.getUTCHours());
      return { start, end: start + 3_600_000 };
    }
    case 'day':
      return { start: Date.UTC(y, m, day), end: Date.UTC(y, m, day + 1) };
    case 'month':
      return { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) };
  }
}

/** Options for {@link StoreSpendSource}. */
export interface StoreSpendSourceOptions {
  readonly store: Store;
  /**
   * Rows recorded but not yet written (a usage recorder's `pending()`): without them, usage
   * buffered off the hot path would be invisible to budgets for up to a flush interval.
   */
  readonly pending?: () => readonly LlmUsageTable[];
}

/**
 * Spend from the `llm_usage` table: tokens are input + output (cached tokens are part of
 * input), dollars are `cost_usd`. A `key:<name>` scope matches every API key with that name.
 */
export class StoreSpendSource implements SpendSource {
  readonly #store: Store;
  readonly #pending: () => readonly LlmUsageTable[];

  constructor(options: StoreSpendSourceOptions) {
    this.#store = options.store;
    this.#pending = options.pending ?? (() => []);
  }

  async spent(scope: BudgetScope, window: BudgetWindow, at: number): Promise<Spend> {
    const { start, end } = windowBounds(window, at);
    const from = new Date(start).toISOString();
    const to = new Date(end).toISOString();
    let keyIds: string[] | undefined;
    if (scope.startsWith('key:')) {
      const rows = await this.#store.db
        .selectFrom('api_keys')
        .select('id')
        .where('name', '=', scope.slice(4))
        .execute();
      // No key has that name (yet): nothing can have been charged to it.
      if (rows.length === 0) return { tokens: 0, usd: 0 };
      keyIds = rows.map((r) => r.id);
    }
    const agentId = scope.startsWith('agent:') ? scope.slice(6) : undefined;

    let q = this.#store.db
      .selectFrom('llm_usage')
      .select([
        sql<number | string | null>`sum(input_tokens + output_tokens)`.as('tokens'),
        sql<number | string | null>`sum(cost_usd)`.as('usd'),
      ])
      .where('ts', '>=', from)
      .where('ts', '<', to);
    if (agentId !== undefined) q = q.where('agent_id', '=', agentId);
    if (keyIds !== undefined) q = q.where('api_key_id', 'in', keyIds);
    const row = await q.executeTakeFirst();

    const ids = keyIds === undefined ? undefined : new Set(keyIds);
    const matches = (r: LlmUsageTable): boolean =>
      (agentId === undefined || r.agent_id === agentId) &&
      (ids === undefined || (r.api_key_id !== null && ids.has(r.api_key_id)));
    const pending = this.#pendingSpend(matches, from, to);
    return {
      tokens: Number(row?.tokens ?? 0) + pending.tokens,
      usd: Number(row?.usd ?? 0) + pending.usd,
    };
  }

  #pendingSpend(matches: (r: LlmUsageTable) => boolean, from: string, to: string): Spend {
    let tokens = 0;
    let usd = 0;
    for (const r of this.#pending()) {
      if (r.ts >= from && r.ts < to && matches(r)) {
        tokens += r.input_tokens + r.output_tokens;
        usd += r.cost_usd;
      }
    }
    return { tokens, usd };
  }
}

/** One usage event for {@link MemorySpendSource}. */
export interface MemorySpendEvent {
  readonly at: number;
  readonly agentId?: string;
  readonly apiKeyName?: string;
  readonly tokens: number;
  readonly usd: number;
}

/** Spend kept in memory: for tests, and for embedding the engine without a database. */
export class MemorySpendSource implements SpendSource {
  readonly #events: MemorySpendEvent[] = [];

  /** Adds usage that happened at `event.at`. */
  add(event: MemorySpendEvent): void {
    this.#events.push(event);
  }

  async spent(scope: BudgetScope, window: BudgetWindow, at: number): Promise<Spend> {
    const { start, end } = windowBounds(window, at);
    let tokens = 0;
    let usd = 0;
    for (const e of this.#events) {
      if (e.at < start || e.at >= end) continue;
      if (scope.startsWith('agent:') && e.agentId !== scope.slice(6)) continue;
      if (scope.startsWith('key:') && e.apiKeyName !== scope.slice(4)) continue;
      tokens += e.tokens;
      usd += e.usd;
    }
    return { tokens, usd };
  }
}

/**
 * @module The budget engine (seed 000 "ResourceBudget": limits with warning and critical
 * thresholds, an action per threshold and a cooldown; seed 002 "Budget Controls": daily and
 * monthly dollar budgets, per agent). Every model call reserves its estimated tokens and dollars
 * against each applicable budget (`global`, `agent:<id>`, `key:<name>`) *before* it runs; the
 * check and the reservation happen in one synchronous step, so concurrent calls can never
 * together spend past a hard limit. `settle` then replaces the estimate with the real usage.
 *
 * Spend per (scope, window) = a baseline read from the {@link SpendSource} (re-read every
 * `refreshMs` and when a window rolls over, so other nodes' usage is seen) + usage settled here
 * since that read + reservations in flight. Reading the source on every call would put several
 * queries on each model call's hot path; the baseline makes it one query per window per refresh.
 *
 * Thresholds, as in seed 000's `_check_resource`: for each limit, the highest level reached
 * (limit > critical > warning) is the one whose action fires, at most once per cooldown per
 * (budget, limit, level) — seed 000 keys its cooldown by `resource_level` too. A call is refused
 * when any level it reaches maps to `reject`, `defer` or `shutdown` (all three mean "no new work
 * now"; the caller sees BUDGET_EXCEEDED with the time until the window resets). `log`, `warn` and
 * `throttle` only emit events, for the supervisor and alerts to act on.
 */
import { type AgentvisorConfig, type Clock, newId, systemClock } from '../core/index.js';
import { type BudgetScope, type BudgetWindow, type SpendSource, windowBounds } from './spend.js';

/** One configured budget, as validated by the config schema. */
export type BudgetConfig = AgentvisorConfig['gateway']['budgets'][number];

/** What a threshold triggers. */
export type BudgetAction = BudgetConfig['actions']['warning'];

/** The levels of a limit. */
export type BudgetThreshold = 'warning' | 'critical' | 'limit';

/** The limits a budget may set. */
export type BudgetLimitName =
  | 'tokens_per_hour'
  | 'tokens_per_day'
  | 'cost_per_day'
  | 'cost_per_month';

const LIMITS: ReadonlyArray<{
  readonly name: BudgetLimitName;
  readonly metric: 'tokens' | 'usd';
  readonly window: BudgetWindow;
}> = [
  { name: 'tokens_per_hour', metric: 'tokens', window: 'hour' },
  { name: 'tokens_per_day', metric: 'tokens', window: 'day' },
  { name: 'cost_per_day', metric: 'usd', window: 'day' },
  { name: 'cost_per_month', metric: 'usd', window: 'month' },
];

/** Actions that refuse the call at hand. */
const REFUSING: ReadonlySet<BudgetAction> = new Set(['reject', 'defer', 'shutdown']);

/** Estimated or actual usage of one call. */
export interface BudgetAmount {
  readonly tokens: number;
  readonly usd: number;
}

/** Who is calling; decides which budgets apply. */
export interface BudgetSubject {
  readonly agentId?: string;
  readonly apiKeyName?: string;
}

/** A threshold's action, as emitted to {@link BudgetEngine.onAction} listeners. */
export interface BudgetActionEvent extends BudgetSubject {
  /** The budget's scope. */
  readonly budget: BudgetScope;
  readonly limit: BudgetLimitName;
  readonly window: BudgetWindow;
  readonly threshold: BudgetThreshold;
  readonly action: BudgetAction;
  /** Settled spend in the window, in the limit's unit (tokens or USD). */
  readonly spent: number;
  /** Spend + reservations in flight + this call's estimate. */
  readonly projected: number;
  readonly limitValue: number;
  /** projected / limitValue. */
  readonly fraction: number;
  readonly at: number;
}

/** A granted reservation; pass it to {@link BudgetEngine.settle}. */
export interface Reservation {
  readonly id: string;
  readonly scopes: readonly BudgetScope[];
  readonly estimate: BudgetAmount;
  readonly subject: BudgetSubject;
  readonly at: number;
}

/** The answer of {@link BudgetEngine.reserve}. */
export type ReserveResult =
  | {
      readonly allowed: true;
      readonly reservation: Reservation;
      /** The actions in effect for this call (highest level per limit), whether or not emitted. */
      readonly actions: readonly BudgetActionEvent[];
    }
  | {
      readonly allowed: false;
      readonly code: 'BUDGET_EXCEEDED';
      /** Names the budget, the limit and window, and spent/limit. */
      readonly reason: string;
      /** Until the window that refused resets. */
      readonly retryAfterMs: number;
      readonly actions: readonly BudgetActionEvent[];
    };

/** One limit of one budget, for `agentvisor budget`. */
export interface BudgetLimitStatus {
  readonly limit: BudgetLimitName;
  readonly window: BudgetWindow;
  readonly metric: 'tokens' | 'usd';
  readonly limitValue: number;
  readonly spent: number;
  readonly reserved: number;
  /** (spent + reserved) / limitValue. */
  readonly fraction: number;
  readonly resetsAt: number;
}

/** One budget's state. */
export interface BudgetStatus {
  readonly budget: BudgetScope;
  readonly limits: readonly BudgetLimitStatus[];
}

/** Options for {@link BudgetEngine}. */
export interface BudgetEngineOptions {
  readonly budgets: readonly BudgetConfig[];
  readonly spend: SpendSource;
  readonly clock?: Clock;
  /** How often the baseline is re-read from the spend source; default 30 s. */
  readonly refreshMs?: number;
  /**
   * A reservation never settled (a later limit stage refused the call, a crash in between) is
   * released after this long; default 15 min, longer than any model call's timeout.
   */
  readonly reservationTtlMs?: number;
  /** Receives failures to refresh a baseline (the previous one is kept meanwhile). */
  readonly onError?: (error: unknown) => void;
}

interface WindowLedger {
  readonly start: number;
  readonly end: number;
  base: BudgetAmount;
  /** Settled here since the baseline was read. */
  local: { tokens: number; usd: number };
  loadedAt: number;
  loading: Promise<void> | undefined;
}

interface ScopeState {
  readonly windows: Map<BudgetWindow, WindowLedger>;
  reserved: { tokens: number; usd: number };
}

/**
 * Checks and tracks budgets.
 *
 * @example
 * const engine = new BudgetEngine({ budgets: config.gateway.budgets, spend });
 * engine.onAction((e) => log.warn(e, 'budget threshold'));
 * const r = await engine.reserve({ agentId: 'a1', estimate: { tokens: 1500, usd: 0.01 } });
 * if (!r.allowed) throw new AgentvisorError('BUDGET_EXCEEDED', r.reason, { details: { retryAfterMs: r.retryAfterMs } });
 * // ... call the model ...
 * engine.settle(r.reservation, { tokens: 1320, usd: 0.0087 });
 */
export class BudgetEngine {
  readonly #budgets: readonly BudgetConfig[];
  readonly #spend: SpendSource;
  readonly #clock: Clock;
  readonly #refreshMs: number;
  readonly #ttlMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #scopes = new Map<BudgetScope, ScopeState>();
  readonly #active = new Map<string, { reservation: Reservation; expiresAt: number }>();
  readonly #settled = new WeakSet<Reservation>();
  readonly #lastFired = new Map<string, number>();
  readonly #listeners = new Set<(event: BudgetActionEvent) => void>();

  constructor(options: BudgetEngineOptions) {
    this.#budgets = [...options.budgets];
    this.#spend = options.spend;
    this.#clock = options.clock ?? systemClock;
    this.#refreshMs = options.refreshMs ?? 30_000;
    this.#ttlMs = options.reservationTtlMs ?? 15 * 60_000;
    this.#onError = options.onError ?? (() => {});
  }

  /**
   * Subscribes to threshold actions (at most one per cooldown per budget, limit and level).
   * Returns the unsubscribe function. A throwing listener does not affect the engine.
   */
  onAction(listener: (event: BudgetActionEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Checks every applicable budget for a call estimated at `estimate` and, if all allow it,
   * reserves the estimate until {@link settle}. Refuses when the call would take a budget past
   * a limit whose action refuses, or when the budget is already exhausted.
   */
  async reserve(
    request: BudgetSubject & { readonly estimate: BudgetAmount },
  ): Promise<ReserveResult> {
    const subject: BudgetSubject = {
      ...(request.agentId === undefined ? {} : { agentId: request.agentId }),
      ...(request.apiKeyName === undefined ? {} : { apiKeyName: request.apiKeyName }),
    };
    const estimate = clean(request.estimate);
    const budgets = this.#applicable(subject);
    await this.#ensureLoaded(budgets);

    // From here to the end: synchronous, so no other reservation interleaves (check-and-set).
    const now = this.#clock.now();
    this.#expire(now);
    const actions: BudgetActionEvent[] = [];
    const cooldowns: number[] = [];
    let refusal: { reason: string; retryAfterMs: number } | undefined;
    for (const budget of budgets) {
      for (const limit of LIMITS) {
        const limitValue = budget[limit.name];
        if (limitValue === undefined) continue;
        const { spent, reserved, end } = this.#current(
          budget.scope,
          limit.window,
          limit.metric,
          now,
        );
        const committed = spent + reserved;
        const projected = committed + estimate[limit.metric];
        const reached = levels(budget, projected, limitValue, committed >= limitValue);
        const top = reached.at(-1);
        if (top === undefined) continue;
        actions.push(event(budget, limit, top, subject, { spent, projected, limitValue, at: now }));
        cooldowns.push(budget.cooldown_seconds * 1000);
        const refusing = reached.filter((level) => REFUSING.has(budget.actions[level]));
        if (refusing.length > 0) {
          const retryAfterMs = Math.max(1, end - now);
          if (refusal === undefined || retryAfterMs > refusal.retryAfterMs) {
            refusal = {
              retryAfterMs,
              reason: describe(budget, limit, refusing.at(-1)!, {
                spent,
                reserved,
                estimate: estimate[limit.metric],
                limitValue,
                resetsInMs: retryAfterMs,
              }),
            };
          }
        }
      }
    }
    this.#emit(actions, cooldowns);

    if (refusal !== undefined) {
      return { allowed: false, code: 'BUDGET_EXCEEDED', ...refusal, actions };
    }
    const scopes = [...new Set(budgets.map((b) => b.scope))];
    const reservation: Reservation = Object.freeze({
      id: newId(this.#clock),
      scopes,
      estimate,
      subject,
      at: now,
    });
    for (const scope of scopes) {
      const st = this.#state(scope);
      st.reserved.tokens += estimate.tokens;
      st.reserved.usd += estimate.usd;
    }
    this.#active.set(reservation.id, { reservation, expiresAt: now + this.#ttlMs });
    return { allowed: true, reservation, actions };
  }

  /**
   * Replaces a reservation's estimate with what the call really used (zero for a call that
   * failed before using anything). Settling twice has no further effect; a reservation that
   * expired meanwhile still has its actual usage counted.
   */
  settle(reservation: Reservation, actual: BudgetAmount): void {
    if (this.#settled.has(reservation)) return;
    this.#settled.add(reservation);
    this.#release(reservation);
    const used = clean(actual);
    const now = this.#clock.now();
    for (const scope of reservation.scopes) {
      const st = this.#state(scope);
      for (const ledger of st.windows.values()) {
        // Only the window running now: usage settled after a rollover belongs to the new
        // window, whose baseline is read from the spend source when it is first needed.
        if (ledger.start <= now && now < ledger.end) {
          ledger.local.tokens += used.tokens;
          ledger.local.usd += used.usd;
        }
      }
    }
    // Real usage above the estimate may cross a threshold: tell the listeners (never refuses).
    const budgets = this.#budgets.filter((b) => reservation.scopes.includes(b.scope));
    const actions: BudgetActionEvent[] = [];
    const cooldowns: number[] = [];
    for (const budget of budgets) {
      for (const limit of LIMITS) {
        const limitValue = budget[limit.name];
        if (limitValue === undefined) continue;
        const st = this.#scopes.get(budget.scope)?.windows.get(limit.window);
        if (st === undefined || now < st.start || now >= st.end) continue;
        const { spent, reserved } = this.#current(budget.scope, limit.window, limit.metric, now);
        const projected = spent + reserved;
        const top = levels(budget, projected, limitValue, false).at(-1);
        if (top !== undefined) {
          actions.push(
            event(budget, limit, top, reservation.subject, {
              spent,
              projected,
              limitValue,
              at: now,
            }),
          );
          cooldowns.push(budget.cooldown_seconds * 1000);
        }
      }
    }
    this.#emit(actions, cooldowns);
  }

  /** Gives a reservation back unused: {@link settle} with zero usage. */
  release(reservation: Reservation): void {
    this.settle(reservation, { tokens: 0, usd: 0 });
  }

  /**
   * Every budget with spent, reserved, limit and fraction per limit. Baselines older than
   * `refreshMs` are re-read first, as for {@link reserve}.
   */
  async status(): Promise<BudgetStatus[]> {
    await this.#ensureLoaded(this.#budgets);
    const now = this.#clock.now();
    this.#expire(now);
    return this.#budgets.map((budget) => ({
      budget: budget.scope,
      limits: LIMITS.flatMap((limit): BudgetLimitStatus[] => {
        const limitValue = budget[limit.name];
        if (limitValue === undefined) return [];
        const { spent, reserved, end } = this.#current(
          budget.scope,
          limit.window,
          limit.metric,
          now,
        );
        return [
          {
            limit: limit.name,
            window: limit.window,
            metric: limit.metric,
            limitValue,
            spent,
            reserved,
            fraction: (spent + reserved) / limitValue,
            resetsAt: end,
          },
        ];
      }),
    }));
  }

  #applicable(subject: BudgetSubject): BudgetConfig[] {
    const scopes = new Set<string>(['global']);
    if (subject.agentId !== undefined) scopes.add(`agent:${subject.agentId}`);
    if (subject.apiKeyName !== undefined) scopes.add(`key:${subject.apiKeyName}`);
    return this.#budgets.filter((b) => scopes.has(b.scope));
  }

  #state(scope: BudgetScope): ScopeState {
    let st = this.#scopes.get(scope);
    if (st === undefined) {
      st = { windows: new Map(), reserved: { tokens: 0, usd: 0 } };
      this.#scopes.set(scope, st);
    }
    return st;
  }

  /** Spent and reserved of a scope in the window containing `now`, in one metric. */
  #current(
    scope: BudgetScope,
    window: BudgetWindow,
    metric: 'tokens' | 'usd',
    now: number,
  ): { spent: number; reserved: number; end: number } {
    const st = this.#state(scope);
    const ledger = st.windows.get(window);
    const bounds = windowBounds(window, now);
    // A ledger of an earlier window (the clock moved on during a load) counts as empty.
    const spent =
      ledger !== undefined && ledger.start === bounds.start
        ? ledger.base[metric] + ledger.local[metric]
        : 0;
    return { spent, reserved: st.reserved[metric], end: bounds.end };
  }

  /** Makes sure every window the budgets use has a baseline for the current window. */
  async #ensureLoaded(budgets: readonly BudgetConfig[]): Promise<void> {
    const now = this.#clock.now();
    const loads: Promise<void>[] = [];
    const seen = new Set<string>();
    for (const budget of budgets) {
      for (const limit of LIMITS) {
        if (budget[limit.name] === undefined) continue;
        const id = `${budget.scope}|${limit.window}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const load = this.#load(budget.scope, limit.window, now);
        if (load !== undefined) loads.push(load);
      }
    }
    await Promise.all(loads);
  }

  /** Reads a baseline when the window is new or the baseline is older than `refreshMs`. */
  #load(scope: BudgetScope, window: BudgetWindow, now: number): Promise<void> | undefined {
    const st = this.#state(scope);
    const bounds = windowBounds(window, now);
    let ledger = st.windows.get(window);
    if (ledger !== undefined && ledger.start === bounds.start) {
      if (ledger.loading !== undefined) return ledger.loading;
      if (now - ledger.loadedAt < this.#refreshMs) return undefined;
    } else {
      ledger = {
        start: bounds.start,
        end: bounds.end,
        base: { tokens: 0, usd: 0 },
        local: { tokens: 0, usd: 0 },
        loadedAt: Number.NEGATIVE_INFINITY,
        loading: undefined,
      };
      st.windows.set(window, ledger);
    }
    const target = ledger;
    const fresh = target.loadedAt === Number.NEGATIVE_INFINITY;
    // Usage settled while the read is in flight may or may not be in its answer; keeping it in
    // `local` can count it twice until the next refresh, never zero times (the safe side).
    const before = { ...target.local };
    target.loading = this.#spend
      .spent(scope, window, now)
      .then(
        (spent) => {
          target.base = clean(spent);
          target.local.tokens -= before.tokens;
          target.local.usd -= before.usd;
          target.loadedAt = now;
        },
        (error: unknown) => {
          // A stale baseline is better than refusing every call while the database hiccups;
          // without any baseline, though, budgets cannot be checked at all.
          if (fresh) throw error;
          this.#onError(error);
        },
      )
      .finally(() => {
        target.loading = undefined;
      });
    return target.loading;
  }

  #release(reservation: Reservation): void {
    if (!this.#active.delete(reservation.id)) return;
    for (const scope of reservation.scopes) {
      const st = this.#state(scope);
      st.reserved.tokens = Math.max(0, st.reserved.tokens - reservation.estimate.tokens);
      st.reserved.usd = Math.max(0, st.reserved.usd - reservation.estimate.usd);
    }
  }

  #expire(now: number): void {
    for (const { reservation, expiresAt } of [...this.#active.values()]) {
      if (expiresAt <= now) this.#release(reservation);
    }
  }

  /** Emits the actions whose (budget, limit, level) cooldown has passed. */
  #emit(actions: readonly BudgetActionEvent[], cooldownsMs: readonly number[]): void {
    actions.forEach((e, i) => {
      const key = `${e.budget}|${e.limit}|${e.threshold}`;
      const last = this.#lastFired.get(key);
      if (last !== undefined && e.at - last < (cooldownsMs[i] ?? 0)) return;
      this.#lastFired.set(key, e.at);
      for (const listener of this.#listeners) {
        try {
          listener(e);
        } catch {
          // A listener's failure is its own; the call being checked must not fail for it.
        }
      }
    });
  }
}

function clean(a: BudgetAmount): BudgetAmount {
  const ok = (n: number) => (Number.isFinite(n) && n > 0 ? n : 0);
  return { tokens: ok(a.tokens), usd: ok(a.usd) };
}

/** The levels reached, lowest first. `exhausted`: nothing is left even for a zero estimate. */
function levels(
  budget: BudgetConfig,
  projected: number,
  limitValue: number,
  exhausted: boolean,
): BudgetThreshold[] {
  const fraction = projected / limitValue;
  const out: BudgetThreshold[] = [];
  if (fraction >= budget.warning_at) out.push('warning');
  if (fraction >= budget.critical_at) out.push('critical');
  if (projected > limitValue || exhausted) out.push('limit');
  return out;
}

function event(
  budget: BudgetConfig,
  limit: (typeof LIMITS)[number],
  threshold: BudgetThreshold,
  subject: BudgetSubject,
  v: { spent: number; projected: number; limitValue: number; at: number },
): BudgetActionEvent {
  return {
    budget: budget.scope,
    limit: limit.name,
    window: limit.window,
    threshold,
    action: budget.actions[threshold],
    spent: v.spent,
    projected: v.projected,
    limitValue: v.limitValue,
    fraction: v.projected / v.limitValue,
    at: v.at,
    ...subject,
  };
}

function describe(
  budget: BudgetConfig,
  limit: (typeof LIMITS)[number],
  threshold: BudgetThreshold,
  v: { spent: number; reserved: number; estimate: number; limitValue: number; resetsInMs: number },
): string {
  const fmt = (n: number) => (limit.metric === 'usd' ? `$${n.toFixed(4)}` : `${Math.round(n)}`);
  const unit = limit.metric === 'usd' ? '' : ' tokens';
  const where =
    threshold === 'limit'
      ? `would exceed the limit of ${fmt(v.limitValue)}${unit}`
      : `would reach the ${threshold} threshold (${Math.round(
          (threshold === 'warning' ? budget.warning_at : budget.critical_at) * 100,
        )}% of ${fmt(v.limitValue)}${unit})`;
  return (
    `budget "${budget.scope}" ${limit.name}: spent ${fmt(v.spent)}/${fmt(v.limitValue)}${unit} ` +
    `this ${limit.window}, ${fmt(v.reserved)} reserved by calls in flight, this call's estimate ` +
    `${fmt(v.estimate)} ${where} (action ${budget.actions[threshold]}); the ${limit.window} ` +
    `window resets in ${Math.ceil(v.resetsInMs / 1000)} s`
  );
}

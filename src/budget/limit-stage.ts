/**
 * @module The budget engine as a kernel {@link LimitStage} (name `budget`): model-call operations
 * reserve their estimate in `check` and settle it with the real usage in `settle`. The kernel
 * hands `check` and `settle` no call id, so reservations are paired per (caller, operation) in
 * arrival order; with concurrent calls of one caller the pairing may swap estimates between
 * them, which changes nothing once all have settled.
 */
import type {
  CallOutcome,
  LimitStage,
  LimitVerdict,
  OperationDefinition,
  Principal,
} from '../core/index.js';
import type { BudgetAmount, BudgetEngine, BudgetSubject, Reservation } from './budget-engine.js';

/** Options for {@link budgetLimitStage}. */
export interface BudgetStageOptions {
  /** Operations that spend budget; default `llm.complete` and `llm.embed`. */
  readonly operations?: readonly string[];
  /** The call's estimate before it runs; default {@link roughEstimate}. */
  readonly estimate?: (
    principal: Principal,
    op: OperationDefinition,
    args: unknown,
  ) => BudgetAmount;
  /** Real usage from a successful result; default {@link usageFromResult}. */
  readonly actual?: (result: unknown) => BudgetAmount | undefined;
  /** Which budgets apply to a principal; default: agents by id, API keys by name. */
  readonly subject?: (principal: Principal) => BudgetSubject;
}

/** Output tokens assumed when a chat request sets no `maxTokens`. */
const DEFAULT_MAX_OUTPUT = 1024;

/**
 * A deliberately simple estimate: ~4 characters per prompt token plus the output cap, and no
 * dollars (pass an estimator built on the price book to check cost budgets before the call).
 */
export function roughEstimate(
  _principal: Principal,
  op: OperationDefinition,
  args: unknown,
): BudgetAmount {
  const a = (typeof args === 'object' && args !== null ? args : {}) as Record<string, unknown>;
  const prompt = a['messages'] ?? a['input'] ?? a;
  let chars: number;
  try {
    chars = JSON.stringify(prompt)?.length ?? 0;
  } catch {
    chars = 0;
  }
  const maxTokens = typeof a['maxTokens'] === 'number' ? a['maxTokens'] : undefined;
  const output = op.name === 'llm.embed' ? 0 : (maxTokens ?? DEFAULT_MAX_OUTPUT);
  return { tokens: Math.ceil(chars / 4) + output, usd: 0 };
}

/**
 * Reads `usage` (`inputTokens` + `outputTokens`) and `costUsd` from an operation's result;
 * undefined when the result carries no usage.
 */
export function usageFromResult(result: unknown): BudgetAmount | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const r = result as Record<string, unknown>;
  const usage = r['usage'];
  if (typeof usage !== 'object' || usage === null) return undefined;
  const u = usage as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return {
    tokens: num(u['inputTokens']) + num(u['outputTokens']),
    usd: num(r['costUsd']),
  };
}

function defaultSubject(principal: Principal): BudgetSubject {
  if (principal.kind === 'agent') return { agentId: principal.id };
  if (principal.kind === 'apikey') return { apiKeyName: principal.name ?? principal.id };
  return {};
}

/**
 * The kernel stage. Add it after the rate-limit stage, so a call a rate limit refuses never
 * holds a reservation (the kernel does not settle earlier stages when a later one refuses; such
 * reservations are released only by the engine's reservation TTL).
 *
 * @example
 * kernel.addLimit(budgetLimitStage(engine, { estimate: (p, op, args) => priceAwareEstimate(args) }));
 */
export function budgetLimitStage(
  engine: BudgetEngine,
  options: BudgetStageOptions = {},
): LimitStage {
  const operations = new Set(options.operations ?? ['llm.complete', 'llm.embed']);
  const estimate = options.estimate ?? roughEstimate;
  const actual = options.actual ?? usageFromResult;
  const subjectOf = options.subject ?? defaultSubject;
  const open = new Map<string, Reservation[]>();
  const keyOf = (principal: Principal, op: OperationDefinition) =>
    `${principal.kind}:${principal.id}|${op.name}`;

  return {
    name: 'budget',
    async check(principal, op, args): Promise<LimitVerdict> {
      if (!operations.has(op.name)) return { kind: 'allow' };
      const result = await engine.reserve({
        ...subjectOf(principal),
        estimate: estimate(principal, op, args),
      });
      if (!result.allowed) {
        return {
          kind: 'reject',
          code: 'BUDGET_EXCEEDED',
          reason: result.reason,
          retryAfterMs: result.retryAfterMs,
        };
      }
      const key = keyOf(principal, op);
      const queue = open.get(key) ?? [];
      queue.push(result.reservation);
      open.set(key, queue);
      return { kind: 'allow' };
    },
    settle(principal, op, outcome: CallOutcome): void {
      if (!operations.has(op.name)) return;
      const key = keyOf(principal, op);
      const queue = open.get(key);
      const reservation = queue?.shift();
      if (queue !== undefined && queue.length === 0) open.delete(key);
      if (reservation === undefined) return;
      // A failed call is settled at zero: whatever it did use reaches the budget through the
      // spend source (the usage recorder) at the next refresh. A success without usage in its
      // result keeps its estimate, the conservative guess.
      const used =
        outcome.kind === 'ok'
          ? (actual(outcome.result) ?? reservation.estimate)
          : { tokens: 0, usd: 0 };
      engine.settle(reservation, used);
    },
  };
}

/**
 * @module The signals resource budgets send to agents (seed 000 Resource Management
 * `ResourceSignalBus`): which action, for which resource, at which threshold. Plain readonly
 * data tagged by `kind`, so a listener, a log line and a ledger payload read the same record.
 */

/** Resources a budget can cover. */
export const BUDGET_RESOURCES = [
  'tokens_per_hour',
  'cost_usd',
  'cpu_percent',
  'memory_bytes',
] as const;
/** One of {@link BUDGET_RESOURCES}. */
export type BudgetResource = (typeof BUDGET_RESOURCES)[number];

/**
 * What an agent is asked to do (seed 000 `ResourceAction`): `log` only records; `throttle`
 * slows the heartbeat; `defer` defers low-priority thoughts; `reject` refuses new tasks;
 * `shutdown` shuts down gracefully.
 */
export const BUDGET_ACTIONS = ['log', 'throttle', 'defer', 'reject', 'shutdown'] as const;
/** One of {@link BUDGET_ACTIONS}. */
export type BudgetAction = (typeof BUDGET_ACTIONS)[number];

/** Which threshold was crossed. */
export type BudgetLevel = 'warning' | 'critical';

/** A budget action addressed to one agent. */
export interface ResourceSignal {
  readonly kind: 'resource.signal';
  readonly agentId: string;
  readonly action: BudgetAction;
  readonly resource: BudgetResource;
  readonly level: BudgetLevel;
  /** The usage that crossed the threshold, and the threshold. */
  readonly value: number;
  readonly threshold: number;
  /** E.g. "tokens_per_hour 9600 reached the critical threshold 9500: defer". */
  readonly detail: string;
  readonly at: number;
}

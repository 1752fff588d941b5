/**
 * @module Budgets (seed 000 ResourceBudget, seed 002 budgets.yaml): token and dollar limits per
 * hour, day and month for the whole system, an agent or an API key, with warning and critical
 * thresholds whose actions are emitted as events, checked before every model call.
 */
export {
  type BudgetAction,
  type BudgetActionEvent,
  type BudgetAmount,
  type BudgetConfig,
  BudgetEngine,
  type BudgetEngineOptions,
  type BudgetLimitName,
  type BudgetLimitStatus,
  type BudgetStatus,
  type BudgetSubject,
  type BudgetThreshold,
  type Reservation,
  type ReserveResult,
} from './budget-engine.js';
export {
  DEGRADATION_STEPS,
  DegradationLadder,
  type DegradationSettings,
  type DegradationStep,
  type LadderChange,
} from './degradation-ladder.js';
export {
  type BudgetStageOptions,
  budgetLimitStage,
  roughEstimate,
  usageFromResult,
} from './limit-stage.js';
export {
  type BudgetScope,
  type BudgetWindow,
  type MemorySpendEvent,
  MemorySpendSource,
  type Spend,
  type SpendSource,
  StoreSpendSource,
  type StoreSpendSourceOptions,
  windowBounds,
} from './spend.js';

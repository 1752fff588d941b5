/**
 * @module Resource budget actions (seed 000 Resource Management): per agent and resource, a
 * warning and a critical threshold, each with an action (throttle, defer, reject, shutdown, or
 * log), and a cooldown before the same resource and level fires again. Given usage numbers it
 * decides which signals fire and publishes them on a {@link SignalBus}; it measures nothing
 * itself (the integrator passes tokens per hour, cost, CPU % and memory from wherever they live).
 */
import { AgentvisorError, type Clock, systemClock } from '../../core/index.js';
import {
  BUDGET_ACTIONS,
  BUDGET_RESOURCES,
  type BudgetAction,
  type BudgetLevel,
  type BudgetResource,
  type ResourceSignal,
} from './resource-signal.js';
import type { SignalBus } from './signal-bus.js';

/** Thresholds and actions for one resource (seed 000 `ResourceLimit`). */
export interface BudgetThreshold {
  /** Usage at or above which the warning action fires. */
  readonly warning: number;
  /** Usage at or above which the critical action fires (>= warning). */
  readonly critical: number;
  /** The action at the critical threshold, and at the warning one unless `warningAction` is set. */
  readonly action: BudgetAction;
  readonly warningAction?: BudgetAction;
  /** Seconds before the same resource and level fires again; default 60 (seed 000). */
  readonly cooldownSeconds?: number;
}

/** An agent's budget: any subset of resources. */
export type AgentBudget = Readonly<Partial<Record<BudgetResource, BudgetThreshold>>>;
/** Current usage per resource, in the budget's units (tokens/hour, USD, %, bytes). */
export type BudgetUsage = Readonly<Partial<Record<BudgetResource, number>>>;

/** Options for {@link BudgetActions}. */
export interface BudgetActionsOptions {
  readonly clock?: Clock;
  /** Where fired signals are published; without one, `evaluate` only returns them. */
  readonly bus?: SignalBus<ResourceSignal>;
}

interface AgentBudgetState {
  readonly budget: AgentBudget;
  /** Last firing time per (resource, level): index `resource * 2 + (critical ? 1 : 0)`; NaN never. */
  readonly lastFired: Float64Array;
}

/**
 * Decides budget actions and sends them to agents.
 *
 * @example
 * const budgets = new BudgetActions({ bus });
 * budgets.setBudget('a1', { tokens_per_hour: { warning: 8000, critical: 9500, action: 'defer' } });
 * budgets.evaluate('a1', { tokens_per_hour: 9600 }); // [{ action: 'defer', level: 'critical', ... }]
 */
export class BudgetActions {
  readonly #clock: Clock;
  readonly #bus: SignalBus<ResourceSignal> | undefined;
  readonly #agents = new Map<string, AgentBudgetState>();

  constructor(options: BudgetActionsOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#bus = options.bus;
  }

  /**
   * Sets (or replaces) an agent's budget; cooldowns already running are kept.
   * @throws AgentvisorError INPUT_INVALID naming the bad resource or field.
   */
  setBudget(agentId: string, budget: AgentBudget): void {
    validateBudget(agentId, budget);
    const previous = this.#agents.get(agentId);
    const lastFired =
      previous?.lastFired ?? new Float64Array(BUDGET_RESOURCES.length * 2).fill(Number.NaN);
    this.#agents.set(agentId, { budget, lastFired });
  }

  /** The agent's budget, if any. */
  budgetOf(agentId: string): AgentBudget | undefined {
    return this.#agents.get(agentId)?.budget;
  }

  /** Forgets an agent's budget and cooldowns. Returns whether it had a budget. */
  removeAgent(agentId: string): boolean {
    return this.#agents.delete(agentId);
  }

  /**
   * Compares usage with the agent's budget and returns the signals that fire now: for each
   * resource, the highest threshold reached, unless that resource and level fired within its
   * cooldown. Fired signals are also published on the bus. An agent without a budget gets none.
   */
  evaluate(agentId: string, usage: BudgetUsage, now = this.#clock.now()): ResourceSignal[] {
    const state = this.#agents.get(agentId);
    if (state === undefined) return [];
    const out: ResourceSignal[] = [];
    for (let r = 0; r < BUDGET_RESOURCES.length; r++) {
      const resource = BUDGET_RESOURCES[r]!;
      const t = state.budget[resource];
      const value = usage[resource];
      if (t === undefined || value === undefined || !Number.isFinite(value)) continue;
      const level: BudgetLevel | undefined =
        value >= t.critical ? 'critical' : value >= t.warning ? 'warning' : undefined;
      if (level === undefined) continue;
      const slot = r * 2 + (level === 'critical' ? 1 : 0);
      const last = state.lastFired[slot]!;
      const cooldownMs = (t.cooldownSeconds ?? 60) * 1000;
      if (!Number.isNaN(last) && now - last < cooldownMs) continue;
      state.lastFired[slot] = now;
      const action = level === 'critical' ? t.action : (t.warningAction ?? t.action);
      const threshold = level === 'critical' ? t.critical : t.warning;
      out.push({
        kind: 'resource.signal',
        agentId,
        action,
        resource,
        level,
        value,
        threshold,
        detail: `${resource} ${formatNumber(value)} reached the ${level} threshold ${formatNumber(threshold)}: ${action}`,
        at: now,
      });
    }
    if (this.#bus !== undefined) for (const signal of out) this.#bus.publish(signal);
    return out;
  }
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

function validateBudget(agentId: string, budget: AgentBudget): void {
  const where = `budget of agent ${agentId}`;
  for (const [resource, t] of Object.entries(budget)) {
    if (!(BUDGET_RESOURCES as readonly string[]).includes(resource)) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `${where}: unknown resource "${resource}"; allowed: ${BUDGET_RESOURCES.join(', ')}`,
      );
    }
    if (t === undefined) continue;
    const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
    if (!finite(t.warning) || !finite(t.critical) || t.critical < t.warning) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `${where}: ${resource} needs 0 <= warning <= critical, got warning ${t.warning}, critical ${t.critical}`,
      );
    }
    for (const [field, action] of [
      ['action', t.action],
      ['warningAction', t.warningAction],
    ] as const) {
      if (field === 'warningAction' && action === undefined) continue;
      if (!(BUDGET_ACTIONS as readonly string[]).includes(action as string)) {
        throw new AgentvisorError(
          'INPUT_INVALID',
          `${where}: ${resource}.${field} must be one of ${BUDGET_ACTIONS.join(', ')}, got ${String(action)}`,
        );
      }
    }
    if (t.cooldownSeconds !== undefined && !finite(t.cooldownSeconds)) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `${where}: ${resource}.cooldownSeconds must be a finite number >= 0, got ${t.cooldownSeconds}`,
      );
    }
  }
}

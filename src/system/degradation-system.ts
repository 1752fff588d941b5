/**
 * @module The degradation ladder in a running system: budget pressure (the highest spent+reserved
 * fraction of any budget limit) is checked every few seconds and on every budget threshold; each
 * step taken or reversed is recorded in the ledger; model calls are shaped by the current step;
 * pausing is left to supervision (which listens); and at the last step new model calls are
 * refused until a person approves a budget item.
 */
import {
  type BudgetEngine,
  DEGRADATION_STEPS,
  DegradationLadder,
  type LadderChange,
} from '../budget/index.js';
import type { AgentvisorConfig, Kernel } from '../core/index.js';
import type { ChatRequest } from '../gateway/index.js';
import type { Ledger } from '../ledger/index.js';
import type { ApprovalItem, ApprovalQueue } from '../policy/index.js';

const SPENDING_OPS = new Set(['llm.complete', 'llm.embed']);
const ACTOR = 'system:budget';

/** What the ladder shows. */
export interface DegradationStatus {
  readonly enabled: boolean;
  readonly level: number;
  readonly steps: readonly { step: string; taken: boolean; at: number }[];
  readonly pressure: number;
  readonly budget: string | null;
  readonly override: { approvalId: string; granted: boolean } | null;
}

/** The ladder, wired. */
export interface DegradationSystem {
  /** Reads budget pressure now and moves the ladder. */
  evaluate(): Promise<LadderChange | undefined>;
  /** A model request as the current step sends it. */
  shape(request: ChatRequest): ChatRequest;
  status(): DegradationStatus;
  /** Called with every change of level (supervision pauses and resumes agents on it). */
  onChange(listener: (change: LadderChange) => void): () => void;
  close(): void;
}

/** Builds the ladder and adds its limit stage to the kernel. */
export function openDegradationSystem(options: {
  kernel: Kernel;
  ledger: Ledger;
  budgets: BudgetEngine;
  approvals: ApprovalQueue;
  config: AgentvisorConfig['gateway']['degradation'];
  timers: boolean;
  onBackgroundError: (what: string) => (error: unknown) => void;
}): DegradationSystem {
  const { kernel, ledger, budgets, approvals, config } = options;
  const ladder = new DegradationLadder(config);
  const listeners = new Set<(change: LadderChange) => void>();
  let pressure = 0;
  let worst: string | null = null;
  let worstResetsAt = 0;
  let override: { approvalId: string; granted: boolean } | null = null;
  let evaluating: Promise<LadderChange | undefined> | undefined;

  kernel.addLimit({
    name: 'degradation',
    check(_principal, op) {
      if (!SPENDING_OPS.has(op.name) || !ladder.has('override') || override?.granted === true) {
        return { kind: 'allow' };
      }
      return {
        kind: 'reject',
        code: 'BUDGET_EXCEEDED',
        // Without an override, the pressure ends when the budget's window resets.
        retryAfterMs: Math.max(1000, worstResetsAt - kernel.clock.now()),
        reason: `spending is paused at ${(pressure * 100).toFixed(0)}% of ${worst ?? 'a budget'}: a person must approve ${override === null ? 'the budget override' : `approval ${override.approvalId}`} (agentvisor approvals approve ID --reason ...) before model calls resume`,
      };
    },
  });

  approvals.onChange((item: ApprovalItem) => {
    if (override === null || item.id !== override.approvalId) return;
    if (item.status === 'approved' && !override.granted) {
      override = { ...override, granted: true };
      void ledger
        .append({
          type: 'budget.degrade',
          actor: ACTOR,
          subject: 'override',
          payload: { direction: 'granted', approval: item.id, by: item.decidedBy ?? null },
        })
        .catch(options.onBackgroundError('degradation record'));
    }
  });

  const record = async (change: LadderChange) => {
    for (const [direction, steps] of [
      ['apply', change.applied],
      ['revert', change.reverted],
    ] as const) {
      for (const step of steps) {
        await ledger.append({
          type: 'budget.degrade',
          actor: ACTOR,
          subject: step,
          payload: {
            direction,
            pressure: Number(pressure.toFixed(4)),
            budget: worst,
            level: change.to,
          },
        });
      }
    }
  };

  const evaluate = async (): Promise<LadderChange | undefined> => {
    if (!config.enabled) return undefined;
    const statuses = await budgets.status();
    pressure = 0;
    worst = null;
    for (const b of statuses) {
      for (const l of b.limits) {
        if (l.fraction > pressure) {
          pressure = l.fraction;
          worst = `${b.budget} ${l.limit}`;
          worstResetsAt = l.resetsAt;
        }
      }
    }
    const change = ladder.update(pressure);
    if (change === undefined) return undefined;
    if (change.applied.includes('override')) {
      const item = await approvals.request({
        kind: 'budget',
        agentId: 'system',
        agent: 'team',
        summary: `Budget pressure ${(pressure * 100).toFixed(0)}% of ${worst}: approve to let model calls resume`,
        request: { pressure, budget: worst },
        requestedBy: ACTOR,
        ttlSeconds: 7 * 86_400,
      });
      override = { approvalId: item.id, granted: false };
    }
    if (change.reverted.includes('override')) override = null;
    await record(change);
    for (const listener of listeners) {
      try {
        listener(change);
      } catch (error) {
        options.onBackgroundError('degradation listener')(error);
      }
    }
    return change;
  };
  // One evaluation at a time: a threshold event during a timed check must not apply a step twice.
  const evaluateOnce = () => {
    evaluating ??= evaluate().finally(() => {
      evaluating = undefined;
    });
    return evaluating;
  };

  const stopActions = budgets.onAction(() => {
    void evaluateOnce().catch(options.onBackgroundError('degradation check'));
  });
  const timer =
    options.timers && config.enabled
      ? setInterval(() => {
          void evaluateOnce().catch(options.onBackgroundError('degradation check'));
        }, config.check_seconds * 1000).unref()
      : undefined;

  return {
    evaluate: evaluateOnce,
    shape: (request) => (ladder.level === 0 ? request : ladder.shape(request)),
    status: () => ({
      enabled: config.enabled,
      level: ladder.level,
      steps: DEGRADATION_STEPS.map((step) => ({
        step,
        taken: ladder.has(step),
        at: config[`${step}_at`],
      })),
      pressure,
      budget: worst,
      override,
    }),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      if (timer !== undefined) clearInterval(timer);
      stopActions();
    },
  };
}

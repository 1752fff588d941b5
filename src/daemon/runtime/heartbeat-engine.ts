/**
 * @module One heartbeat (seed 003): perceive → remember → reflect → deliberate → act → learn.
 *
 * Crash safety comes from the order of durable writes: the decision of a beat (its plan) is
 * saved before any action runs; each tool call's idempotency key is journalled before the tool
 * runs; the beat cursor advances and the inbox is acknowledged only after the last action. A
 * restart that finds a saved plan re-enters the same beat at the act phase, where the journal
 * answers calls that already ran, so completed side effects are not repeated.
 */
import { isAgentvisorError } from '../../core/index.js';
import type { Decision, DeliberationContext, DirectiveView } from '../deliberation/decision.js';
import type { Deliberator } from '../deliberation/deliberator.js';
import type { Observation } from '../perception/observation.js';
import type { Perceiver } from '../perception/perceiver.js';
import type { AgentOps, PersistedPlan, RuntimeState, ToolCallOutcome } from './agent-ops.js';
import { classifyError, type ErrorKind } from './recovery.js';

/** Who the agent is, for the reflect phase. */
export interface AgentProfile {
  readonly id: string;
  readonly name: string;
  readonly role: string;
  readonly description: string;
  readonly model: string | undefined;
  readonly constitution: readonly DirectiveView[];
  /** At most this many tool calls per beat (default 8). */
  readonly maxToolCallsPerBeat?: number;
  /** Relevant memories fetched for deliberation (default 5). */
  readonly recallLimit?: number;
}

/** Per-phase timings of one beat, in microseconds. */
export interface PhaseTimings {
  perceive: number;
  remember: number;
  reflect: number;
  deliberate: number;
  act: number;
  learn: number;
}

/** What one beat did. */
export interface BeatReport {
  readonly beat: number;
  readonly idle: boolean;
  /** Work is waiting: more observations than attended, or a goal still active. */
  readonly backlog: boolean;
  readonly resumed: boolean;
  readonly observations: number;
  readonly decision: Decision | undefined;
  readonly results: readonly ToolCallOutcome[];
  readonly finishedGoal: string | undefined;
  /** The task the beat worked on (null for idle beats and goals that serve no task). */
  readonly taskId: string | null;
  readonly phases: PhaseTimings;
  readonly tokens: number;
}

/** A beat that failed, with the kind that decides its recovery. */
export class BeatError extends Error {
  readonly kind: ErrorKind;
  readonly beat: number;
  readonly phase: keyof PhaseTimings;
  constructor(cause: unknown, beat: number, phase: keyof PhaseTimings) {
    super(isAgentvisorError(cause) ? cause.message : 'the beat failed with an internal error', {
      cause,
    });
    this.name = 'BeatError';
    this.kind = classifyError(cause);
    this.beat = beat;
    this.phase = phase;
  }
}

/** Runs beats for one agent. Holds no state that is not also durable, except timings. */
export class HeartbeatEngine {
  readonly #profile: AgentProfile;
  readonly #ops: AgentOps;
  readonly #perceiver: Perceiver;
  readonly #deliberator: Deliberator;
  #state: RuntimeState | undefined;
  #goalsPossible = true;

  constructor(options: {
    profile: AgentProfile;
    ops: AgentOps;
    perceiver: Perceiver;
    deliberator: Deliberator;
  }) {
    this.#profile = options.profile;
    this.#ops = options.ops;
    this.#perceiver = options.perceiver;
    this.#deliberator = options.deliberator;
  }

  /** The beat cursor, loaded on first use. */
  async state(): Promise<RuntimeState> {
    if (this.#state === undefined) {
      this.#state = (await this.#ops.loadState()) ?? {
        beat: 0,
        lastCompletedBeat: 0,
        status: 'running',
        intervalMs: 0,
        plan: null,
        metrics: {},
      };
    }
    return this.#state;
  }

  /** Persists status/interval changes made by the daemon (suspend, resume, adaptive pace). */
  async saveState(changes: Partial<Pick<RuntimeState, 'status' | 'intervalMs'>>): Promise<void> {
    const state = { ...(await this.state()), ...changes };
    this.#state = state;
    await this.#ops.saveState(state);
  }

  /** Runs one beat. Throws {@link BeatError} when a phase fails. */
  async beat(): Promise<BeatReport> {
    const state = await this.state();
    const phases: PhaseTimings = {
      perceive: 0,
      remember: 0,
      reflect: 0,
      deliberate: 0,
      act: 0,
      learn: 0,
    };
    let phase: keyof PhaseTimings = 'perceive';
    let mark = process.hrtime.bigint();
    const lap = (next: keyof PhaseTimings) => {
      const now = process.hrtime.bigint();
      phases[phase] += Number(now - mark) / 1000;
      mark = now;
      phase = next;
    };
    const beat = state.plan?.beat ?? state.beat + 1;
    try {
      // Resume: a saved plan means this beat decided but did not finish acting.
      if (state.plan !== null) {
        lap('act');
        const acted = await this.#act(state.plan);
        lap('learn');
        const finished = await this.#learn(state.plan, acted, []);
        lap('learn');
        return {
          beat,
          idle: false,
          backlog: true,
          resumed: true,
          observations: 0,
          decision: { thought: '', actions: state.plan.actions },
          results: acted.results,
          finishedGoal: finished,
          taskId: state.plan.taskId,
          phases,
          tokens: 0,
        };
      }

      const perception = await this.#perceiver.perceive();
      lap('remember');
      await this.#remember(perception.attended);
      lap('reflect');
      // Goals arrive only with observations (a task) or from this agent's own actions, so once
      // none is left an idle beat need not ask (goal.current is a recorded operation).
      const goal =
        this.#goalsPossible || perception.attended.length > 0
          ? await this.#ops.currentGoal()
          : null;
      this.#goalsPossible = goal !== null;
      if (goal === null && perception.attended.length === 0) {
        await this.#settleIdle(state, beat, perception.all);
        lap('learn');
        return idleReport(beat, perception.all.length, phases);
      }
      const context = await this.#reflect(goal, perception.attended);
      lap('deliberate');
      let decision: Decision | undefined;
      try {
        decision = await this.#deliberator.deliberate(context, this.#ops.gate);
      } catch (error) {
        if (goal?.taskId != null && isAgentvisorError(error, 'MODEL_OUTPUT_INVALID')) {
          // The failed reasoning is part of the visible trail too.
          await this.#ops.failedThought(goal.taskId, `(unusable model output) ${error.message}`);
        }
        if (goal !== null) await this.#ops.countAttempt(goal.id);
        throw error;
      }
      if (decision === undefined) {
        await this.#settleIdle(state, beat, perception.all);
        lap('learn');
        return idleReport(beat, perception.all.length, phases);
      }
      const cap = this.#profile.maxToolCallsPerBeat ?? 8;
      const actions = decision.actions.slice(0, cap);
      // The plan (and the thought behind it) is durable before any of its effects.
      const plan = await this.#ops.planBeat({
        ...cursorOf(state),
        beat,
        goalId: goal?.id ?? null,
        taskId: goal?.taskId ?? null,
        thought: decision.thought,
        actions,
      });
      this.#state = { ...state, beat, plan };
      lap('act');
      const acted = await this.#act(plan);
      this.#goalsPossible = true;
      lap('learn');
      const finished = await this.#learn(plan, acted, perception.all);
      lap('learn');
      return {
        beat,
        idle: false,
        backlog: perception.dropped.length > 0 || finished === undefined,
        resumed: false,
        observations: perception.all.length,
        decision,
        results: acted.results,
        finishedGoal: finished,
        taskId: plan.taskId,
        phases,
        tokens: decision.tokens ?? 0,
      };
    } catch (error) {
      throw error instanceof BeatError ? error : new BeatError(error, beat, phase);
    }
  }

  async #remember(observations: readonly Observation[]): Promise<void> {
    const episodic = observations
      .filter((o) => o.kind !== 'timer')
      .map((o) => ({ component: 'episodic' as const, content: o.summary }));
    if (episodic.length > 0) await this.#ops.remember(episodic);
    for (const o of observations) {
      const taskId = o.data?.['taskId'];
      if (o.kind === 'task' && typeof taskId === 'string') await this.#ops.adoptTask(taskId);
    }
  }

  async #reflect(
    current: Awaited<ReturnType<AgentOps['currentGoal']>>,
    observations: readonly Observation[],
  ): Promise<DeliberationContext> {
    // Adopting a task in the remember phase may have created the goal we now work on.
    const goal = current ?? (await this.#ops.currentGoal()) ?? undefined;
    const [memories, transcript, tools] = await Promise.all([
      goal === undefined
        ? Promise.resolve([])
        : this.#ops.recall(`${goal.title} ${goal.description}`, this.#profile.recallLimit ?? 5),
      goal === undefined ? Promise.resolve([]) : this.#ops.transcript(goal.id),
      this.#ops.tools(),
    ]);
    return {
      agent: {
        name: this.#profile.name,
        role: this.#profile.role,
        description: this.#profile.description,
        model: this.#profile.model,
        constitution: this.#profile.constitution,
      },
      goal,
      observations,
      memories,
      transcript,
      tools,
    };
  }

  async #act(plan: PersistedPlan): Promise<ActResult> {
    const results: ToolCallOutcome[] = [];
    const outcomes: ActResult['outcomes'] = [];
    let position = 0;
    for (const action of plan.actions) {
      position++;
      if (action.kind !== 'tool') continue;
      const started = performance.now();
      let outcome: ToolCallOutcome;
      try {
        outcome = await this.#ops.callTool({
          tool: action.tool,
          args: action.args,
          key: `${this.#profile.id}_${plan.beat}_${position}`,
          taskId: plan.taskId,
          goalId: plan.goalId,
          beat: plan.beat,
          position,
        });
      } catch (error) {
        // Refusals (policy, validation, limits) are answers the model must see, not crashes.
        if (!isAgentvisorError(error) || classifyError(error) === 'fatal') throw error;
        outcome = { ok: false, output: error.message, code: error.code, replayed: false };
      }
      results.push(outcome);
      if (!outcome.replayed) {
        outcomes.push({
          action: action.tool,
          success: outcome.ok,
          durationMs: performance.now() - started,
        });
      }
    }
    return { results, outcomes };
  }

  /** Acknowledges what an idle beat perceived (dropped low-salience messages included). */
  async #settleIdle(
    state: RuntimeState,
    beat: number,
    observations: readonly Observation[],
  ): Promise<void> {
    const acknowledge = inboxIds(observations);
    const next = { ...state, beat, lastCompletedBeat: beat };
    if (acknowledge.length > 0) {
      await this.#ops.completeBeat({
        ...cursorOf(next),
        thoughtId: null,
        thoughtStatus: 'completed',
        finish: null,
        outcomes: [],
        acknowledge,
      });
    }
    this.#state = next;
  }

  async #learn(
    plan: PersistedPlan,
    acted: ActResult,
    observations: readonly Observation[],
  ): Promise<string | undefined> {
    const finish = plan.actions.find((a) => a.kind === 'finish');
    const finished = finish !== undefined && plan.goalId !== null ? plan.goalId : undefined;
    const state = await this.state();
    const done: RuntimeState = {
      ...state,
      beat: plan.beat,
      lastCompletedBeat: plan.beat,
      plan: null,
      metrics: bump(state.metrics, {
        beats: 1,
        actions: plan.actions.length,
        goalsCompleted: finished === undefined ? 0 : 1,
      }),
    };
    // One recorded write settles the beat; acknowledging the inbox here means a crash before
    // this point delivers again what this beat perceived.
    await this.#ops.completeBeat({
      ...cursorOf(done),
      thoughtId: plan.thoughtId,
      thoughtStatus: acted.results.every((r) => r.ok) ? 'completed' : 'failed',
      finish:
        finish === undefined || plan.goalId === null
          ? null
          : { goalId: plan.goalId, outcome: finish.outcome },
      outcomes: acted.outcomes,
      acknowledge: inboxIds(observations),
    });
    this.#state = done;
    return finished;
  }
}

function bump(
  metrics: Readonly<Record<string, number>>,
  add: Record<string, number>,
): Record<string, number> {
  const out: Record<string, number> = { ...metrics };
  for (const [k, v] of Object.entries(add)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** The tool results of a plan, and the outcomes to learn from (calls that really ran). */
interface ActResult {
  readonly results: ToolCallOutcome[];
  readonly outcomes: { action: string; success: boolean; durationMs: number }[];
}

function inboxIds(observations: readonly Observation[]): string[] {
  return observations.filter((o) => o.source === 'inbox').map((o) => o.id);
}

function cursorOf(state: RuntimeState) {
  return {
    beat: state.beat,
    lastCompletedBeat: state.lastCompletedBeat,
    status: state.status,
    intervalMs: state.intervalMs,
    metrics: state.metrics,
  };
}

/** The report of a beat that decided nothing. */
function idleReport(beat: number, observations: number, phases: PhaseTimings): BeatReport {
  return {
    beat,
    idle: true,
    backlog: false,
    resumed: false,
    observations,
    decision: undefined,
    results: [],
    finishedGoal: undefined,
    taskId: null,
    phases,
    tokens: 0,
  };
}

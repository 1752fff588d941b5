/**
 * @module The orchestrator (seed 002's supervisor agent): takes a task from a person and runs
 * the 7-phase algorithm over the team's role agents. observe (context and past learnings),
 * think (options, by the model), plan (subtasks with a role and criteria, by the model),
 * build_criteria, execute (subtasks handed to role agents as tasks, in sequence or in parallel),
 * verify (results against the criteria, by the model), learn. A failed verify traces back to the
 * phase it names and the run continues from there, at most `max_rounds` times. Every phase is a
 * recorded step; every model call and every subtask goes through the kernel. The run's position
 * is stored before each action, so a run killed anywhere resumes where it was, and a subtask is
 * submitted under an id chosen before submission, so none is sent out twice.
 */
import {
  AgentvisorError,
  type CallerRef,
  type Clock,
  type Kernel,
  systemClock,
  type TeamConfig,
} from '../../core/index.js';
import { type SealedRecords, taskResultText } from '../../ledger/index.js';
import type { Store } from '../../store/index.js';
import type { AlgorithmPhase } from './algorithm-phases.js';
import {
  type Plan,
  parseModelJson,
  planSchema,
  type Verdict,
  verdictSchema,
} from './model-replies.js';
import type { RunState, RunStatus, SubtaskResult, TeamRun, TeamRunStore } from './run-store.js';

/** A role agent the orchestrator may hand work to. */
export interface TeamMember {
  readonly id: string;
  readonly name: string;
  readonly role: string;
  readonly description: string;
}

/** What a run reports as it goes (for `team run` to stream and for the bus). */
export type RunEvent =
  | {
      readonly kind: 'phase';
      readonly runId: string;
      readonly phase: AlgorithmPhase;
      readonly round: number;
      readonly summary: string;
      readonly ok: boolean;
    }
  | {
      readonly kind: 'handoff';
      readonly runId: string;
      readonly taskId: string;
      readonly agent: string;
      readonly role: string;
      readonly title: string;
      readonly position: number;
    }
  | {
      readonly kind: 'subtask';
      readonly runId: string;
      readonly taskId: string;
      readonly agent: string;
      readonly status: SubtaskResult['status'];
      readonly result: string;
      readonly position: number;
    }
  | {
      readonly kind: 'status';
      readonly runId: string;
      readonly status: RunStatus;
      readonly result?: string;
    };

/** Human approval before execute, when the run asks for it. */
export interface RunApprovals {
  request(run: TeamRun, plan: Plan): Promise<string>;
  status(id: string): Promise<'pending' | 'approved' | 'denied' | 'expired'>;
}

/** Past learnings in, new learnings out (the memory module, when wired). */
export interface RunMemory {
  recall(text: string): Promise<readonly string[]>;
  learn(learning: {
    runId: string;
    phase: AlgorithmPhase;
    content: string;
    success: boolean;
  }): Promise<void>;
}

/** Options for {@link Orchestrator}. */
export interface OrchestratorOptions {
  readonly kernel: Kernel;
  /** Who the orchestrator is at the gate. */
  readonly principal: CallerRef;
  readonly store: Store;
  readonly records: SealedRecords;
  readonly runs: TeamRunStore;
  readonly config: TeamConfig;
  readonly team: string;
  readonly roster: () => readonly TeamMember[];
  readonly approvals?: RunApprovals;
  readonly memory?: RunMemory;
  readonly onEvent?: (event: RunEvent) => void;
  readonly clock?: Clock;
}

const TERMINAL: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);
const ACTOR_OF = (c: CallerRef) => `${c.kind}:${c.id}`;

/** See the module comment. */
export class Orchestrator {
  readonly #o: OrchestratorOptions;
  readonly #clock: Clock;
  readonly #active = new Map<string, Promise<TeamRun>>();
  readonly #rewake = new Set<string>();
  readonly #listeners = new Set<(event: RunEvent) => void>();
  #stopping = false;

  constructor(options: OrchestratorOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    if (options.onEvent !== undefined) this.#listeners.add(options.onEvent);
  }

  /** Subscribes to run events; returns the unsubscribe function. */
  onEvent(listener: (event: RunEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Creates a run for `text` (a sealed task with no agent, owned by the team) and starts it.
   * Resolves with the run's task id once it is durable; `wait(id)` gives its end.
   */
  async submit(
    text: string,
    options: {
      title?: string;
      priority?: number;
      requireApproval?: boolean;
      deadline?: string;
    } = {},
  ): Promise<string> {
    if (this.#o.roster().length === 0) {
      throw new AgentvisorError(
        'CONFIG_INVALID',
        'the team has no role agents: add agents with a role (agentvisor init --team writes a team)',
      );
    }
    const task = await this.#o.records.createTask(
      {
        title: options.title ?? firstLine(text),
        description: text,
        ...(options.priority === undefined ? {} : { priority: options.priority }),
      },
      ACTOR_OF(this.#o.principal),
    );
    await this.#o.runs.create({
      taskId: task.id,
      team: this.#o.team,
      text,
      maxRounds: this.#o.config.max_rounds,
      requireApproval: options.requireApproval ?? this.#o.config.require_approval,
      deadline: options.deadline ?? null,
    });
    this.start(task.id);
    return task.id;
  }

  /** Drives a run in the background (once; a second call returns the same promise). */
  start(runId: string): Promise<TeamRun> {
    const running = this.#active.get(runId);
    if (running !== undefined) {
      // A wake-up (an approval decided) while the run is winding down must not be lost: the
      // drive looks again once it ends.
      this.#rewake.add(runId);
      return running;
    }
    const drive = this.#drive(runId).then(
      (run) => {
        this.#active.delete(runId);
        return this.#rewake.delete(runId) && !this.#stopping ? this.start(runId) : run;
      },
      (error: unknown) => {
        this.#active.delete(runId);
        this.#rewake.delete(runId);
        throw error;
      },
    );
    // The caller may not wait; a failure is already recorded on the run.
    drive.catch(() => {});
    this.#active.set(runId, drive);
    return drive;
  }

  /**
   * Waits until a run ends or stops to wait for a human's approval; starts it if it is not
   * running. A decided approval starts it again (see {@link start}).
   */
  wait(runId: string): Promise<TeamRun> {
    return this.#active.get(runId) ?? this.start(runId);
  }

  /** Resumes every unfinished run (at start, after a crash). Returns their ids. */
  async resumeAll(): Promise<string[]> {
    const runs = await this.#o.runs.unfinished();
    for (const run of runs) this.start(run.taskId);
    return runs.map((r) => r.taskId);
  }

  /** Cancels a run and its open subtasks. */
  async cancel(runId: string, reason: string): Promise<TeamRun> {
    const run = await this.#require(runId);
    if (TERMINAL.has(run.status)) {
      throw new AgentvisorError('CONFLICT', `run ${runId} already ended ${run.status}`);
    }
    await this.#finish(run, 'cancelled', `cancelled: ${reason}`);
    for (const sub of await this.#o.runs.subtasks(runId)) {
      const row = await this.#task(sub.taskId);
      if (row !== undefined && !TERMINAL.has(row.status)) {
        await this.#o.records.updateTask(
          sub.taskId,
          { status: 'cancelled', result: `run cancelled: ${reason}` },
          ACTOR_OF(this.#o.principal),
        );
      }
    }
    return this.#require(runId);
  }

  /** Stops driving runs (at shutdown); their state stays stored and resumes at next start. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.allSettled([...this.#active.values()]);
  }

  async #require(runId: string): Promise<TeamRun> {
    const run = await this.#o.runs.get(runId);
    if (run === undefined) {
      throw new AgentvisorError('NOT_FOUND', `no team run with task id ${runId}`);
    }
    return run;
  }

  #emit(event: RunEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A display failing must not stop the run.
      }
    }
  }

  async #drive(runId: string): Promise<TeamRun> {
    let run = await this.#require(runId);
    while (!TERMINAL.has(run.status) && !this.#stopping) {
      if (run.status === 'waiting_approval') {
        const decided = await this.#checkApproval(run);
        if (decided === undefined) break;
        run = decided;
        continue;
      }
      try {
        run = await this.#advance(run);
      } catch (error) {
        if (this.#stopping) break;
        const message = error instanceof Error ? error.message : String(error);
        await this.#o.runs.step(run.taskId, {
          phase: run.phase,
          round: run.round,
          status: 'failed',
          summary: message,
          output: { code: error instanceof AgentvisorError ? error.code : 'INTERNAL' },
        });
        await this.#finish(run, 'failed', `${run.phase} failed: ${message}`);
        run = await this.#require(runId);
      }
    }
    return run;
  }

  /** Performs the run's current phase and stores where it goes next. */
  async #advance(current: TeamRun): Promise<TeamRun> {
    let run = current;
    if (run.status === 'pending') {
      await this.#o.records.updateTask(
        run.taskId,
        { status: 'in_progress' },
        ACTOR_OF(this.#o.principal),
      );
      await this.#o.runs.update(run.taskId, { status: 'in_progress' });
      this.#emit({ kind: 'status', runId: run.taskId, status: 'in_progress' });
      run = { ...run, status: 'in_progress' };
    }
    const s = run.state;
    switch (run.phase) {
      case 'observe': {
        const learnings = (await this.#o.memory?.recall(s.text)) ?? [];
        const roster = this.#o.roster();
        const context = [
          `Team: ${roster.map((m) => `${m.name} (${m.role}${m.description === '' ? '' : `: ${m.description}`})`).join('; ')}`,
          learnings.length === 0
            ? ''
            : `Learnings from earlier tasks:\n${learnings.map((l) => `- ${l}`).join('\n')}`,
        ]
          .filter((x) => x !== '')
          .join('\n\n');
        return this.#next(
          run,
          'think',
          { ...s, context },
          `gathered context: ${roster.length} agents, ${learnings.length} learnings`,
          { learnings: learnings.length },
        );
      }
      case 'think': {
        const options = await this.#ask(
          run,
          'List two or three distinct ways the team could do this task, one short paragraph each, then say which you prefer and why.',
        );
        return this.#next(run, 'plan', { ...s, options }, 'weighed the options', { options });
      }
      case 'plan': {
        const plan = await this.#plan(run);
        return this.#next(
          run,
          'build_criteria',
          { ...s, plan },
          `${plan.pattern} plan of ${plan.subtasks.length} subtasks`,
          plan,
        );
      }
      case 'build_criteria': {
        const plan = requirePlan(s);
        const criteria = [
          ...plan.criteria,
          ...plan.subtasks.flatMap((t, i) =>
            (t.criteria.length === 0 ? ['finishes with a result'] : t.criteria).map(
              (c) => `subtask ${i} (${t.title}): ${c}`,
            ),
          ),
        ];
        const after = await this.#next(
          run,
          'execute',
          { ...s, criteria },
          `${criteria.length} criteria`,
          { criteria },
        );
        if (after.requireApproval && after.approvalId === null && this.#o.approvals !== undefined) {
          const approvalId = await this.#o.approvals.request(after, plan);
          await this.#o.records.updateTask(
            run.taskId,
            { status: 'waiting_approval' },
            ACTOR_OF(this.#o.principal),
          );
          await this.#o.runs.update(run.taskId, { status: 'waiting_approval', approvalId });
          this.#emit({ kind: 'status', runId: run.taskId, status: 'waiting_approval' });
          return this.#require(run.taskId);
        }
        return after;
      }
      case 'execute': {
        const results = await this.#execute(run);
        const failed = results.filter((r) => r.status !== 'completed').length;
        return this.#next(
          run,
          'verify',
          { ...s, results },
          `${results.length - failed} of ${results.length} subtasks completed`,
          { results },
          failed === 0,
        );
      }
      case 'verify':
        return this.#verify(run);
      case 'learn': {
        const verdict = s.verdict;
        const success = verdict?.pass === true;
        const content = success
          ? `Task "${firstLine(s.text)}" succeeded with a ${s.plan?.pattern ?? ''} plan: ${s.plan?.subtasks.map((t) => `${t.role}: ${t.title}`).join('; ')}`
          : `Task "${firstLine(s.text)}" failed after ${run.round} rounds: ${verdict?.reason ?? s.error ?? 'unknown reason'}`;
        await this.#o.memory?.learn({
          runId: run.taskId,
          phase: verdict?.failing_phase ?? 'learn',
          content,
          success,
        });
        await this.#o.runs.step(run.taskId, {
          phase: 'learn',
          round: run.round,
          status: 'ok',
          summary: content,
          output: { success },
        });
        this.#emit({
          kind: 'phase',
          runId: run.taskId,
          phase: 'learn',
          round: run.round,
          summary: content,
          ok: true,
        });
        const result = (s.results ?? []).map((r) => `[${r.agent}] ${r.result}`).join('\n\n');
        await this.#finish(
          run,
          success ? 'completed' : 'failed',
          success ? result : `${verdict?.reason ?? 'verification failed'}\n\n${result}`,
        );
        return this.#require(run.taskId);
      }
    }
  }

  async #next(
    run: TeamRun,
    phase: AlgorithmPhase,
    state: RunState,
    summary: string,
    output: unknown,
    ok = true,
  ): Promise<TeamRun> {
    await this.#o.runs.advance(
      run.taskId,
      { phase: run.phase, round: run.round, status: ok ? 'ok' : 'failed', summary, output },
      { phase, state },
    );
    this.#emit({
      kind: 'phase',
      runId: run.taskId,
      phase: run.phase,
      round: run.round,
      summary,
      ok,
    });
    return { ...run, phase, state };
  }

  async #plan(run: TeamRun): Promise<Plan> {
    const roster = this.#o.roster();
    const roles = [...new Set(roster.map((m) => m.role))];
    const previous =
      run.state.verdict !== undefined && !run.state.verdict.pass
        ? `\n\nThe previous plan failed verification: ${run.state.verdict.reason}. Plan differently.`
        : '';
    const instruction =
      `Plan the task as JSON: {"approach": string, "pattern": "sequential"|"parallel", ` +
      `"subtasks": [{"title": string, "role": one of ${JSON.stringify(roles)}, "description": string, "criteria": [string]}], "criteria": [string]}. ` +
      `At most ${this.#o.config.max_subtasks} subtasks. Use "sequential" when a subtask needs an earlier one's result.${previous}`;
    let reply = await this.#ask(run, instruction);
    for (let attempt = 1; ; attempt++) {
      try {
        const plan = parseModelJson(planSchema, reply, 'plan');
        const unknown = plan.subtasks.filter((t) => !roles.includes(t.role));
        if (unknown.length > 0) {
          throw new AgentvisorError(
            'MODEL_OUTPUT_INVALID',
            `the plan names roles the team does not have (${unknown.map((t) => t.role).join(', ')}); roles: ${roles.join(', ')}`,
          );
        }
        if (plan.subtasks.length > this.#o.config.max_subtasks) {
          throw new AgentvisorError(
            'MODEL_OUTPUT_INVALID',
            `the plan has ${plan.subtasks.length} subtasks; at most ${this.#o.config.max_subtasks}`,
          );
        }
        return plan;
      } catch (error) {
        if (attempt >= 2 || !(error instanceof AgentvisorError)) throw error;
        reply = await this.#ask(
          run,
          `${instruction}\n\nYour last reply could not be used: ${error.message}. Answer with the JSON only.`,
        );
      }
    }
  }

  async #verify(run: TeamRun): Promise<TeamRun> {
    const s = run.state;
    const results = s.results ?? [];
    const report = results
      .map((r) => `subtask ${r.position} by ${r.agent}: ${r.status}\n${r.result}`)
      .join('\n\n');
    const reply = await this.#ask(
      run,
      `Check the results against the criteria and answer as JSON: {"pass": boolean, "reason": string, ` +
        `"failing_phase": "plan"|"build_criteria"|"execute", "failed_subtasks": [positions]}.\n\n` +
        `Criteria:\n${(s.criteria ?? []).map((c) => `- ${c}`).join('\n')}\n\nResults:\n${report}`,
    );
    let verdict: Verdict = parseModelJson(verdictSchema, reply, 'verify');
    // A subtask that did not complete fails the run whatever the model says.
    const incomplete = results.filter((r) => r.status !== 'completed').map((r) => r.position);
    if (verdict.pass && incomplete.length > 0) {
      verdict = {
        pass: false,
        reason: `subtasks ${incomplete.join(', ')} did not complete`,
        failing_phase: 'execute',
        failed_subtasks: incomplete,
      };
    }
    const state = { ...s, verdict };
    if (verdict.pass) {
      return this.#next(run, 'learn', state, `passed: ${verdict.reason}`, verdict);
    }
    const back = verdict.failing_phase ?? 'execute';
    if (run.round >= run.maxRounds) {
      return this.#next(
        run,
        'learn',
        state,
        `failed in round ${run.round} of ${run.maxRounds} (${back}): ${verdict.reason}`,
        verdict,
        false,
      );
    }
    await this.#o.runs.advance(
      run.taskId,
      {
        phase: 'verify',
        round: run.round,
        status: 'failed',
        summary: `failed, back to ${back}: ${verdict.reason}`,
        output: verdict,
      },
      { phase: back, round: run.round + 1, state },
    );
    this.#emit({
      kind: 'phase',
      runId: run.taskId,
      phase: 'verify',
      round: run.round,
      summary: `failed, back to ${back}: ${verdict.reason}`,
      ok: false,
    });
    return { ...run, phase: back, round: run.round + 1, state };
  }

  /** Runs the plan's subtasks for this round; positions that passed earlier rounds keep their result. */
  async #execute(run: TeamRun): Promise<SubtaskResult[]> {
    const plan = requirePlan(run.state);
    const failedBefore = new Set(run.state.verdict?.failed_subtasks ?? []);
    const earlier = new Map((run.state.results ?? []).map((r) => [r.position, r]));
    const redo = (position: number) => {
      const prior = earlier.get(position);
      if (prior === undefined || prior.status !== 'completed') return true;
      // A retry of execute redoes the failed subtasks; a new plan redoes everything.
      return failedBefore.has(position) || run.state.verdict?.failing_phase !== 'execute';
    };
    const positions = plan.subtasks.map((_, i) => i);
    const results = new Map<number, SubtaskResult>();
    if (plan.pattern === 'parallel') {
      const settled = await Promise.all(
        positions.map((p) =>
          redo(p) || run.round === 1
            ? this.#runSubtask(run, plan, p, [])
            : Promise.resolve(earlier.get(p)!),
        ),
      );
      for (const r of settled) results.set(r.position, r);
    } else {
      for (const p of positions) {
        const r =
          redo(p) || run.round === 1
            ? await this.#runSubtask(run, plan, p, [...results.values()])
            : earlier.get(p)!;
        results.set(p, r);
      }
    }
    return positions.map((p) => results.get(p)!);
  }

  async #runSubtask(
    run: TeamRun,
    plan: Plan,
    position: number,
    before: readonly SubtaskResult[],
  ): Promise<SubtaskResult> {
    const spec = plan.subtasks[position]!;
    const agent = await this.#pick(spec.role);
    const record = await this.#o.runs.subtask(run.taskId, run.round, position, () => ({
      role: spec.role,
      agent,
      title: spec.title,
      criteria: spec.criteria,
    }));
    const existing = await this.#task(record.taskId);
    if (existing === undefined || existing.status === 'pending') {
      const description = [
        spec.description,
        spec.criteria.length === 0
          ? ''
          : `Success criteria:\n${spec.criteria.map((c) => `- ${c}`).join('\n')}`,
        before.length === 0
          ? ''
          : `Results so far:\n${before.map((r) => `- [${r.agent}] ${r.result}`).join('\n')}`,
        `Part of: ${firstLine(run.state.text)}`,
      ]
        .filter((x) => x !== '')
        .join('\n\n');
      await this.#o.kernel.call(this.#o.principal, 'task.submit', {
        id: record.taskId,
        agent: record.agent,
        title: spec.title,
        description: description.slice(0, 64 * 1024),
        parentId: run.taskId,
      });
      this.#emit({
        kind: 'handoff',
        runId: run.taskId,
        taskId: record.taskId,
        agent: record.agent,
        role: record.role,
        title: record.title,
        position,
      });
    }
    const done = await this.#awaitTask(record.taskId);
    const result: SubtaskResult = {
      position,
      taskId: record.taskId,
      agent: record.agent,
      status: done.status as SubtaskResult['status'],
      result: done.result,
    };
    this.#emit({
      kind: 'subtask',
      runId: run.taskId,
      taskId: record.taskId,
      agent: record.agent,
      status: result.status,
      result: result.result,
      position,
    });
    return result;
  }

  /** The agent of `role` with the fewest open tasks (ties: the first in the roster). */
  async #pick(role: string): Promise<string> {
    const members = this.#o.roster().filter((m) => m.role === role);
    if (members.length === 0) {
      throw new AgentvisorError('CONFIG_INVALID', `no agent has the role "${role}"`);
    }
    if (members.length === 1) return members[0]!.name;
    const open = await this.#o.store.db
      .selectFrom('tasks')
      .select(['agent_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where(
        'agent_id',
        'in',
        members.map((m) => m.id),
      )
      .where('status', 'in', ['assigned', 'in_progress'])
      .groupBy('agent_id')
      .execute();
    const load = new Map(open.map((r) => [r.agent_id, Number(r.n)]));
    let best = members[0]!;
    for (const m of members) if ((load.get(m.id) ?? 0) < (load.get(best.id) ?? 0)) best = m;
    return best.name;
  }

  async #task(id: string) {
    return this.#o.store.db
      .selectFrom('tasks')
      .select(['status', 'result', 'created_at'])
      .where('id', '=', id)
      .executeTakeFirst();
  }

  async #awaitTask(id: string): Promise<{ status: string; result: string }> {
    const timeoutMs = this.#o.config.subtask_timeout_seconds * 1000;
    for (;;) {
      const row = await this.#task(id);
      if (row !== undefined && TERMINAL.has(row.status)) {
        return { status: row.status, result: taskResultText(row.result) ?? '' };
      }
      if (this.#stopping)
        throw new AgentvisorError('SHUTTING_DOWN', 'the orchestrator is stopping');
      if (row !== undefined && this.#clock.now() - Date.parse(row.created_at) > timeoutMs) {
        await this.#o.records.updateTask(
          id,
          {
            status: 'failed',
            result: `timed out after ${this.#o.config.subtask_timeout_seconds} s`,
          },
          ACTOR_OF(this.#o.principal),
        );
        continue;
      }
      await this.#taskChangeOr(id, this.#o.config.poll_ms);
    }
  }

  /** Resolves when task `id` is updated in this process, or after `ms` (updates from elsewhere). */
  #taskChangeOr(id: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const stop = this.#o.records.onTaskUpdate((task) => {
        if (task.id === id) done();
      });
      function done() {
        clearTimeout(timer);
        stop();
        resolve();
      }
    });
  }

  /**
   * Looks at a waiting run's approval once: approved continues it, denied or expired cancels
   * it, still pending leaves it (whoever decides calls `start` again).
   */
  async #checkApproval(run: TeamRun): Promise<TeamRun | undefined> {
    const approvals = this.#o.approvals;
    if (approvals === undefined || run.approvalId === null) return undefined;
    const status = await approvals.status(run.approvalId);
    if (status === 'approved') {
      await this.#o.records.updateTask(
        run.taskId,
        { status: 'in_progress' },
        ACTOR_OF(this.#o.principal),
      );
      await this.#o.runs.update(run.taskId, { status: 'in_progress' });
      this.#emit({ kind: 'status', runId: run.taskId, status: 'in_progress' });
      return this.#require(run.taskId);
    }
    if (status === 'denied' || status === 'expired') {
      await this.#finish(run, 'cancelled', `not approved (${status})`);
      return this.#require(run.taskId);
    }
    return undefined;
  }

  async #ask(run: TeamRun, instruction: string): Promise<string> {
    const model = this.#o.config.model;
    if (model === undefined) {
      throw new AgentvisorError(
        'CONFIG_INVALID',
        'team.model is not set: name the gateway alias the orchestrator plans with',
      );
    }
    const s = run.state;
    const { result } = await this.#o.kernel.call<{ response: { content: string } }>(
      this.#o.principal,
      'llm.complete',
      {
        request: {
          model,
          messages: [
            {
              role: 'system',
              content: `You are the orchestrator of team ${this.#o.team}. You split tasks among role agents, check results against criteria and learn from outcomes.`,
            },
            {
              role: 'user',
              content: [
                {
                  type: 'text',
                  text: [
                    `Task: ${s.text}`,
                    s.context ?? '',
                    s.options === undefined ? '' : `Options considered:\n${s.options}`,
                    instruction,
                  ]
                    .filter((x) => x !== '')
                    .join('\n\n'),
                },
              ],
            },
          ],
          maxTokens: 2048,
        },
        context: { taskId: run.taskId },
      },
    );
    return result.response.content;
  }

  async #finish(
    run: TeamRun,
    status: 'completed' | 'failed' | 'cancelled',
    result: string,
  ): Promise<void> {
    await this.#o.records.updateTask(run.taskId, { status, result }, ACTOR_OF(this.#o.principal));
    await this.#o.runs.update(run.taskId, {
      status,
      ...(status === 'failed' ? { state: { ...run.state, error: result } } : {}),
    });
    this.#emit({ kind: 'status', runId: run.taskId, status, result });
  }
}

function requirePlan(s: RunState): Plan {
  if (s.plan === undefined) throw new AgentvisorError('INTERNAL', 'the run has no plan yet');
  return s.plan;
}

function firstLine(text: string): string {
  const line = text.trim().split('\n', 1)[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 197)}...` : line || 'team task';
}

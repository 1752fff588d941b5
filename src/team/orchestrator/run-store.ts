/**
 * @module Team runs as stored: the run (status, phase, round, state), its append-only phase
 * steps and its subtasks. Every change is written before the orchestrator acts on it, which is
 * what lets a run killed at any point resume without redoing finished work.
 */

import type { Transaction } from 'kysely';
import { type Clock, newId, systemClock } from '../../core/index.js';
import type { Database, Store, TeamRunTable } from '../../store/index.js';
import type { AlgorithmPhase } from './algorithm-phases.js';
import type { Plan, Verdict } from './model-replies.js';

/** Where a run stands. `waiting_approval` waits for a human before it executes. */
export type RunStatus =
  | 'pending'
  | 'waiting_approval'
  | 'in_progress'
  | 'completed'
  | 'failed'
  | 'cancelled';

/** What a run has learnt so far; grows phase by phase. */
export interface RunState {
  readonly text: string;
  readonly context?: string;
  readonly options?: string;
  readonly plan?: Plan;
  readonly criteria?: readonly string[];
  /** Per plan position, the latest subtask's outcome. */
  readonly results?: readonly SubtaskResult[];
  readonly verdict?: Verdict;
  readonly error?: string;
}

/** A subtask's outcome as the run sees it. */
export interface SubtaskResult {
  readonly position: number;
  readonly taskId: string;
  readonly agent: string;
  readonly status: 'completed' | 'failed' | 'cancelled';
  readonly result: string;
}

/** A run as loaded. */
export interface TeamRun {
  readonly taskId: string;
  readonly team: string;
  readonly status: RunStatus;
  readonly phase: AlgorithmPhase;
  readonly round: number;
  readonly maxRounds: number;
  readonly requireApproval: boolean;
  readonly approvalId: string | null;
  readonly state: RunState;
  readonly deadline: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** One recorded phase step. */
export interface RunStep {
  readonly seq: number;
  readonly phase: AlgorithmPhase;
  readonly round: number;
  readonly status: 'ok' | 'failed';
  readonly summary: string;
  readonly output: unknown;
  readonly createdAt: string;
}

/** A step to record (its number and time are given by the store). */
type NewStep = Omit<RunStep, 'seq' | 'createdAt'>;

/** What moving a run on may change. */
type RunChanges = Partial<Pick<TeamRun, 'status' | 'phase' | 'round' | 'approvalId' | 'state'>>;

/** A subtask row: which plan position of which round, given to whom. */
export interface SubtaskRecord {
  readonly taskId: string;
  readonly round: number;
  readonly position: number;
  readonly role: string;
  readonly agent: string;
  readonly title: string;
  readonly criteria: readonly string[];
}

/** See the module comment. */
export class TeamRunStore {
  readonly #store: Store;
  readonly #clock: Clock;

  constructor(store: Store, clock: Clock = systemClock) {
    this.#store = store;
    this.#clock = clock;
  }

  #now(): string {
    return new Date(this.#clock.now()).toISOString();
  }

  /** Records a new run of the task `taskId` (already created in `tasks`). */
  async create(input: {
    taskId: string;
    team: string;
    text: string;
    maxRounds: number;
    requireApproval: boolean;
    deadline: string | null;
  }): Promise<TeamRun> {
    const now = this.#now();
    const row: TeamRunTable = {
      task_id: input.taskId,
      team: input.team,
      status: 'pending',
      phase: 'observe',
      round: 1,
      max_rounds: input.maxRounds,
      require_approval: input.requireApproval ? 1 : 0,
      approval_id: null,
      state: JSON.stringify({ text: input.text } satisfies RunState),
      deadline: input.deadline,
      created_at: now,
      updated_at: now,
    };
    await this.#store.db.insertInto('team_runs').values(row).execute();
    return decodeRun(row);
  }

  /** A run, or undefined. */
  async get(taskId: string): Promise<TeamRun | undefined> {
    const row = await this.#store.db
      .selectFrom('team_runs')
      .selectAll()
      .where('task_id', '=', taskId)
      .executeTakeFirst();
    return row === undefined ? undefined : decodeRun(row);
  }

  /** Runs not finished, oldest first (to resume at start). */
  async unfinished(): Promise<TeamRun[]> {
    const rows = await this.#store.db
      .selectFrom('team_runs')
      .selectAll()
      .where('status', 'in', ['pending', 'waiting_approval', 'in_progress'])
      .orderBy('created_at')
      .execute();
    return rows.map(decodeRun);
  }

  /** Writes a run's new status, phase, round, approval and state. */
  async update(taskId: string, changes: RunChanges): Promise<void> {
    await this.#store.db
      .updateTable('team_runs')
      .set(this.#runColumns(changes))
      .where('task_id', '=', taskId)
      .execute();
  }

  /** Appends a phase step. */
  async step(taskId: string, step: NewStep): Promise<RunStep> {
    return this.#store.writeTransaction((trx) => this.#appendStep(trx, taskId, step), {
      lock: 'team_steps',
    });
  }

  /**
   * Appends a phase step and moves the run on in one transaction: one durable write per phase
   * instead of two, and never a step recorded without the position it led to.
   */
  async advance(taskId: string, step: NewStep, changes: RunChanges): Promise<RunStep> {
    return this.#store.writeTransaction(
      async (trx) => {
        const recorded = await this.#appendStep(trx, taskId, step);
        await trx
          .updateTable('team_runs')
          .set(this.#runColumns(changes))
          .where('task_id', '=', taskId)
          .execute();
        return recorded;
      },
      { lock: 'team_steps' },
    );
  }

  #runColumns(changes: RunChanges) {
    return {
      ...(changes.status === undefined ? {} : { status: changes.status }),
      ...(changes.phase === undefined ? {} : { phase: changes.phase }),
      ...(changes.round === undefined ? {} : { round: changes.round }),
      ...(changes.approvalId === undefined ? {} : { approval_id: changes.approvalId }),
      ...(changes.state === undefined ? {} : { state: JSON.stringify(changes.state) }),
      updated_at: this.#now(),
    };
  }

  async #appendStep(trx: Transaction<Database>, taskId: string, step: NewStep): Promise<RunStep> {
    const last = await trx
      .selectFrom('team_steps')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .where('task_id', '=', taskId)
      .executeTakeFirst();
    const seq = Number(last?.seq ?? 0) + 1;
    const createdAt = this.#now();
    await trx
      .insertInto('team_steps')
      .values({
        id: newId(this.#clock),
        task_id: taskId,
        seq,
        phase: step.phase,
        round: step.round,
        status: step.status,
        summary: step.summary,
        output: JSON.stringify(step.output ?? null),
        created_at: createdAt,
      })
      .execute();
    return { ...step, seq, createdAt };
  }

  /** A run's steps in order. */
  async steps(taskId: string): Promise<RunStep[]> {
    const rows = await this.#store.db
      .selectFrom('team_steps')
      .selectAll()
      .where('task_id', '=', taskId)
      .orderBy('seq')
      .execute();
    return rows.map((r) => ({
      seq: Number(r.seq),
      phase: r.phase as AlgorithmPhase,
      round: Number(r.round),
      status: r.status as RunStep['status'],
      summary: r.summary,
      output: JSON.parse(r.output) as unknown,
      createdAt: r.created_at,
    }));
  }

  /**
   * The subtask of `round` at `position`, created with `make` when there is none yet. Written
   * before the subtask is submitted, with the id the submission will use, so a crash between the
   * two resubmits the same task instead of a second one.
   */
  async subtask(
    runId: string,
    round: number,
    position: number,
    make: () => Omit<SubtaskRecord, 'taskId' | 'round' | 'position'>,
  ): Promise<SubtaskRecord> {
    const existing = await this.#store.db
      .selectFrom('team_subtasks')
      .selectAll()
      .where('run_id', '=', runId)
      .where('round', '=', round)
      .where('position', '=', position)
      .executeTakeFirst();
    if (existing !== undefined) return decodeSubtask(existing);
    const fresh = make();
    const row = {
      task_id: newId(this.#clock),
      run_id: runId,
      round,
      position,
      role: fresh.role,
      agent: fresh.agent,
      title: fresh.title,
      criteria: JSON.stringify(fresh.criteria),
      created_at: this.#now(),
    };
    await this.#store.db.insertInto('team_subtasks').values(row).execute();
    return decodeSubtask(row);
  }

  /** Every subtask of a run, by round and position. */
  async subtasks(runId: string): Promise<SubtaskRecord[]> {
    const rows = await this.#store.db
      .selectFrom('team_subtasks')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('round')
      .orderBy('position')
      .execute();
    return rows.map(decodeSubtask);
  }
}

function decodeRun(row: TeamRunTable): TeamRun {
  return {
    taskId: row.task_id,
    team: row.team,
    status: row.status as RunStatus,
    phase: row.phase as AlgorithmPhase,
    round: Number(row.round),
    maxRounds: Number(row.max_rounds),
    requireApproval: Number(row.require_approval) === 1,
    approvalId: row.approval_id,
    state: JSON.parse(row.state) as RunState,
    deadline: row.deadline,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function decodeSubtask(row: {
  task_id: string;
  round: number;
  position: number;
  role: string;
  agent: string;
  title: string;
  criteria: string;
}): SubtaskRecord {
  return {
    taskId: row.task_id,
    round: Number(row.round),
    position: Number(row.position),
    role: row.role,
    agent: row.agent,
    title: row.title,
    criteria: JSON.parse(row.criteria) as string[],
  };
}

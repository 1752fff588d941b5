/**
 * @module Ledger verification as background jobs for `POST /api/v1/ledger/verify`. A full
 * verification reads every entry and checks every signature, which takes longer than a request
 * should wait on a large ledger, so the API starts a job, answers at once, and the dashboard polls
 * the job for progress and the verifier's result. Jobs live in this process's memory only: at
 * most {@link VerifyJobsOptions.maxRunning} run at once, and the last
 * {@link VerifyJobsOptions.keep} are kept.
 */
import { z } from 'zod';
import {
  AgentvisorError,
  type Clock,
  newId,
  systemClock,
  toAgentvisorError,
} from '../../core/index.js';
import type { LedgerVerifyReport } from '../../ledger/index.js';

/** The first bad thing the verifier found, as the verifier reports it. */
const findingSchema = z.object({
  seq: z.number().int().describe('The seq of the first bad entry (or of what the claim covers)'),
  kind: z
    .string()
    .describe('modified, deleted, inserted, reordered, truncated, bad_signature or unknown_key'),
  where: z.string().describe('entry, checkpoint, anchor, head or record'),
  detail: z.string().describe('One sentence a person can act on'),
  record: z.object({ table: z.string(), id: z.string() }).optional(),
});

/** The verifier's result: the same fields as `agentvisor audit verify --json`. */
export const verifyResultSchema = z.object({
  ok: z.boolean(),
  entries: z.number().int().describe('Entries whose hash, link and signature were checked'),
  checkpoints: z.number().int().describe('Checkpoints (database, anchors) checked'),
  firstBad: findingSchema.nullable(),
  size: z.number().int().describe('Entries in the log'),
  anchors: z.number().int(),
  records: z.number().int().describe('Sealed task and thought rows checked'),
  mode: z.enum(['full', 'fast']),
  durationMs: z.number(),
});

/** One verification job as the API shows it. */
export const verifyJobSchema = z.object({
  id: z.string(),
  state: z
    .enum(['running', 'passed', 'failed', 'error'])
    .describe('failed: the ledger is not intact; error: the verification itself could not run'),
  mode: z.enum(['full', 'fast']),
  checked: z.number().int().describe('Entries read so far'),
  total: z.number().int().describe('Entries to read'),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  result: verifyResultSchema.optional(),
  firstBad: z
    .object({
      seq: z.number().int(),
      kind: z.string(),
      where: z.string(),
      reason: z.string(),
      record: z.object({ table: z.string(), id: z.string() }).optional(),
    })
    .optional()
    .describe("The first bad entry of a failed job: the verifier's finding, its detail as reason"),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

/** A job's state. */
export type VerifyJobView = z.infer<typeof verifyJobSchema>;

/** Options for {@link VerifyJobs}. */
export interface VerifyJobsOptions {
  /** Jobs running at once (default 2); one more start is refused with `RATE_LIMITED`. */
  readonly maxRunning?: number;
  /** Jobs kept, finished ones dropped oldest first (default 20). */
  readonly keep?: number;
  readonly clock?: Clock;
}

/** What {@link VerifyJobs.start} runs. */
export interface VerifyJobRun {
  readonly mode: 'full' | 'fast';
  /** Entries the verifier will read, for the first answer (the verifier's progress updates it). */
  readonly total: number;
  /** Runs the verifier, reporting progress through `onProgress`. */
  readonly verify: (
    onProgress: (done: number, total: number) => void,
  ) => Promise<LedgerVerifyReport>;
}

/**
 * The jobs of one node.
 *
 * @example
 * const jobs = new VerifyJobs();
 * const job = jobs.start({ mode: 'full', total, verify: (onProgress) =>
 *   verifyLedger({ store, origin, onProgress }) });
 * jobs.get(job.id).state; // 'running', then 'passed' or 'failed'
 */
export class VerifyJobs {
  readonly #jobs = new Map<string, VerifyJobView>();
  readonly #maxRunning: number;
  readonly #keep: number;
  readonly #clock: Clock;

  constructor(options: VerifyJobsOptions = {}) {
    this.#maxRunning = options.maxRunning ?? 2;
    this.#keep = Math.max(options.keep ?? 20, this.#maxRunning);
    this.#clock = options.clock ?? systemClock;
  }

  /** Starts a job and returns its first state; `RATE_LIMITED` when enough are running already. */
  start(run: VerifyJobRun): VerifyJobView {
    const running = [...this.#jobs.values()].filter((j) => j.state === 'running');
    if (running.length >= this.#maxRunning) {
      throw new AgentvisorError(
        'RATE_LIMITED',
        `${running.length} ledger verifications are running already (${running.map((j) => j.id).join(', ')}); wait for one to finish`,
        { details: { running: running.map((j) => j.id), retryAfterMs: 1000 } },
      );
    }
    const id = newId(this.#clock);
    const job: VerifyJobView = {
      id,
      state: 'running',
      mode: run.mode,
      checked: 0,
      total: run.total,
      startedAt: this.#iso(),
    };
    this.#jobs.set(id, job);
    this.#trim();
    const update = (patch: Partial<VerifyJobView>) => {
      const current = this.#jobs.get(id);
      if (current !== undefined) this.#jobs.set(id, { ...current, ...patch });
    };
    void run
      .verify((done, total) => update({ checked: done, total }))
      .then(
        (report) => update(finished(report, this.#iso())),
        (error: unknown) => {
          const e = toAgentvisorError(error);
          update({
            state: 'error',
            finishedAt: this.#iso(),
            error: { code: e.code, message: e.message },
          });
        },
      );
    return job;
  }

  /** One job; `NOT_FOUND` when the id is unknown or the job was dropped. */
  get(id: string): VerifyJobView {
    const job = this.#jobs.get(id);
    if (job === undefined) {
      throw new AgentvisorError(
        'NOT_FOUND',
        `no ledger verification job ${id}; only the last ${this.#keep} jobs of this process are kept`,
        { details: { id } },
      );
    }
    return job;
  }

  /** Every kept job, newest first. */
  list(): VerifyJobView[] {
    return [...this.#jobs.values()].reverse();
  }

  /** Drops the oldest finished jobs past the limit; running jobs always stay. */
  #trim(): void {
    for (const [id, job] of this.#jobs) {
      if (this.#jobs.size <= this.#keep) return;
      if (job.state !== 'running') this.#jobs.delete(id);
    }
  }

  #iso(): string {
    return new Date(this.#clock.now()).toISOString();
  }
}

function finished(report: LedgerVerifyReport, at: string): Partial<VerifyJobView> {
  const result = {
    ok: report.ok,
    entries: report.entries,
    checkpoints: report.checkpoints,
    firstBad: report.firstBad,
    size: report.size,
    anchors: report.anchors,
    records: report.records,
    mode: report.mode,
    durationMs: report.durationMs,
  };
  if (report.ok || report.firstBad === null) {
    return { state: report.ok ? 'passed' : 'failed', finishedAt: at, result };
  }
  const { seq, kind, where, detail, record } = report.firstBad;
  return {
    state: 'failed',
    finishedAt: at,
    result,
    firstBad: { seq, kind, where, reason: detail, ...(record === undefined ? {} : { record }) },
  };
}

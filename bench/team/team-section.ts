/**
 * @module The sections `npm run bench -- team` runs, and the shape a new one takes. Issue 7
 * asks for a third figure, orchestration overhead per subtask excluding the model (target
 * <= 2 ms); it belongs to the orchestrator, so it is added as its own section: write
 * `bench/team/orchestration.ts` exporting a {@link TeamSection} and append it to
 * `TEAM_SECTIONS` in `bench/team.bench.ts`.
 */
import type { BenchContext, Verdict } from '../lib.js';

/** What a section reports: table rows (measure, value), verdicts, and its BENCH_JSON part. */
export interface TeamSectionResult {
  readonly title: string;
  /** Column headers of `rows`. */
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly verdicts: readonly Verdict[];
  readonly json: Record<string, unknown>;
}

/** One measured part of the team benchmark. */
export interface TeamSection {
  /** Key of its BENCH_JSON part, e.g. `bus`. */
  readonly name: string;
  run(ctx: BenchContext): Promise<TeamSectionResult>;
}

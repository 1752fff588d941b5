/**
 * @module `npm run bench -- team`: the team module's costs (issue 7). Runs each section of
 * {@link TEAM_SECTIONS} and prints its table and verdicts, then one BENCH_JSON line.
 * - bus: in-process throughput (target >= 500,000 msgs/s) and send→handle p50/p99 (target
 *   p99 <= 50 µs); the Redis Streams bus and raw Redis Streams (XADD/XREADGROUP with ioredis,
 *   same message size) in the same run, as a ratio (target >= 50%). Redis URL:
 *   `AGENTVISOR_BENCH_REDIS_URL`, else `AGENTVISOR_TEST_REDIS_URL`, else 127.0.0.1:6379; when it
 *   does not answer, the Redis rows are skipped with the reason.
 * - orchestration: overhead per subtask excluding the model (target <= 2 ms): team runs of
 *   parallel subtasks with an instant model stub and instant agents (`bench/team/orchestration.ts`).
 * Options: `--quick` (fewer messages).
 */
import { type BenchContext, printTable, type Verdict, verdictLine } from './lib.js';
import { busSection } from './team/bus-section.js';
import { orchestrationSection } from './team/orchestration.js';
import type { TeamSection } from './team/team-section.js';

export type { TeamSection, TeamSectionResult } from './team/team-section.js';

/** The sections, in the order they run. */
export const TEAM_SECTIONS: TeamSection[] = [busSection, orchestrationSection];

export async function run(ctx: BenchContext): Promise<void> {
  const verdicts: Verdict[] = [];
  const parts: Record<string, unknown> = {};
  for (const section of TEAM_SECTIONS) {
    const result = await section.run(ctx);
    console.log(`\n${result.title}`);
    printTable(result.headers, result.rows);
    for (const v of result.verdicts) console.log(verdictLine(v));
    verdicts.push(...result.verdicts);
    parts[section.name] = result.json;
  }
  const summary = {
    bench: 'team',
    quick: ctx.quick,
    machine: ctx.machine,
    ...parts,
    verdicts: verdicts.map((v) => ({
      name: v.name,
      measured: v.measured,
      unit: v.unit,
      op: v.op,
      goal: v.goal,
      verdict: v.verdict,
    })),
  };
  console.log(`\nBENCH_JSON ${JSON.stringify(summary)}`);
}

/**
 * @module Orchestration overhead per subtask, excluding the model: a real system (SQLite in a
 * temp dir, the kernel, the ledger) runs team runs of N parallel subtasks against a zero-latency
 * model stub, with the role agents replaced by a completer that finishes each subtask the moment
 * it is assigned. What is left of a run's wall time once the time inside `llm.complete` calls is
 * taken out is the orchestrator's own work (seven recorded phase steps, sealed task records,
 * subtask submission through the gate, result collection), divided by N.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { configSchema } from '../../src/core/index.js';
import { createLogger, openSystem } from '../../src/system/index.js';
import { fmtNum, judge } from '../lib.js';
import type { TeamSection } from './team-section.js';

/** Figures of one measurement. */
export interface OrchestrationFigures {
  readonly subtasks: number;
  readonly runs: number;
  /** Median over runs of (wall − model time) / subtasks, in ms. */
  readonly perSubtaskMs: number;
  readonly perSubtaskP90Ms: number;
  readonly modelShare: number;
}

function planReply(n: number): string {
  return JSON.stringify({
    pattern: 'parallel',
    subtasks: Array.from({ length: n }, (_, i) => ({ title: `part ${i}`, role: 'worker' })),
  });
}

async function startOrchestratorStub(
  subtasks: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString();
      const content = raw.includes('Plan the task as JSON')
        ? planReply(subtasks)
        : raw.includes('Check the results')
          ? '{"pass": true, "reason": "ok"}'
          : 'options';
      const body = JSON.stringify({
        id: 'chatcmpl-bench',
        object: 'chat.completion',
        created: 1_700_000_000,
        model: 'stub',
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      });
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Measures `runs` team runs of `subtasks` parallel subtasks each. */
export async function measureOrchestration(options: {
  subtasks: number;
  runs: number;
}): Promise<OrchestrationFigures> {
  const dir = path.join(os.tmpdir(), `agentvisor-orch-bench-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const stub = await startOrchestratorStub(options.subtasks);
  const system = await openSystem({
    config: configSchema.parse({
      gateway: {
        providers: [{ name: 'stub', kind: 'openai', base_url: stub.url }],
        models: { smart: { chain: [{ provider: 'stub', model: 'stub' }] } },
        rate_limits: { burst: 1_000_000, refill_per_second: 1_000_000 },
      },
      team: { model: 'smart', poll_ms: 10, max_subtasks: 100 },
      agents: [{ name: 'worker', role: 'worker', deliberation: 'utility' }],
    }),
    dataDir: path.join(dir, 'data'),
    logger: createLogger({ level: 'silent', format: 'json' }),
    configDir: dir,
    env: { ...process.env, AGENTVISOR_REDIS_URL: '' },
  });
  let modelUs = 0;
  system.kernel.observe({
    record: (e) => {
      if (e.op === 'llm.complete') modelUs += e.durationUs;
    },
  });
  // The completer: a role agent whose work takes no time at all, finishing each subtask as
  // soon as it is assigned.
  const stopCompleting = system.records.onTaskUpdate((task) => {
    if (task.parent_id !== null && task.status === 'assigned') {
      system.records
        .updateTask(task.id, { status: 'completed', result: 'done' }, 'system:bench')
        .catch(() => {});
    }
  });
  const operator = { kind: 'system', id: 'system' } as const;
  const perSubtask: number[] = [];
  let wallTotal = 0;
  let modelTotal = 0;
  try {
    for (let i = 0; i < options.runs; i++) {
      modelUs = 0;
      const started = performance.now();
      const { result } = await system.kernel.call<{ id: string }>(operator, 'team.run', {
        text: `bench run ${i}`,
      });
      const run = await system.team.orchestrator.wait(result.id);
      const wall = performance.now() - started;
      if (run.status !== 'completed') throw new Error(`bench run ended ${run.status}`);
      const modelMs = modelUs / 1000;
      wallTotal += wall;
      modelTotal += modelMs;
      perSubtask.push((wall - modelMs) / options.subtasks);
    }
  } finally {
    stopCompleting();
    await system.close({ checkpoint: false });
    await stub.close();
    rmSync(dir, { recursive: true, force: true });
  }
  perSubtask.sort((a, b) => a - b);
  return {
    subtasks: options.subtasks,
    runs: options.runs,
    perSubtaskMs: perSubtask[Math.floor(perSubtask.length / 2)] ?? 0,
    perSubtaskP90Ms:
      perSubtask[Math.min(perSubtask.length - 1, Math.floor(perSubtask.length * 0.9))] ?? 0,
    modelShare: wallTotal === 0 ? 0 : modelTotal / wallTotal,
  };
}

/** The `orchestration` section of `npm run bench -- team` (target <= 2 ms per subtask). */
export const orchestrationSection: TeamSection = {
  name: 'orchestration',
  async run(ctx) {
    const subtasks = ctx.quick ? 5 : 10;
    const runs = ctx.quick ? 3 : 10;
    const figures = await measureOrchestration({ subtasks, runs });
    // The run's fixed cost (seven phase steps, the run's own sealed task) divided by N inflates
    // the average; the marginal cost of one more subtask is what grows with the plan.
    const single = await measureOrchestration({ subtasks: 1, runs });
    const marginalMs =
      (figures.perSubtaskMs * subtasks - single.perSubtaskMs) / Math.max(1, subtasks - 1);
    const verdict = judge({
      name: 'orchestration overhead per subtask (excl. model)',
      measured: figures.perSubtaskMs,
      unit: 'ms',
      op: '<=',
      goal: 2,
    });
    return {
      title: `Orchestration overhead (${runs} runs of ${subtasks} parallel subtasks, instant model and agents)`,
      headers: ['measure', 'value'],
      rows: [
        ['per subtask, median (ms)', fmtNum(figures.perSubtaskMs, 2)],
        ['per subtask, p90 (ms)', fmtNum(figures.perSubtaskP90Ms, 2)],
        ['share of run time in the model', `${fmtNum(figures.modelShare * 100, 1)}%`],
        ['run with 1 subtask, excl. model (ms)', fmtNum(single.perSubtaskMs, 2)],
        ['marginal cost of one more subtask (ms)', fmtNum(marginalMs, 2)],
      ],
      verdicts: [verdict],
      json: { ...figures, singleSubtaskRunMs: single.perSubtaskMs, marginalMs },
    };
  },
};

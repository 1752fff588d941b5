/**
 * @module Choosing the runner for an isolation level and running one call through it.
 */
import { AgentvisorError } from '../../core/index.js';
import { inlineRunner } from './inline-runner.js';
import { processRunner } from './process-runner.js';
import type { Isolation, SandboxRequest, SandboxRunner } from './sandbox-types.js';
import { workerRunner } from './worker-runner.js';

const RUNNERS: Record<Isolation, SandboxRunner> = {
  inline: inlineRunner,
  worker: workerRunner,
  process: processRunner,
};

/** The runner for `isolation`. */
export function sandboxRunner(isolation: Isolation): SandboxRunner {
  const runner = RUNNERS[isolation];
  if (runner === undefined)
    throw new AgentvisorError(
      'INPUT_INVALID',
      `isolation: ${JSON.stringify(isolation)} is not one of inline, worker, process`,
      { details: { path: 'isolation' } },
    );
  return runner;
}

/**
 * Runs one call of a tool module at the requested isolation and returns its JSON result. A throw
 * becomes `TOOL_FAILED`, a crash, exit or out-of-memory `SANDBOX_CRASHED`, an overrun `TIMEOUT`;
 * in every case the caller keeps running.
 *
 * @example
 * const sum = await runInSandbox({
 *   isolation: 'worker', modulePath: '/srv/tools/sum.mjs', args: { a: 1, b: 2 },
 *   timeoutMs: 5_000, memoryMb: 64,
 * });
 */
export async function runInSandbox(request: SandboxRequest): Promise<unknown> {
  if (!(Number.isInteger(request.timeoutMs) && request.timeoutMs > 0))
    throw new AgentvisorError(
      'INPUT_INVALID',
      `timeoutMs: must be a positive integer, got ${request.timeoutMs}`,
    );
  if (!(Number.isInteger(request.memoryMb) && request.memoryMb >= 8))
    throw new AgentvisorError(
      'INPUT_INVALID',
      `memoryMb: must be an integer >= 8, got ${request.memoryMb}`,
    );
  return sandboxRunner(request.isolation).run(request);
}

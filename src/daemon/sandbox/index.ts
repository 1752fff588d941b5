/**
 * @module Sandboxes for tool modules: one {@link SandboxRunner} per isolation level (inline,
 * worker thread, child process) behind {@link runInSandbox}.
 */
export { inlineRunner } from './inline-runner.js';
export { processRunner } from './process-runner.js';
export { runInSandbox, sandboxRunner } from './run-in-sandbox.js';
export {
  ISOLATION_LEVELS,
  type Isolation,
  type SandboxRequest,
  type SandboxRunner,
} from './sandbox-types.js';
export { workerRunner } from './worker-runner.js';

/**
 * @module Sandboxes for tool modules: one {@link SandboxRunner} per isolation level (inline,
 * worker thread, child process) behind {@link runInSandbox}, and {@link killGroup} for ending a
 * detached child with all it spawned.
 */
export { inlineRunner } from './inline-runner.js';
export { killGroup } from './kill-group.js';
export { processRunner } from './process-runner.js';
export { runInSandbox, sandboxRunner } from './run-in-sandbox.js';
export {
  ISOLATION_LEVELS,
  type Isolation,
  type SandboxRequest,
  type SandboxRunner,
} from './sandbox-types.js';
export { workerRunner } from './worker-runner.js';

/**
 * @module The kernel operations behind an agent's heartbeat: beat cursor and plan, inbox,
 * tasks, goals, memory, tools and governance. Each runs through the gate with the agent as
 * principal, so every step of an agent's work is authorised, limited and recorded like any other
 * side effect. One file per area under `operations/`.
 */
import type { Kernel } from '../../core/index.js';
import { registerBeatOperations } from './operations/beat-operations.js';
import { registerGoalOperations } from './operations/goal-operations.js';
import { registerGovernanceOperations } from './operations/governance-operations.js';
import { registerInboxOperations } from './operations/inbox-operations.js';
import { registerMemoryOperations } from './operations/memory-operations.js';
import { type DaemonOperationServices, operationScope } from './operations/operation-scope.js';
import { registerTaskOperations } from './operations/task-operations.js';
import { registerToolOperations } from './operations/tool-operations.js';

export type { DaemonOperationServices } from './operations/operation-scope.js';

/** Registers every daemon operation; see the module comment. */
export function registerDaemonOperations(kernel: Kernel, services: DaemonOperationServices): void {
  const scope = operationScope(services);
  registerBeatOperations(kernel, scope);
  registerInboxOperations(kernel, scope);
  registerTaskOperations(kernel, scope);
  registerGoalOperations(kernel, scope);
  registerMemoryOperations(kernel, scope);
  registerToolOperations(kernel, scope);
  registerGovernanceOperations(kernel, scope);
}

/**
 * @module The one rule for a tool family an agent was not granted: a missing scope section means
 * the agent has no tool of that family, so every such call is `POLICY_DENIED` with the same words.
 */
import { AgentvisorError } from '../../core/index.js';
import type { ToolContext, ToolScopes } from './tool-types.js';

/** How the denial names each family. */
const FAMILY_NAMES: Record<keyof ToolScopes, string> = {
  fs: 'file system',
  http: 'http',
  shell: 'shell',
};

/**
 * The agent's scope for `family`; `POLICY_DENIED`, naming `tool`, when it has none.
 *
 * @example
 * const scope = requireScope(ctx, 'shell', 'shell.exec');
 */
export function requireScope<F extends keyof ToolScopes>(
  ctx: ToolContext,
  family: F,
  tool: string,
): NonNullable<ToolScopes[F]> {
  const scope = ctx.scopes[family];
  if (scope === undefined)
    throw new AgentvisorError(
      'POLICY_DENIED',
      `${tool}: agent ${ctx.agentId} has no ${FAMILY_NAMES[family]} scope`,
    );
  return scope as NonNullable<ToolScopes[F]>;
}

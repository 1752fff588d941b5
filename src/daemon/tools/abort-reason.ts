/**
 * @module The error a tool throws when its work is cut short: `TIMEOUT` when its own time limit
 * ran out, the caller's reason when that is already typed, otherwise `TOOL_FAILED` saying the
 * call was cancelled.
 */
import { AgentvisorError, isAgentvisorError } from '../../core/index.js';

/**
 * Maps an abort to a typed error. `deadline` is the tool's own timeout signal, if any.
 *
 * @example
 * if (signal.aborted) throw abortError('http.fetch', ctx.signal, deadline, 5000);
 */
export function abortError(
  tool: string,
  caller: AbortSignal,
  deadline: AbortSignal | undefined,
  timeoutMs: number,
): AgentvisorError {
  if (deadline?.aborted && !caller.aborted)
    return new AgentvisorError('TIMEOUT', `${tool} did not finish within ${timeoutMs} ms`, {
      details: { tool, timeoutMs },
    });
  if (isAgentvisorError(caller.reason)) return caller.reason;
  return new AgentvisorError('TOOL_FAILED', `${tool} was cancelled by its caller`, {
    details: { tool },
  });
}

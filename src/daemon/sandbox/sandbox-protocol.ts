/**
 * @module The message a sandboxed call sends back, and how the host turns it, or the sandbox's
 * death without it, into a result or a typed error. Worker and process runners share it, so a
 * throw, a crash, an exit, an out-of-memory kill or a timeout reads the same from either.
 */
import path from 'node:path';
import { AgentvisorError, isAgentvisorError } from '../../core/index.js';

/** What the bootstrap posts: the result as JSON text, or why there is none. */
export type SandboxReply =
  | { ok: true; json: string }
  | { ok: false; stage: 'load' | 'export' | 'call' | 'result'; name: string; message: string };

const MAX_MESSAGE = 500;

function label(modulePath: string, exportName: string): string {
  return `tool module ${path.basename(modulePath)}#${exportName}`;
}

/** The result a reply carries; throws the `TOOL_FAILED` error a failed reply describes. */
export function settleReply(reply: SandboxReply, modulePath: string, exportName: string): unknown {
  if (reply.ok) return JSON.parse(reply.json) as unknown;
  const what = label(modulePath, exportName);
  const message = reply.message.slice(0, MAX_MESSAGE);
  const text = {
    load: `${what} could not be loaded: ${message}`,
    export: `${what}: the module has no function export ${JSON.stringify(exportName)}`,
    call: `${what} threw ${reply.name}: ${message}`,
    result: `${what} returned a value that is not JSON-serialisable: ${message}`,
  }[reply.stage];
  throw new AgentvisorError('TOOL_FAILED', text, {
    details: { module: modulePath, export: exportName, stage: reply.stage },
  });
}

/** `SANDBOX_CRASHED` for a sandbox that ended without replying. */
export function crashed(
  modulePath: string,
  exportName: string,
  how: string,
  details: Record<string, unknown> = {},
): AgentvisorError {
  return new AgentvisorError(
    'SANDBOX_CRASHED',
    `${label(modulePath, exportName)} ${how} before returning a result; its agent is unaffected`,
    { details: { module: modulePath, export: exportName, ...details } },
  );
}

/** `TIMEOUT` for a sandbox stopped at its deadline, or the caller's reason for an abort. */
export function stopped(
  modulePath: string,
  exportName: string,
  timeoutMs: number,
  caller: AbortSignal | undefined,
): AgentvisorError {
  if (caller?.aborted) {
    if (isAgentvisorError(caller.reason)) return caller.reason;
    return new AgentvisorError(
      'TOOL_FAILED',
      `${label(modulePath, exportName)} was cancelled by its caller`,
      {
        details: { module: modulePath, export: exportName },
      },
    );
  }
  return new AgentvisorError(
    'TIMEOUT',
    `${label(modulePath, exportName)} did not finish within ${timeoutMs} ms and was stopped`,
    { details: { module: modulePath, export: exportName, timeoutMs } },
  );
}

/** `SANDBOX_CRASHED` for a sandbox that hit its heap cap, however the runner learnt of it. */
export function outOfMemory(
  modulePath: string,
  exportName: string,
  memoryMb: number,
): AgentvisorError {
  return crashed(modulePath, exportName, `ran out of memory (limit ${memoryMb} MB)`, {
    reason: 'out_of_memory',
    memoryMb,
  });
}

/**
 * `SANDBOX_CRASHED` for a sandbox that ended without replying. Exit code 0 means the module's
 * promise was still pending when nothing was left to run, so it could never have settled.
 */
export function exitedEarly(
  modulePath: string,
  exportName: string,
  code: number | null,
  signal: string | null,
): AgentvisorError {
  const how =
    signal !== null
      ? `was killed by ${signal}`
      : code === 0
        ? 'returned a promise that can never settle (nothing was left to run) and ended'
        : `exited with code ${code}`;
  return crashed(modulePath, exportName, how, { reason: 'exited', exitCode: code, signal });
}

/**
 * @module Hooks written as ESM modules, run in-process. The module is imported once (a file
 * URL resolved against the config directory) and its export checked to be a function; each
 * call gets its own copy of the payload and an AbortSignal, and loses a race against the
 * hook's time limit. In-process means a hook that blocks the event loop (a busy loop) cannot
 * be stopped: the timeout covers hooks that await, which is what a well-behaved hook does.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AgentvisorError } from '../../core/index.js';
import type { HookEvent } from './hook-events.js';

/** What a module hook receives beside its payload. */
export interface HookContext {
  readonly event: HookEvent;
  /** Position of this hook in the `hooks:` list. */
  readonly hookIndex: number;
  /** Aborted when the hook's time limit passes; a hook should stop its work then. */
  readonly signal: AbortSignal;
}

/**
 * The function a module hook exports. Its return value (or resolved value) is its answer:
 * for `PreToolUse`, `{decision: 'allow'}`, `{decision: 'allow', args}`, `{decision: 'deny',
 * reason}` or nothing (allow); for the other events it is ignored.
 *
 * @example
 * // hooks/guard.mjs
 * export default async function guard(payload) {
 *   if (payload.tool === 'shell.exec' && payload.args.command === 'rm') {
 *     return { decision: 'deny', reason: 'rm is not allowed' };
 *   }
 * }
 */
export type HookFunction = (payload: unknown, context: HookContext) => unknown;

/** Where a module hook lives and how errors should name it. */
export interface ModuleHookSource {
  /** Absolute path of the module file. */
  readonly file: string;
  /** Export to call. */
  readonly exportName: string;
  /** The hook's config path for error messages, e.g. `hooks[1]`. */
  readonly label: string;
}

/**
 * Imports a module hook and returns its function.
 *
 * @throws {AgentvisorError} `CONFIG_INVALID` when the file is missing, fails to load, or has no
 *   such export that is a function
 * @example
 * const fn = await loadHookFunction({ file: '/srv/hooks/guard.mjs', exportName: 'default', label: 'hooks[0]' });
 */
export async function loadHookFunction(source: ModuleHookSource): Promise<HookFunction> {
  const { file, exportName, label } = source;
  const found = await stat(file).catch(() => undefined);
  if (found === undefined || !found.isFile())
    throw new AgentvisorError('CONFIG_INVALID', `${label}.module: no such file: ${file}`, {
      details: { path: `${label}.module`, file },
    });
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new AgentvisorError(
      'CONFIG_INVALID',
      `${label}.module: ${file} failed to load: ${error instanceof Error ? error.message : String(error)}`,
      { details: { path: `${label}.module`, file }, cause: error },
    );
  }
  const fn = namespace[exportName];
  if (typeof fn !== 'function') {
    const functions = Object.keys(namespace).filter((k) => typeof namespace[k] === 'function');
    throw new AgentvisorError(
      'CONFIG_INVALID',
      `${label}.export: ${path.basename(file)} has no function export ${JSON.stringify(exportName)}; its function exports: ${functions.length > 0 ? functions.join(', ') : 'none'}`,
      { details: { path: `${label}.export`, file, export: exportName, available: functions } },
    );
  }
  return fn as HookFunction;
}

/** One call of a module hook. */
export interface ModuleHookCall {
  /** The hook's function, or its pending load (a failed load fails the call). */
  readonly fn: Promise<HookFunction>;
  /** The payload as JSON; parsed afresh so a hook that mutates it changes nothing outside. */
  readonly payloadJson: string;
  readonly event: HookEvent;
  readonly hookIndex: number;
  readonly timeoutMs: number;
}

/**
 * Calls a module hook with a time limit and returns its answer.
 *
 * @throws {AgentvisorError} `TIMEOUT` when the hook did not answer in time; anything the hook
 *   (or its load) threw, as is
 * @example
 * const answer = await callModuleHook({ fn, payloadJson, event: 'PreToolUse', hookIndex: 0, timeoutMs: 5000 });
 */
export async function callModuleHook(call: ModuleHookCall): Promise<unknown> {
  const controller = new AbortController();
  const context: HookContext = {
    event: call.event,
    hookIndex: call.hookIndex,
    signal: controller.signal,
  };
  const answer = call.fn.then((fn) => fn(JSON.parse(call.payloadJson), context));
  // A hook that loses the race may still settle later; its rejection must not go unhandled.
  answer.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new AgentvisorError('TIMEOUT', `did not answer within ${call.timeoutMs} ms`, {
        details: { hookIndex: call.hookIndex, timeoutMs: call.timeoutMs },
      });
      controller.abort(error);
      reject(error);
    }, call.timeoutMs);
  });
  try {
    return await Promise.race([answer, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

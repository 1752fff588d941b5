/**
 * @module The `inline` runner: the tool module runs on the daemon's own thread. Cheapest, for
 * trusted code only: its timeout stops the wait, not the work, a synchronous endless loop blocks
 * the agent, and its memory is the daemon's.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type SandboxReply, settleReply, stopped } from './sandbox-protocol.js';
import type { SandboxRequest, SandboxRunner } from './sandbox-types.js';

function fail(stage: 'load' | 'call' | 'result', error: unknown): SandboxReply {
  const e = error as { name?: unknown; message?: unknown } | null;
  return {
    ok: false,
    stage,
    name: e?.name ? String(e.name) : 'Error',
    message: e?.message !== undefined ? String(e?.message) : String(error),
  };
}

async function callInline(url: string, exportName: string, args: unknown): Promise<SandboxReply> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    return fail('load', error);
  }
  const fn = mod[exportName];
  if (typeof fn !== 'function')
    return { ok: false, stage: 'export', name: 'TypeError', message: 'not a function' };
  let result: unknown;
  try {
    // A JSON round trip gives the module its own copy, as the other isolation levels do.
    result = await fn(JSON.parse(JSON.stringify(args ?? null)));
  } catch (error) {
    return fail('call', error);
  }
  try {
    const json = JSON.stringify(result === undefined ? null : result);
    if (json === undefined) throw new TypeError('the value has no JSON form');
    return { ok: true, json };
  } catch (error) {
    return fail('result', error);
  }
}

/** Runs tool modules on the caller's thread. */
export const inlineRunner: SandboxRunner = {
  isolation: 'inline',
  async run(request: SandboxRequest): Promise<unknown> {
    const exportName = request.exportName ?? 'default';
    const url = pathToFileURL(path.resolve(request.modulePath)).href;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const cutOff = new Promise<never>((_, reject) => {
      const stop = () =>
        reject(stopped(request.modulePath, exportName, request.timeoutMs, request.signal));
      timer = setTimeout(stop, request.timeoutMs);
      onAbort = stop;
      if (request.signal?.aborted) stop();
      request.signal?.addEventListener('abort', stop, { once: true });
    });
    try {
      const reply = await Promise.race([callInline(url, exportName, request.args), cutOff]);
      return settleReply(reply, request.modulePath, exportName);
    } finally {
      clearTimeout(timer);
      if (onAbort !== undefined) request.signal?.removeEventListener('abort', onAbort);
    }
  },
};

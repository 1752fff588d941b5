/**
 * @module The code that runs inside a worker or child process to load a tool module, call it
 * and post a {@link SandboxReply}. It is kept as source text rather than a file so that it runs
 * the same from the compiled `dist/` and from TypeScript sources under a test runner: a worker
 * or `node -e` cannot load a `.ts` file.
 */

// Plain JavaScript valid both as a CommonJS script (worker eval) and as an ES module (`-e`).
const CALL_TOOL = `
function sandboxFail(stage, e) {
  return {
    ok: false,
    stage,
    name: e && e.name ? String(e.name) : 'Error',
    message: e && e.message !== undefined ? String(e.message) : String(e),
  };
}
async function callTool(url, exportName, args) {
  let mod;
  try { mod = await import(url); } catch (e) { return sandboxFail('load', e); }
  const fn = mod[exportName];
  if (typeof fn !== 'function') return { ok: false, stage: 'export', name: 'TypeError', message: 'not a function' };
  let result;
  try { result = await fn(args); } catch (e) { return sandboxFail('call', e); }
  try {
    const json = JSON.stringify(result === undefined ? null : result);
    if (json === undefined) throw new TypeError('the value has no JSON form');
    return { ok: true, json };
  } catch (e) { return sandboxFail('result', e); }
}
`;

/** Worker bootstrap: the call's inputs arrive as `workerData`, the reply leaves by `postMessage`. */
export const WORKER_BOOTSTRAP = `${CALL_TOOL}
const { parentPort, workerData } = require('node:worker_threads');
callTool(workerData.url, workerData.exportName, workerData.args).then((reply) => parentPort.postMessage(reply));
`;

/**
 * Child-process bootstrap: the call's inputs arrive as the first IPC message; the child exits
 * once its reply is sent, whatever timers the tool left behind.
 */
export const PROCESS_BOOTSTRAP = `${CALL_TOOL}
process.once('message', (request) => {
  callTool(request.url, request.exportName, request.args).then((reply) => {
    process.send(reply, () => process.exit(0));
  });
});
`;

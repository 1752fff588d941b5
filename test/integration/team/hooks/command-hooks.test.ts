/**
 * Command hooks against real child processes: the payload on stdin, the answer on stdout, a
 * hanging hook killed with its process group at the time limit, failures recorded.
 */
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type HookConfigInput,
  type HookRecord,
  HookRunner,
  MAX_HOOK_ANSWER_BYTES,
} from '../../../../src/team/hooks/index.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'av-cmd-hooks-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A command hook that runs `script` with this Node (CommonJS, as `node -e` does). */
function node(script: string): string[] {
  return [process.execPath, '-e', script];
}

/** Reads all of stdin, then calls `body` with the parsed payload as `p`. */
function withPayload(body: string): string {
  return `let s = ''; process.stdin.on('data', (d) => { s += d; });
    process.stdin.on('end', () => { const p = JSON.parse(s); ${body} });`;
}

function runner(hooks: HookConfigInput[], records: HookRecord[] = []): HookRunner {
  return new HookRunner({ hooks, baseDir: dir, onRecord: (r) => void records.push(r) });
}

const call = {
  agent: 'code',
  agentId: 'agent-1',
  tool: 'shell.exec',
  args: { command: 'ls' },
  taskId: 'task-9',
};

/** True while `pid` is a live process (a zombie awaiting its reaper counts as ended). */
function alive(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (existsSync('/proc/self/stat')) {
    if (!existsSync(stat)) return false;
    const state = readFileSync(stat, 'utf8').split(') ')[1]?.[0];
    return state !== 'Z' && state !== 'X';
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('command hooks', () => {
  it('reads the payload on stdin and answers on stdout: amend, then deny', async () => {
    const amend = node(
      withPayload(
        `console.log(JSON.stringify({ decision: 'allow', args: { ...p.args, cwd: p.taskId } }));`,
      ),
    );
    const guard = node(
      withPayload(`
        if (p.args.cwd !== 'task-9') process.exit(9);
        console.log(JSON.stringify({ decision: 'deny', reason: p.tool + ' refused on ' + process.env.AGENTVISOR_HOOK_EVENT }));`),
    );
    const records: HookRecord[] = [];
    const hooks = runner(
      [
        { event: 'PreToolUse', command: amend },
        { event: 'PreToolUse', command: guard, match: { tool: 'shell.*' } },
      ],
      records,
    );
    await hooks.load();
    expect(await hooks.run('PreToolUse', call)).toMatchObject({
      decision: 'deny',
      reason: 'shell.exec refused on PreToolUse',
      hookIndex: 1,
    });
    const allowed = await hooks.run('PreToolUse', { ...call, tool: 'fs.read' });
    expect(allowed).toMatchObject({ decision: 'allow', args: { command: 'ls', cwd: 'task-9' } });
    expect(records.map((r) => r.outcome)).toEqual(['amended', 'denied', 'amended']);
  });

  it('treats a hook that prints nothing as no opinion', async () => {
    const records: HookRecord[] = [];
    const outcome = await runner(
      [{ event: 'PreToolUse', command: node(withPayload('')) }],
      records,
    ).run('PreToolUse', call);
    expect(outcome.decision).toBe('allow');
    expect(records).toEqual([expect.objectContaining({ outcome: 'ok' })]);
  });

  it('hands observers the whole payload', async () => {
    const out = path.join(dir, 'seen.json');
    const hooks = runner([
      {
        event: 'SubagentStop',
        command: node(
          `process.stdin.pipe(require('node:fs').createWriteStream(${JSON.stringify(out)}));`,
        ),
      },
    ]);
    await hooks.run('SubagentStop', { agent: 'data', taskId: 't-1', outcome: 'failed' });
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual({
      agent: 'data',
      taskId: 't-1',
      outcome: 'failed',
    });
  });

  it('records a non-zero exit, and denies when the hook fails closed', async () => {
    const exit3 = node(withPayload('process.exit(3);'));
    const records: HookRecord[] = [];
    const open = await runner([{ event: 'PreToolUse', command: exit3 }], records).run(
      'PreToolUse',
      call,
    );
    expect(open.decision).toBe('allow');
    expect(records).toEqual([
      expect.objectContaining({ hookIndex: 0, outcome: 'error', error: 'exited with code 3' }),
    ]);
    const closed = await runner([{ event: 'PreToolUse', command: exit3, on_error: 'deny' }]).run(
      'PreToolUse',
      call,
    );
    expect(closed).toMatchObject({
      decision: 'deny',
      reason: 'hook hooks[0] failed and its on_error is deny: exited with code 3',
    });
  });

  it('records stdout that is not JSON without repeating it', async () => {
    const records: HookRecord[] = [];
    await runner(
      [{ event: 'PreToolUse', command: node(withPayload(`console.log('token=' + p.agentId);`)) }],
      records,
    ).run('PreToolUse', call);
    expect(records[0]).toMatchObject({
      outcome: 'error',
      error: expect.stringMatching(/bytes that are not JSON/),
    });
    expect(records[0]!.error).not.toContain('agent-1');
  });

  it('kills a hanging hook and everything it started at the time limit', async () => {
    const pidFile = path.join(dir, 'grandchild.pid');
    const hang = node(`
      const { spawn } = require('node:child_process');
      const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(c.pid));
      setInterval(() => {}, 1000);`);
    const records: HookRecord[] = [];
    const outcome = await runner(
      [{ event: 'PreToolUse', command: hang, timeout_ms: 500, on_error: 'deny' }],
      records,
    ).run('PreToolUse', call);
    expect(outcome).toMatchObject({
      decision: 'deny',
      reason: expect.stringMatching(/^hook hooks\[0\] timed out and its on_error is deny/),
    });
    expect(records).toEqual([
      expect.objectContaining({
        outcome: 'timeout',
        error: 'did not answer within 500 ms; killed',
        failedClosed: true,
      }),
    ]);
    const grandchild = Number(await readFile(pidFile, 'utf8'));
    // SIGKILL is delivered at once, but the orphan is reaped by init in its own time.
    for (let i = 0; i < 100 && alive(grandchild); i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(alive(grandchild)).toBe(false);
  });

  it('ignores a hook that exits without reading a large payload', async () => {
    const records: HookRecord[] = [];
    const outcome = await runner(
      [{ event: 'PostToolUse', command: node('process.exit(0);') }],
      records,
    ).run('PostToolUse', {
      ...call,
      // Far beyond a pipe's buffer, so the write fails with EPIPE once the hook has gone.
      args: { blob: 'y'.repeat(4 * 1024 * 1024) },
      ok: true,
      output: 'done',
      durationMs: 3,
    });
    expect(outcome.decision).toBe('allow');
    expect(records).toEqual([expect.objectContaining({ outcome: 'ok' })]);
  });

  it('records an answer larger than the cap', async () => {
    const records: HookRecord[] = [];
    await runner(
      [
        {
          event: 'PreToolUse',
          command: node(`process.stdout.write('"' + 'z'.repeat(${MAX_HOOK_ANSWER_BYTES}) + '"');`),
        },
      ],
      records,
    ).run('PreToolUse', call);
    expect(records[0]).toMatchObject({
      outcome: 'error',
      error: expect.stringMatching(/^printed \d+ bytes; an answer is at most 1048576$/),
    });
  });

  it('runs a script path relative to the base directory, in that directory', async () => {
    const script = path.join(dir, 'guard.sh');
    await writeFile(
      script,
      '#!/bin/sh\ncat > /dev/null\nprintf \'{"decision":"deny","reason":"%s"}\' "$(basename "$PWD")"\n',
    );
    await chmod(script, 0o755);
    const hooks = runner([{ event: 'PreToolUse', command: ['./guard.sh'] }]);
    await hooks.load();
    expect(await hooks.run('PreToolUse', call)).toMatchObject({
      decision: 'deny',
      reason: path.basename(dir),
    });
  });

  it('fails load() for a missing program and records it when run without load()', async () => {
    const hooks = runner([
      { event: 'Stop', command: ['./missing.sh'] },
      { event: 'Stop', command: ['no-such-program-av-hooks', '--flag'] },
    ]);
    const error = await hooks.load().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
    expect((error as { details: { problems: string[] } }).details.problems).toEqual([
      `hooks[0].command[0]: ${path.join(dir, 'missing.sh')} is not an executable file`,
      'hooks[1].command[0]: "no-such-program-av-hooks" is not an executable on PATH',
    ]);
    const records: HookRecord[] = [];
    const outcome = await runner([{ event: 'Stop', command: ['./missing.sh'] }], records).run(
      'Stop',
      { agent: 'qa', outcome: 'completed' },
    );
    expect(outcome.decision).toBe('allow');
    expect(records).toEqual([
      expect.objectContaining({
        outcome: 'error',
        error: 'could not start "./missing.sh" (ENOENT)',
      }),
    ]);
  });
});

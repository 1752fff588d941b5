/**
 * A real `agentvisor agent run` process is SIGKILLed while a tool of a multi-call plan is
 * running; the restarted process resumes the same beat: the call that completed is answered
 * from the journal (its side effect happens once), the interrupted one runs again, and the task
 * completes with an intact ledger.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/services.js';
import { type StubProvider, startStubProvider } from '../support/stub-provider.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'dist/src/cli/main.js');

let stub: StubProvider;
let tmp: { dir: string; remove(): void };

beforeAll(async () => {
  stub = await startStubProvider();
  tmp = tempDir('agentvisor-resume-');
});
afterAll(async () => {
  await stub.close();
  tmp.remove();
});

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args, '--data-dir', path.join(tmp.dir, 'data')], {
    cwd: tmp.dir,
    encoding: 'utf8',
    env: { ...process.env, AGENTVISOR_REDIS_URL: '', NO_COLOR: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function runAgent(args: string[] = []): ChildProcess {
  return spawn(
    process.execPath,
    [bin, 'agent', 'run', 'worker', '--json', ...args, '--data-dir', path.join(tmp.dir, 'data')],
    { cwd: tmp.dir, env: { ...process.env, AGENTVISOR_REDIS_URL: '' }, stdio: 'pipe' },
  );
}

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('crash and resume of an agent', () => {
  it('does not repeat completed tool calls after SIGKILL mid-task', async () => {
    const marks = path.join(tmp.dir, 'marks.txt');
    writeFileSync(
      path.join(tmp.dir, 'mark.mjs'),
      `import { appendFileSync } from 'node:fs';
export default async function mark(args) {
  appendFileSync(${JSON.stringify(marks)}, args.line + '\\n');
  return 'marked ' + args.line;
}
`,
    );
    writeFileSync(
      path.join(tmp.dir, 'agentvisor.yaml'),
      `gateway:
  providers:
    - { name: stub, kind: openai, base_url: "${stub.url}/v1" }
  models:
    smart: { chain: [{ provider: stub, model: gpt-4o-mini }] }
  retry: { max_attempts: 1 }
agents:
  - name: worker
    model: smart
    heartbeat: { base_ms: 20, max_ms: 200 }
    tools: [mark, shell.exec]
    custom_tools:
      - name: mark
        module: ./mark.mjs
        isolation: inline
        description: append a line to the marks file
        input_schema: { type: object, properties: { line: { type: string } }, required: [line] }
    scopes:
      shell: { commands: [sleep], cwd: ".", timeout_ms: 60000 }
`,
    );
    const submitted = cli(['task', 'submit', '--agent', 'worker', 'mark and wait', '--json']);
    expect(submitted.stderr).toBe('');
    expect(submitted.code).toBe(0);
    const taskId = (JSON.parse(submitted.stdout) as { id: string }).id;

    stub.script(
      {
        kind: 'tool_calls',
        text: 'mark, then wait',
        calls: [
          { id: 'a', name: 'mark', arguments: '{"line":"one"}' },
          { id: 'b', name: 'shell__exec', arguments: '{"command":"sleep","args":["2"]}' },
        ],
      },
      { kind: 'text', text: 'marked once and waited' },
    );

    const first = runAgent();
    let firstOut = '';
    first.stdout?.on('data', (d: Buffer) => {
      firstOut += d.toString();
    });
    await waitFor(() => existsSync(marks) && readFileSync(marks, 'utf8').includes('one'), 30_000);
    // The sleep is running now: the plan is saved, `mark` is journalled done, `shell.exec` started.
    await new Promise((r) => setTimeout(r, 300));
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    expect(firstOut).not.toContain('"finishedGoal"');

    const second = runAgent(['--once']);
    let out = '';
    let err = '';
    second.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    second.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const code = await new Promise<number | null>((r) => second.once('exit', r));
    expect(err).toBe('');
    expect(code).toBe(0);
    const beats = out
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as { type: string; resumed?: boolean; results?: { replayed: boolean }[] },
      );
    expect(beats[0]).toMatchObject({ type: 'beat', resumed: true });
    expect(beats[0]!.results!.map((r) => r.replayed)).toEqual([true, false]);

    expect(readFileSync(marks, 'utf8')).toBe('one\n');
    const shown = cli(['task', 'show', taskId, '--json']);
    expect(shown.code).toBe(0);
    const view = JSON.parse(shown.stdout) as {
      task: { status: string; result: string };
      toolCalls: { tool: string; status: string; attempts: number }[];
    };
    expect(view.task.status).toBe('completed');
    expect(view.task.result).toBe('marked once and waited');
    expect(view.toolCalls.map((c) => [c.tool, c.status, c.attempts])).toEqual([
      ['mark', 'done', 1],
      ['shell.exec', 'done', 2],
    ]);
    const verify = cli(['audit', 'verify', '--json']);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, firstBad: null });
    expect(verify.code).toBe(0);
  });

  it('refuses a bad agent file and an unknown agent with clear errors', () => {
    writeFileSync(path.join(tmp.dir, 'bad.yaml'), 'name: Bad Name\nheartbeat: { base_ms: 1 }\n');
    const bad = cli(['agent', 'run', './bad.yaml', '--once']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('bad.yaml is not a valid agent definition');
    expect(bad.stderr).toContain('name');
    expect(bad.stderr).toContain('heartbeat.base_ms');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const unknown = cli(['agent', 'run', 'nobody', '--once']);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain('no agent named "nobody"');
  });
});

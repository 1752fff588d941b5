/**
 * Agent and task logs end to end: an agent working a task (the stub model harness) leaves lines
 * tied to the agent and the task (its beats and tool calls, a failed beat), readable through
 * `logs.read`, `GET /api/v1/logs` and `agentvisor logs` (from the running node's API, or from the
 * store when no node runs); a bad level is refused with the allowed values named.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/output.js';
import { runCli } from '../../../src/cli/program.js';
import type { LogEntry, LogPage } from '../../../src/logs/index.js';
import { writeNodeEndpoint } from '../../../src/system/index.js';
import { type AgentHarness, startAgents } from '../daemon/runtime/harness.js';
import { type ApiHarness, startApi } from '../server/api/api-harness.js';

let h: AgentHarness | undefined;
let api: ApiHarness | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  await api?.close();
  api = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function writerAgent(extra: Record<string, unknown> = {}) {
  return () => ({
    agents: [
      {
        name: 'writer',
        model: 'smart',
        tools: ['fs.read', 'fs.write'],
        scopes: { fs: { read: ['./data'], write: ['./out'] } },
        ...extra,
      },
    ],
  });
}

const call = (id: string, name: string, args: unknown) => ({
  id,
  name,
  arguments: JSON.stringify(args),
});

/** A CLI io that keeps what was printed. */
function captureIo(): CliIo & { outs: string[]; errs: string[] } {
  const outs: string[] = [];
  const errs: string[] = [];
  return {
    outs,
    errs,
    isTTY: false,
    out: (t) => outs.push(...t.replace(/\n$/, '').split('\n')),
    err: (t) => errs.push(t),
  };
}

async function waitFor<T>(probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('an agent working a task', () => {
  it('leaves log lines tied to the agent and the task', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'agentvisor-logs-'));
    dirs.push(dir);
    h = await startAgents(writerAgent(), { dir });
    const notes = path.join(dir, 'data', 'notes.txt');
    h.stub.script(
      {
        kind: 'tool_calls',
        text: 'Reading the notes first.',
        calls: [
          call('c1', 'fs__read', { path: notes }),
          call('c2', 'fs__read', { path: '/etc/passwd' }),
        ],
      },
      { kind: 'text', text: 'The notes are missing; done.' },
    );
    const { result: task } = await h.system.kernel.call<{ id: string }>(h.operator, 'task.submit', {
      agent: 'writer',
      title: 'Summarise data/notes.txt',
    });
    const { agent, daemon } = await h.system.agents.spawn('writer');
    await daemon.runUntilIdle(10);
    await h.system.logs.writer.flush();

    const read = async (args: Record<string, unknown>) =>
      (await h!.system.kernel.call<LogPage>(h!.operator, 'logs.read', args)).result;
    const { entries } = await read({ task: task.id });
    expect(entries.length).toBeGreaterThanOrEqual(4);
    for (const e of entries) {
      expect(e).toMatchObject({ agent: 'writer', agentId: agent.id, taskId: task.id });
    }
    const lines = entries.map((e) => [e.level, e.message.replace(/\(\d+ ms\)/, '(n ms)')]);
    expect(lines).toEqual([
      ['warn', expect.stringMatching(/^tool fs\.read failed \(n ms\): .*notes\.txt/)],
      ['warn', expect.stringMatching(/^tool fs\.read failed \(n ms\): .*\/etc\/passwd/)],
      ['info', 'beat 1: fs.read, fs.read'],
      ['info', 'beat 2: finish; goal finished'],
    ]);
    const beat = entries.find((e) => e.message.startsWith('beat 1'))!;
    expect(beat.fields).toMatchObject({
      beat: 1,
      actions: ['fs.read', 'fs.read'],
      thought: 'Reading the notes first.',
      failedCalls: 2,
    });
    const tool = entries[0]!;
    expect(tool.fields).toMatchObject({ tool: 'fs.read', ok: false, args: { path: notes } });

    // By agent name and by level, through the same operation.
    const warnings = await read({ agent: 'writer', level: 'warn' });
    expect(warnings.entries.map((e) => e.level)).toEqual(['warn', 'warn']);

    // The CLI, with no node running, reads the store directly.
    const dataDir = path.join(dir, '.agentvisor');
    await h.close();
    h = undefined;
    const io = captureIo();
    const code = await runCli(
      ['node', 'agentvisor', '--data-dir', dataDir, 'logs', '--task', task.id, '--json'],
      io,
    );
    expect(io.errs).toEqual([]);
    expect(code).toBe(0);
    const printed = io.outs.map((l) => JSON.parse(l) as LogEntry);
    expect(printed.map((e) => e.id)).toEqual(entries.map((e) => e.id));
    expect(printed.every((e) => e.taskId === task.id && e.agent === 'writer')).toBe(true);

    const text = captureIo();
    expect(
      await runCli(
        [
          'node',
          'agentvisor',
          '--data-dir',
          dataDir,
          'logs',
          '--task',
          task.id,
          '--level',
          'info',
          '-n',
          '1',
        ],
        text,
      ),
    ).toBe(0);
    expect(text.outs).toHaveLength(1);
    expect(text.outs[0]).toMatch(
      new RegExp(
        `^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  writer task=${task.id} beat 2: finish`,
      ),
    );
  });

  it('logs a failed beat with the recovery action', async () => {
    h = await startAgents(writerAgent({ errors: { model: 'suspend' } }));
    h.stub.script({ kind: 'status', status: 500, message: 'upstream broke' });
    await h.system.kernel.call(h.operator, 'task.submit', { agent: 'writer', title: 'Anything' });
    const { daemon } = await h.system.agents.spawn('writer');
    await daemon.start();
    const line = await waitFor(async () => {
      await h!.system.logs.writer.flush();
      const page = await h!.system.logs.query({ agent: 'writer', level: 'error' });
      return page.entries[0];
    });
    await daemon.stop();
    expect(line.message).toMatch(/^beat 1 failed \(model; suspend\): /);
    expect(line.fields).toMatchObject({ beat: 1, kind: 'model', action: 'suspend' });
  });
});

describe('logs over the API and the CLI', () => {
  it('answers GET /logs and the CLI from the running node, and refuses a bad level', async () => {
    api = await startApi();
    const worker = api.system.agents.byName('worker')!;
    const task = '0193bbbb-0000-7000-8000-000000000042';
    const log = api.system.logs.agentLogger(worker);
    log.info({ task, step: 1 }, 'started with avo_c2VjcmV0c2VjcmV0c2VjcmV0');
    log.warn({ task }, 'slow');
    log.debug({ task }, 'below the stored level');
    await api.system.logs.writer.flush();
    const admin = { bearer: api.operatorToken };

    const all = await api.request('GET', `/api/v1/logs?agent=worker`, admin);
    expect(all.status).toBe(200);
    const page = all.body as LogPage;
    expect(page.entries.map((e) => e.message)).toEqual(['started with [redacted]', 'slow']);
    expect(page.entries[0]).toMatchObject({
      agent: 'worker',
      agentId: worker.id,
      taskId: task,
      level: 'info',
      fields: { step: 1 },
    });
    expect(page.cursor).toBe(page.entries[1]!.id);

    const after = await api.request(
      'GET',
      `/api/v1/logs?task=${task}&after=${page.entries[0]!.id}&limit=10`,
      admin,
    );
    expect((after.body as LogPage).entries.map((e) => e.message)).toEqual(['slow']);
    const warn = await api.request('GET', '/api/v1/logs?level=warn', admin);
    expect((warn.body as LogPage).entries.map((e) => e.message)).toEqual(['slow']);

    const bad = await api.request('GET', '/api/v1/logs?level=loud', admin);
    expect(bad.status).toBe(400);
    expect((bad.body as { code: string; message: string }).code).toBe('INPUT_INVALID');
    expect((bad.body as { message: string }).message).toMatch(/level.*"trace".*"fatal"/);
    expect((await api.request('GET', '/api/v1/logs')).status).toBe(401);

    // The CLI finds the node through its endpoint file and asks the API: the data directory
    // holds nothing else, so the lines can only have come from the node.
    const dataDir = mkdtempSync(path.join(tmpdir(), 'agentvisor-logs-node-'));
    dirs.push(dataDir);
    writeNodeEndpoint(dataDir, {
      url: api.url,
      pid: process.pid,
      token: api.operatorToken,
      startedAt: new Date().toISOString(),
    });
    const io = captureIo();
    const code = await runCli(
      ['node', 'agentvisor', '--data-dir', dataDir, 'logs', '--agent', 'worker', '--json'],
      io,
    );
    expect(io.errs).toEqual([]);
    expect(code).toBe(0);
    expect(io.outs.map((l) => (JSON.parse(l) as LogEntry).message)).toEqual([
      'started with [redacted]',
      'slow',
    ]);
    // Every read went through the node's kernel and is in its ledger.
    await api.system.ledger.flush();
    const reads = await api.system.store.db
      .selectFrom('ledger_entries')
      .select('type')
      .where('subject', '=', 'logs.read')
      .execute();
    expect(reads.map((r) => r.type).sort()).toEqual([
      'op.call',
      'op.call',
      'op.call',
      'op.call',
      'op.denied',
    ]);
  });

  it('refuses a bad --level with the allowed values, before reading anything', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'agentvisor-logs-cli-'));
    dirs.push(dir);
    const io = captureIo();
    const code = await runCli(
      ['node', 'agentvisor', '--data-dir', path.join(dir, 'none'), 'logs', '--level', 'loud'],
      io,
    );
    expect(code).toBe(2);
    expect(io.errs.join('\n')).toContain(
      '--level: "loud" is not a log level; use one of trace, debug, info, warn, error, fatal',
    );
    const json = captureIo();
    expect(
      await runCli(
        [
          'node',
          'agentvisor',
          '--data-dir',
          path.join(dir, 'none'),
          'logs',
          '--level',
          'x',
          '--json',
        ],
        json,
      ),
    ).toBe(2);
    expect(JSON.parse(json.outs[0]!)).toMatchObject({ error: { code: 'INPUT_INVALID' } });
  });
});

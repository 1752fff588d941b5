import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isAgentvisorError } from '../../../../src/core/index.js';
import { BeatError } from '../../../../src/daemon/index.js';
import { verifyLedger } from '../../../../src/ledger/index.js';
import { type AgentHarness, startAgents } from './harness.js';

let h: AgentHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function writerAndReviewer() {
  return {
    agents: [
      {
        name: 'writer',
        role: 'writer',
        description: 'Summarises files.',
        model: 'smart',
        constitution: [
          { id: 'honesty', text: 'Never invent facts.', priority: 100, immutable: true },
        ],
        tools: ['fs.read', 'fs.write', 'message.send'],
        scopes: { fs: { read: ['./data'], write: ['./out'] } },
      },
      { name: 'reviewer', deliberation: 'utility', tools: ['memory.put'] },
    ],
  };
}

type TaskView = {
  task: { status: string; result: unknown };
  goals: { status: string }[];
  thoughts: { status: string; content: string }[];
  toolCalls: { tool: string; status: string }[];
};

const call = (id: string, name: string, args: unknown) => ({
  id,
  name,
  arguments: JSON.stringify(args),
});

describe('an agent completes a multi-step goal', () => {
  it('reads a file, writes a result, messages another agent, and records it all', async () => {
    h = await startAgents(writerAndReviewer);
    const notes = path.join(h.dir, 'data', 'notes.txt');
    writeFileSync(notes, 'alpha\nbeta\ngamma\n');
    const out = path.join(h.dir, 'out', 'summary.txt');
    h.stub.script(
      {
        kind: 'tool_calls',
        text: 'I will read the notes first.',
        calls: [call('c1', 'fs__read', { path: notes })],
      },
      {
        kind: 'tool_calls',
        text: 'Now I write the summary and tell the reviewer.',
        calls: [
          call('c2', 'fs__write', { path: out, content: 'three lines: alpha, beta, gamma' }),
          call('c3', 'message__send', { to: 'reviewer', body: 'summary ready in out/summary.txt' }),
        ],
      },
      { kind: 'text', text: 'Wrote out/summary.txt (3 lines) and told the reviewer.' },
    );
    const { result: task } = await h.system.kernel.call<{ id: string }>(h.operator, 'task.submit', {
      agent: 'writer',
      title: 'Summarise data/notes.txt into out/summary.txt',
    });
    const { daemon } = await h.system.agents.spawn('writer');
    const reports = await daemon.runUntilIdle(10);

    expect(readFileSync(out, 'utf8')).toBe('three lines: alpha, beta, gamma');
    expect(reports.filter((r) => !r.idle)).toHaveLength(3);
    expect(reports.at(-1)?.idle).toBe(true);

    // The model saw the file's content as the tool result of its first call.
    const second = h.stub.requests[1]!.body as { messages: { role: string; content: unknown }[] };
    expect(
      second.messages.some((m) => m.role === 'tool' && String(m.content).includes('gamma')),
    ).toBe(true);
    // Its directives were in the system prompt.
    const first = h.stub.requests[0]!.body as { messages: { role: string; content: unknown }[] };
    expect(JSON.stringify(first.messages[0])).toContain('Never invent facts.');

    const { result: view } = await h.system.kernel.call<TaskView>(h.operator, 'task.get', {
      id: task.id,
    });
    expect(view.task.status).toBe('completed');
    expect(view.task.result).toBe('Wrote out/summary.txt (3 lines) and told the reviewer.');
    expect(view.goals.map((g) => g.status)).toEqual(['completed']);
    expect(view.toolCalls.map((c) => [c.tool, c.status])).toEqual([
      ['fs.read', 'done'],
      ['fs.write', 'done'],
      ['message.send', 'done'],
    ]);
    expect(view.thoughts.map((t) => t.status)).toEqual(['completed', 'completed', 'completed']);

    const inbox = await h.system.agents.inbox.open('reviewer', 10);
    expect(inbox.map((m) => [m.from, m.body])).toEqual([
      ['writer', 'summary ready in out/summary.txt'],
    ]);

    // The reviewer (a utility daemon, no model) takes the message into memory.
    const reviewer = await h.system.agents.spawn('reviewer');
    await reviewer.daemon.runUntilIdle(5);
    const hits = await reviewer.agent.memory.search(reviewer.agent.id, 'summary ready');
    expect(hits.length).toBeGreaterThan(0);
    expect(await h.system.agents.inbox.open('reviewer', 10)).toEqual([]);

    await h.system.ledger.flush();
    const verdict = await verifyLedger({
      store: h.system.store,
      origin: h.system.config.ledger.origin,
      workers: 0,
    });
    expect(verdict.ok).toBe(true);
    expect(verdict.entries).toBeGreaterThan(20);
  });

  it('denies and records path escapes and tools that were not granted; the model sees why', async () => {
    h = await startAgents(writerAndReviewer);
    h.stub.script(
      {
        kind: 'tool_calls',
        calls: [
          call('c1', 'fs__read', { path: '/etc/passwd' }),
          call('c2', 'fs__read', { path: '../outside.txt' }),
          call('c3', 'shell__exec', { command: 'cat', args: ['/etc/passwd'] }),
        ],
      },
      { kind: 'text', text: 'I may not read those.' },
    );
    const { result: task } = await h.system.kernel.call<{ id: string }>(h.operator, 'task.submit', {
      agent: 'writer',
      title: 'Read secrets',
    });
    const { daemon } = await h.system.agents.spawn('writer');
    const reports = await daemon.runUntilIdle(5);
    const results = reports[0]!.results;
    expect(results.map((r) => [r.ok, r.code])).toEqual([
      [false, 'POLICY_DENIED'],
      [false, 'POLICY_DENIED'],
      [false, 'POLICY_DENIED'],
    ]);
    expect(results[2]!.output).toContain('shell.exec');
    const second = JSON.stringify(h.stub.requests[1]!.body);
    expect(second).toContain('POLICY_DENIED');

    const rows = await h.system.store.db
      .selectFrom('ledger_entries')
      .select(['type', 'payload'])
      .where('subject', '=', 'tool.call')
      .execute();
    const denied = rows.filter((r) => r.payload.includes('POLICY_DENIED'));
    expect(denied).toHaveLength(3);
    const { result: view } = await h.system.kernel.call<TaskView>(h.operator, 'task.get', {
      id: task.id,
    });
    expect(view.task.status).toBe('completed');
  });

  it('retries unusable model output once, then records a failed thought and a model error', async () => {
    h = await startAgents(writerAndReviewer);
    h.stub.script(
      { kind: 'tool_calls', calls: [call('c1', 'fs__read', '{oops' as never)] },
      { kind: 'tool_calls', calls: [call('c2', 'fs__read', '[1,2]' as never)] },
    );
    const { result: task } = await h.system.kernel.call<{ id: string }>(h.operator, 'task.submit', {
      agent: 'writer',
      title: 'Do something',
    });
    const { daemon } = await h.system.agents.spawn('writer');
    const error = await daemon.runUntilIdle(3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BeatError);
    expect((error as BeatError).kind).toBe('model');
    expect(isAgentvisorError((error as BeatError).cause, 'MODEL_OUTPUT_INVALID')).toBe(true);
    const { result: view } = await h.system.kernel.call<TaskView>(h.operator, 'task.get', {
      id: task.id,
    });
    expect(view.thoughts.map((t) => t.status)).toEqual(['failed']);
    expect(view.thoughts[0]!.content).toContain('must be a JSON object');
    expect(view.toolCalls).toEqual([]);
  });

  it('refuses to amend an immutable directive and records the attempt', async () => {
    h = await startAgents(writerAndReviewer);
    const error = await h.system.kernel
      .call(h.operator, 'agent.directive.amend', {
        agent: 'writer',
        directive: 'honesty',
        text: 'Invent facts when convenient.',
      })
      .catch((e: unknown) => e);
    expect(isAgentvisorError(error, 'POLICY_DENIED')).toBe(true);
    expect(String((error as Error).message)).toContain('immutable');
    const rows = await h.system.store.db
      .selectFrom('ledger_entries')
      .select(['payload'])
      .where('subject', '=', 'agent.directive.amend')
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.payload).toContain('POLICY_DENIED');
    expect(h.system.agents.byName('writer')!.constitution.get('honesty')!.text).toBe(
      'Never invent facts.',
    );
  });

  it('answers bad task submissions with clear errors', async () => {
    h = await startAgents(writerAndReviewer);
    const unknown = await h.system.kernel
      .call(h.operator, 'task.submit', { agent: 'nobody', title: 'x' })
      .catch((e: unknown) => e);
    expect(isAgentvisorError(unknown, 'NOT_FOUND')).toBe(true);
    expect(String((unknown as Error).message)).toContain('no agent named "nobody"');
    const empty = await h.system.kernel
      .call(h.operator, 'task.submit', { agent: 'writer', title: '   ' })
      .catch((e: unknown) => e);
    expect(isAgentvisorError(empty, 'INPUT_INVALID')).toBe(true);
    expect(existsSync(path.join(h.dir, 'out', 'summary.txt'))).toBe(false);
  });
});

describe('MCP tools in an agent', () => {
  it('uses the official filesystem MCP server under the same gate, journal and ledger', async () => {
    const server = path.resolve(
      'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js',
    );
    h = await startAgents((dir) => ({
      mcp_servers: {
        files: {
          transport: 'stdio',
          command: process.execPath,
          args: [server, path.join(dir, 'out')],
        },
      },
      agents: [{ name: 'archivist', model: 'smart', tools: ['mcp.files.*'] }],
    }));
    const target = path.join(h.dir, 'out', 'note.md');
    h.stub.script(
      {
        kind: 'tool_calls',
        calls: [
          call('m1', 'mcp__files__write_file', { path: target, content: '# archived' }),
          call('m2', 'mcp__files__read_text_file', { path: '/etc/hostname' }),
        ],
      },
      { kind: 'text', text: 'archived' },
    );
    const { result: task } = await h.system.kernel.call<{ id: string }>(h.operator, 'task.submit', {
      agent: 'archivist',
      title: 'Archive a note',
    });
    const { daemon } = await h.system.agents.spawn('archivist');
    const reports = await daemon.runUntilIdle(5);
    expect(readFileSync(target, 'utf8')).toBe('# archived');
    // The server's own allowlist refuses a path outside its directory; the agent sees the error.
    expect(reports[0]!.results.map((r) => r.ok)).toEqual([true, false]);
    expect(reports[0]!.results[1]!.output).toMatch(/denied|outside|not allowed/i);
    const offered = (h.stub.requests[0]!.body as { tools: { function: { name: string } }[] }).tools;
    expect(offered.map((t) => t.function.name)).toContain('mcp__files__write_file');
    const { result: view } = await h.system.kernel.call<TaskView>(h.operator, 'task.get', {
      id: task.id,
    });
    expect(view.task.status).toBe('completed');
    expect(view.toolCalls.map((c) => [c.tool, c.status])).toEqual([
      ['mcp.files.write_file', 'done'],
      ['mcp.files.read_text_file', 'failed'],
    ]);
  });
});

/**
 * The supervision verbs against a running node, end to end: `agentvisor start` in a temp dir
 * with two agents, then `status`, `list`, `info`, `deps`, `profile` and `compliance` as
 * separate CLI processes reading the operator token from node.json; `/metrics` behind the
 * token; and the clear error when no node runs.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/services.js';
import { cli, startNode } from './cli-harness.js';

describe('supervision verbs against a running node', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.remove());

  it('say plainly that no node runs', () => {
    const r = cli(['status'], tmp.dir);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/no Agentvisor node is running on .*agentvisor start/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('show status, agents, dependencies, profiles, compliance and metrics', async () => {
    writeFileSync(
      path.join(tmp.dir, 'agentvisor.yaml'),
      [
        'agents:',
        '  - { name: base, deliberation: utility }',
        '  - { name: worker, deliberation: utility, depends_on: [base] }',
        '',
      ].join('\n'),
    );
    const { child, url } = await startNode(tmp.dir);
    try {
      const endpointFile = path.join(tmp.dir, '.agentvisor', 'node.json');
      expect((await import('node:fs')).statSync(endpointFile).mode & 0o777).toBe(0o600);
      const { token } = JSON.parse(readFileSync(endpointFile, 'utf8')) as { token: string };

      const status = JSON.parse(cli(['status', '--json'], tmp.dir).stdout) as {
        agents: { name: string; state: string }[];
        system: { spawns: number };
      };
      expect(status.agents.map((a) => [a.name, a.state])).toEqual([
        ['base', 'active'],
        ['worker', 'active'],
      ]);
      expect(status.system.spawns).toBe(2);
      expect(cli(['list'], tmp.dir).stdout).toMatch(/worker\s+active/);
      expect(cli(['info', 'worker'], tmp.dir).stdout).toMatch(/state\s+active/);
      const deps = JSON.parse(cli(['deps', 'base', '--json'], tmp.dir).stdout) as {
        exitCascade: string[];
      };
      expect(deps.exitCascade).toEqual(['worker']);
      expect(cli(['profile', 'worker', '--json'], tmp.dir).code).toBe(0);
      const missing = cli(['info', 'ghost'], tmp.dir);
      expect(missing.code).toBe(4);
      expect(missing.stderr).toMatch(/no agent "ghost"; configured: base, worker/);
      const bad = cli(['info', '../x'], tmp.dir);
      expect(bad.code).toBe(2);

      const report = JSON.parse(cli(['compliance', '--json'], tmp.dir).stdout) as {
        agents: { name: string; risk: string; starts: number }[];
        system: { status: string };
      };
      expect(report.agents.map((a) => [a.name, a.risk, a.starts])).toEqual([
        ['base', 'minimal', 1],
        ['worker', 'minimal', 1],
      ]);
      const html = path.join(tmp.dir, 'report.html');
      expect(cli(['compliance', '--html', html], tmp.dir).code).toBe(0);
      expect(readFileSync(html, 'utf8')).toMatch(/<html/);

      expect((await fetch(`${url}/metrics`)).status).toBe(401);
      const wrong = await fetch(`${url}/v1/supervisor/status`, {
        headers: { authorization: 'Bearer avo_wrong' },
      });
      expect(wrong.status).toBe(401);
      const metrics = await fetch(`${url}/metrics`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(/agentvisor_/);

      const exited = new Promise<number | null>((resolve) =>
        child.once('exit', (code) => resolve(code)),
      );
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(existsSync(endpointFile)).toBe(false);
      // Clean exits are on the ledger: the chain still verifies.
      expect(cli(['audit', 'verify'], tmp.dir).code).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('show and hot-patch policies and work the approval queue', async () => {
    writeFileSync(
      path.join(tmp.dir, 'agentvisor.yaml'),
      ['agents:', '  - { name: worker, deliberation: utility }', ''].join('\n'),
    );
    const { child } = await startNode(tmp.dir);
    try {
      const shown = JSON.parse(cli(['policy', 'worker', '--json'], tmp.dir).stdout) as {
        version: number;
        grantsText: string[];
      };
      expect(shown.version).toBe(1);
      expect(shown.grantsText).toContain('message.send');
      expect(cli(['policy', 'list'], tmp.dir).stdout).toMatch(/worker/);

      const patched = cli(
        [
          'policy',
          'patch',
          'worker',
          '--remove',
          'message.send',
          '--add',
          'fs.read:paths=/workspace/docs',
          '--auto-restart',
          '2',
          '--reason',
          'tighten',
        ],
        tmp.dir,
      );
      expect(patched.code).toBe(0);
      expect(patched.stdout).toMatch(/worker: policy version 2 in force/);
      const info = JSON.parse(cli(['info', 'worker', '--json'], tmp.dir).stdout) as {
        agent: { autoRestart: number; capabilities: string[] };
      };
      expect(info.agent.autoRestart).toBe(2);
      expect(info.agent.capabilities).toContain('fs.read');
      expect(info.agent.capabilities).not.toContain('message.send');

      const noReason = cli(['policy', 'patch', 'worker', '--remove', 'fs.read'], tmp.dir);
      expect(noReason.code).toBe(2);
      expect(noReason.stderr).toMatch(/--reason is required/);
      const badSpec = cli(
        ['policy', 'patch', 'worker', '--add', 'fs.read:dirs=/x', '--reason', 'r'],
        tmp.dir,
      );
      expect(badSpec.code).toBe(2);
      expect(badSpec.stderr).toMatch(/"dirs" is not a scope kind/);
      const notHeld = cli(
        ['policy', 'patch', 'worker', '--remove', 'shell.exec', '--reason', 'r'],
        tmp.dir,
      );
      expect(notHeld.code).toBe(2);
      expect(notHeld.stderr).toMatch(/holds no grant of "shell.exec"/);
      expect(cli(['policy', 'ghost'], tmp.dir).code).toBe(4);

      expect(cli(['approvals'], tmp.dir).stdout).toMatch(/no pending items/);
      const unknown = cli(['approvals', 'approve', 'nope', '--reason', 'ok'], tmp.dir);
      expect(unknown.code).toBe(4);
      expect(unknown.stderr).toMatch(/no approval item nope/);
      expect(cli(['approvals', 'list', '--status', 'maybe'], tmp.dir).code).toBe(2);

      // The message bus: send, tail, and an empty dead-letter queue.
      const sent = cli(
        ['bus', 'send', '--to', 'agent:worker', '--type', 'query', 'status?'],
        tmp.dir,
      );
      expect(sent.code).toBe(0);
      expect(cli(['bus', 'tail'], tmp.dir).stdout).toMatch(
        /query\s+p5 human-\S+ → agent:worker: status\?/,
      );
      const badTarget = cli(['bus', 'send', '--to', 'agent:ghost', 'x'], tmp.dir);
      expect(badTarget.code).toBe(4);
      expect(cli(['dlq'], tmp.dir).stdout).toMatch(/the dead-letter queue is empty/);
      expect(cli(['dlq', 'replay', 'nope', '--reason', 'r'], tmp.dir).code).toBe(4);
      expect(cli(['dlq', 'drop', 'nope'], tmp.dir).code).toBe(2);

      // The patch and its author are on the ledger.
      const exported = cli(['audit', 'verify'], tmp.dir);
      expect(exported.code).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

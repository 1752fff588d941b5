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
});

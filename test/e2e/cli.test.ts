/**
 * End to end through the built `agentvisor` binary: real processes, real files, real HTTP.
 * Checks the scriptable contracts of `audit append` / `audit verify`, tamper detection through
 * a direct edit of the SQLite file, usage errors, and `start` with a clean Ctrl-C shutdown.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/services.js';
import { cli, startNode } from './cli-harness.js';

describe('agentvisor CLI', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.remove());

  it('appends, verifies, and pinpoints an entry altered in the database file', () => {
    const seqs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = cli(
        [
          'audit',
          'append',
          '--type',
          'operator.note',
          '--actor',
          'alice',
          '--payload',
          JSON.stringify({ i }),
          '--json',
        ],
        tmp.dir,
      );
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as { seq: number; id: string; entry_hash: string };
      expect(out.entry_hash).toMatch(/^[0-9a-f]{64}$/);
      seqs.push(out.seq);
    }
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));

    const ok = cli(['audit', 'verify', '--json'], tmp.dir);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, firstBad: null });

    const db = new Database(path.join(tmp.dir, '.agentvisor/agentvisor.db'));
    db.prepare('update ledger_entries set payload = ? where seq = ?').run('{"i":999}', seqs[2]);
    db.close();

    const bad = cli(['audit', 'verify', '--json'], tmp.dir);
    expect(bad.code).toBe(3);
    expect(JSON.parse(bad.stdout)).toMatchObject({
      ok: false,
      firstBad: { seq: seqs[2], kind: 'modified' },
    });
    const human = cli(['audit', 'verify'], tmp.dir);
    expect(human.code).toBe(3);
    expect(human.stdout).toContain(`seq ${seqs[2]}`);
  });

  it('answers bad input with a one-line error and exit code 2; only the denied gate call is recorded', () => {
    cli(['audit', 'append', '--type', 'operator.note', '--actor', 'a', '--payload', '{}'], tmp.dir);
    const before = JSON.parse(cli(['audit', 'verify', '--json'], tmp.dir).stdout) as {
      size: number;
    };
    for (const args of [
      ['audit', 'append', '--type', 'operator.note', '--actor', 'a', '--payload', '{not json'],
      ['audit', 'append', '--type', 'Bad Type!', '--actor', 'a', '--payload', '{}'],
      ['audit', 'verify', '--from', 'abc'],
      ['audit', 'verify', '--from', '5', '--to', '2'],
      ['audit', 'export', '--format', 'csv'],
      ['audit', 'frobnicate'],
    ]) {
      const r = cli(args, tmp.dir);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    const after = JSON.parse(cli(['audit', 'verify', '--json'], tmp.dir).stdout) as {
      size: number;
      ok: boolean;
    };
    expect(after.ok).toBe(true);
    // The invalid type reached the kernel gate, which records denials too; nothing else was written.
    expect(after.size).toBe(before.size + 1);
    const last = JSON.parse(
      cli(['audit', 'show', String(after.size), '--json'], tmp.dir).stdout,
    ) as { type: string; payload: { code: string } };
    expect(last.type).toBe('op.denied');
    expect(last.payload.code).toBe('INPUT_INVALID');
    expect(cli(['audit', 'show', '99999'], tmp.dir).code).toBe(4);
  });

  it('refuses a config with a misspelt key, naming the line and the allowed keys', () => {
    const file = path.join(tmp.dir, 'agentvisor.yaml');
    writeFileSync(file, 'server:\n  host: 127.0.0.1\n  prot: 80\n');
    const r = cli(['audit', 'verify'], tmp.dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('server');
    expect(r.stderr).toContain('"prot"');
    expect(r.stderr).toContain('line 3');
    expect(r.stderr).toContain('allowed: host, port');
  });

  it('exports keys and entries that a third party verifies without a database', async () => {
    cli(
      ['audit', 'append', '--type', 'operator.note', '--actor', 'a', '--payload', '{"x":1}'],
      tmp.dir,
    );
    cli(['keys', 'rotate', '--reason', 'test'], tmp.dir);
    cli(
      ['audit', 'append', '--type', 'operator.note', '--actor', 'a', '--payload', '{"x":2}'],
      tmp.dir,
    );
    expect(cli(['audit', 'export', '--format', 'jsonl', '-o', 'ledger.jsonl'], tmp.dir).code).toBe(
      0,
    );
    expect(cli(['keys', 'export', '-o', 'keys.json'], tmp.dir).code).toBe(0);
    const { verifyExport } = await import('../../src/ledger/standalone-verify.js');
    const entries = readFileSync(path.join(tmp.dir, 'ledger.jsonl'), 'utf8');
    const keys = JSON.parse(readFileSync(path.join(tmp.dir, 'keys.json'), 'utf8'));
    expect((await verifyExport({ entries, keys })).ok).toBe(true);
    const lines = entries.trim().split('\n');
    const third = JSON.parse(lines[2]!) as Record<string, unknown>;
    third['actor'] = 'human:mallory';
    lines[2] = JSON.stringify(third);
    const report = await verifyExport({ entries: lines.join('\n'), keys });
    expect(report.firstBad).toMatchObject({ seq: 3, kind: 'modified' });
  });

  it('starts, serves health on loopback, and shuts down cleanly on SIGINT with a final checkpoint', async () => {
    const { child, url, stderr } = await startNode(tmp.dir);
    const live = await fetch(`${url}/health/live`);
    expect(live.status).toBe(200);
    const ready = (await (await fetch(`${url}/health/ready`)).json()) as { status: string };
    expect(ready.status).toBe('ok');
    const missing = await fetch(`${url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'NOT_FOUND' });

    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr()).toMatch(/final checkpoint at \d+ entries; data is in .*\.agentvisor/);
    const list = JSON.parse(
      cli(['audit', 'checkpoint', '--list', '--json'], tmp.dir).stdout,
    ) as unknown[];
    expect(list.length).toBeGreaterThan(0);
    expect(cli(['audit', 'verify'], tmp.dir).code).toBe(0);
  });
});

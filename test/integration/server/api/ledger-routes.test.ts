/**
 * The ledger under `/api/v1/ledger` on a real node: entries filtered in SQL and paged by seq
 * with no overlap; verification as a job that passes with progress reaching the total, and after
 * a row is altered in the SQLite file behind the node's back, fails naming the first bad seq;
 * inclusion and consistency proofs that the ledger's own Merkle verifier accepts; checkpoints;
 * the NDJSON export line for line as `audit export` writes it; roles on every route. The job
 * registry's bounds are checked directly with verifications that finish when the test says.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentvisorError, type CallerRef } from '../../../../src/core/index.js';
import {
  exportEntries,
  type LedgerVerifyReport,
  verifyConsistency,
  verifyInclusion,
} from '../../../../src/ledger/index.js';
import { VerifyJobs, type VerifyJobView } from '../../../../src/server/api/index.js';
import { type ApiHarness, type As, type Browser, startApi } from './api-harness.js';

interface Entry {
  seq: number;
  type: string;
  actor: string;
  subject: string;
  payload: unknown;
  entry_hash: string;
}
interface EntryPage {
  entries: Entry[];
  nextCursor: number | null;
}
interface Issue {
  path: (string | number)[];
  message: string;
}
type ErrorBody = { code: string; message: string; details?: { issues?: Issue[] } };

const NOTES = 12;

let h: ApiHarness;
let admin: Browser;
let operator: Browser;
let viewer: Browser;
let annotator: CallerRef;

/** Appends `n` annotations through the kernel, as an operator would with `audit append`. */
async function annotate(api: ApiHarness, caller: CallerRef, n: number, type = 'test.note') {
  for (let i = 0; i < n; i++) {
    await api.system.kernel.call(caller, 'ledger.annotate', {
      type,
      subject: `item/${i % 4}`,
      payload: { n: i },
    });
  }
  await api.system.ledger.flush();
}

async function waitForJob(api: ApiHarness, id: string, as: As): Promise<VerifyJobView> {
  for (let i = 0; i < 400; i++) {
    const r = await api.request('GET', `/api/v1/ledger/verify/${id}`, as);
    expect(r.status).toBe(200);
    const { job } = r.body as { job: VerifyJobView };
    if (job.state !== 'running') return job;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`verification job ${id} did not finish`);
}

function bytes(hex: string): Uint8Array {
  return Buffer.from(hex, 'hex');
}

function issuePaths(body: unknown): string[] {
  return ((body as ErrorBody).details?.issues ?? []).map((i) => i.path.join('.'));
}

beforeAll(async () => {
  h = await startApi();
  admin = await h.user('ada@example.com', 'admin');
  operator = await h.user('otto@example.com', 'operator');
  viewer = await h.user('vera@example.com', 'viewer');
  annotator = h.system.access.callerForRole('human', 'notes@test', 'notes', 'operator');
  await annotate(h, annotator, NOTES);
});
afterAll(async () => {
  await h.close();
});

describe('GET /ledger/entries', () => {
  it('filters by type, actor and subject in seq order', async () => {
    const r = await h.request('GET', '/api/v1/ledger/entries?type=test.note&limit=1000', viewer);
    expect(r.status).toBe(200);
    const page = r.body as EntryPage;
    expect(page.entries).toHaveLength(NOTES);
    expect(page.nextCursor).toBeNull();
    expect(page.entries.every((e) => e.type === 'test.note')).toBe(true);
    const seqs = page.entries.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    // Entries are shown as the CLI shows them: the payload as JSON, hashes in hex.
    expect(page.entries[0]!.payload).toEqual({ n: 0 });
    expect(page.entries[0]!.entry_hash).toMatch(/^[0-9a-f]{64}$/);
    const actor = page.entries[0]!.actor;
    expect(actor).toBe('human:notes@test');

    const bySubject = (
      await h.request(
        'GET',
        `/api/v1/ledger/entries?type=test.note&subject=item/1&actor=${encodeURIComponent(actor)}`,
        viewer,
      )
    ).body as EntryPage;
    expect(bySubject.entries.map((e) => (e.payload as { n: number }).n)).toEqual([1, 5, 9]);

    const byActor = (
      await h.request('GET', `/api/v1/ledger/entries?actor=human:nobody@test`, viewer)
    ).body as EntryPage;
    expect(byActor).toEqual({ entries: [], nextCursor: null });
  });

  it('pages with the after cursor, without overlap or gaps, and no empty last page', async () => {
    const all = (await h.request('GET', '/api/v1/ledger/entries?limit=1000', viewer))
      .body as EntryPage;
    const head = (await h.system.ledger.head()).size;
    expect(all.entries.map((e) => e.seq)).toEqual(Array.from({ length: head }, (_, i) => i + 1));

    const seen: number[] = [];
    let after = 0;
    let pages = 0;
    for (;;) {
      const r = await h.request(
        'GET',
        `/api/v1/ledger/entries?type=test.note&limit=5&after=${after}`,
        viewer,
      );
      const page = r.body as EntryPage;
      pages++;
      seen.push(...page.entries.map((e) => e.seq));
      if (page.nextCursor === null) break;
      expect(page.entries).toHaveLength(5);
      expect(page.nextCursor).toBe(page.entries.at(-1)!.seq);
      after = page.nextCursor;
    }
    expect(pages).toBe(Math.ceil(NOTES / 5));
    expect(new Set(seen).size).toBe(NOTES);
    expect(seen).toEqual(all.entries.filter((e) => e.type === 'test.note').map((e) => e.seq));
  });

  it('refuses bad filters with 400 naming the field', async () => {
    const cases: [string, string][] = [
      ['type=Not%20A%20Type', 'type'],
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['limit=many', 'limit'],
      ['after=-1', 'after'],
      ['after=1.5', 'after'],
    ];
    for (const [query, field] of cases) {
      const r = await h.request('GET', `/api/v1/ledger/entries?${query}`, viewer);
      expect(r.status, query).toBe(400);
      expect((r.body as ErrorBody).code).toBe('INPUT_INVALID');
      expect(issuePaths(r.body), query).toEqual([field]);
      expect((r.body as ErrorBody).message).toContain(`${field}: `);
    }
    const unknown = await h.request('GET', '/api/v1/ledger/entries?colour=red', viewer);
    expect(unknown.status).toBe(400);
    expect((unknown.body as ErrorBody).message).toContain('colour');
  });
});

describe('ledger verification jobs', () => {
  it('passes on a clean ledger with progress reaching the total', async () => {
    const head = (await h.system.ledger.head()).size;
    const start = await h.request('POST', '/api/v1/ledger/verify', operator, {});
    expect(start.status).toBe(202);
    const { job } = start.body as { job: VerifyJobView };
    expect(job).toMatchObject({ state: 'running', checked: 0, mode: 'full' });
    expect(job.total).toBeGreaterThanOrEqual(head);

    const done = await waitForJob(h, job.id, viewer);
    expect(done.state).toBe('passed');
    expect(done.checked).toBe(done.total);
    expect(done.total).toBeGreaterThanOrEqual(head);
    expect(done.finishedAt).toBeDefined();
    expect(done.firstBad).toBeUndefined();
    expect(done.result).toMatchObject({ ok: true, firstBad: null, mode: 'full' });
    expect(done.result!.entries).toBe(done.total);

    const list = (await h.request('GET', '/api/v1/ledger/verify', viewer)).body as {
      jobs: VerifyJobView[];
    };
    expect(list.jobs[0]!.id).toBe(job.id);
  });

  it('runs a fast verification of a range', async () => {
    const r = await h.request('POST', '/api/v1/ledger/verify', admin, {
      mode: 'fast',
      from: 2,
      to: 5,
    });
    expect(r.status).toBe(202);
    const done = await waitForJob(h, (r.body as { job: VerifyJobView }).job.id, admin);
    expect(done).toMatchObject({
      state: 'passed',
      mode: 'fast',
      result: { ok: true, mode: 'fast' },
    });
  });

  it('refuses bad input and answers 404 for an unknown job', async () => {
    const bad = await h.request('POST', '/api/v1/ledger/verify', operator, { mode: 'thorough' });
    expect(bad.status).toBe(400);
    expect((bad.body as ErrorBody).message).toContain('mode: one of full, fast');
    const order = await h.request('POST', '/api/v1/ledger/verify', operator, { from: 9, to: 3 });
    expect(order.status).toBe(400);
    expect(issuePaths(order.body)).toEqual(['from']);
    const unknown = await h.request('GET', '/api/v1/ledger/verify/no-such-job', viewer);
    expect(unknown.status).toBe(404);
    expect((unknown.body as ErrorBody).code).toBe('NOT_FOUND');
  });

  it('fails after a row is altered in the database file, naming the first bad seq', async () => {
    // A node of its own: the tampering must not leak into the other tests.
    const t = await startApi();
    try {
      const ops = await t.user('olga@example.com', 'operator');
      await annotate(t, t.system.access.callerForRole('human', 'n@test', 'n', 'operator'), 6);
      const target = (
        (await t.request('GET', '/api/v1/ledger/entries?type=test.note&limit=3', ops))
          .body as EntryPage
      ).entries[2]!.seq;
      const raw = new BetterSqlite3(t.system.store.location);
      try {
        raw.prepare('update ledger_entries set payload = ? where seq = ?').run('{"n":999}', target);
      } finally {
        raw.close();
      }
      const start = await t.request('POST', '/api/v1/ledger/verify', ops, {});
      expect(start.status).toBe(202);
      const done = await waitForJob(t, (start.body as { job: VerifyJobView }).job.id, ops);
      expect(done.state).toBe('failed');
      expect(done.firstBad).toMatchObject({ seq: target, kind: 'modified', where: 'entry' });
      expect(done.firstBad!.reason).toMatch(new RegExp(String(target)));
      expect(done.result).toMatchObject({ ok: false, firstBad: { seq: target } });
    } finally {
      await t.close();
    }
  });
});

describe('the job registry', () => {
  /** A verification that finishes when the test resolves (or rejects) it. */
  function held() {
    let resolve!: (report: LedgerVerifyReport) => void;
    let reject!: (error: unknown) => void;
    let progress!: (done: number, total: number) => void;
    const promise = new Promise<LedgerVerifyReport>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return {
      run: {
        mode: 'full' as const,
        total: 10,
        verify: (onProgress: (done: number, total: number) => void) => {
          progress = onProgress;
          return promise;
        },
      },
      resolve,
      reject,
      progress: (done: number, total: number) => progress(done, total),
    };
  }
  const report = (ok: boolean): LedgerVerifyReport => ({
    ok,
    entries: 10,
    checkpoints: 0,
    size: 10,
    mode: 'full',
    firstBad: ok ? null : { seq: 7, kind: 'deleted', where: 'entry', detail: 'entry 7 is gone' },
    durationMs: 1,
    records: 0,
    anchors: 0,
  });
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it('runs at most two at once, reports progress, keeps the newest, and records errors', async () => {
    const jobs = new VerifyJobs({ maxRunning: 2, keep: 3 });
    const a = held();
    const b = held();
    const first = jobs.start(a.run);
    const second = jobs.start(b.run);
    let refused: unknown;
    try {
      jobs.start(held().run);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(AgentvisorError);
    expect((refused as AgentvisorError).code).toBe('RATE_LIMITED');

    a.progress(4, 10);
    expect(jobs.get(first.id)).toMatchObject({ state: 'running', checked: 4, total: 10 });
    a.resolve(report(false));
    b.reject(new AgentvisorError('STORE_UNAVAILABLE', 'database went away'));
    await settle();
    expect(jobs.get(first.id)).toMatchObject({
      state: 'failed',
      firstBad: { seq: 7, kind: 'deleted', reason: 'entry 7 is gone' },
    });
    expect(jobs.get(second.id)).toMatchObject({
      state: 'error',
      error: { code: 'STORE_UNAVAILABLE', message: 'database went away' },
    });

    // Two more finished jobs push the oldest out; a running one is never dropped.
    for (let i = 0; i < 2; i++) {
      const c = held();
      jobs.start(c.run);
      c.resolve(report(true));
      await settle();
    }
    expect(() => jobs.get(first.id)).toThrow(/no ledger verification job/);
    expect(jobs.list()).toHaveLength(3);
    expect(jobs.list().map((j) => j.state)).toEqual(['passed', 'passed', 'error']);
  });
});

describe('proofs', () => {
  it('serves an inclusion proof the Merkle verifier accepts', async () => {
    const head = (await h.system.ledger.head()).size;
    for (const [seq, size] of [
      [5, undefined],
      [1, 1],
      [3, 10],
      [head, head],
    ] as const) {
      const query = size === undefined ? `seq=${seq}` : `seq=${seq}&size=${size}`;
      const r = await h.request('GET', `/api/v1/ledger/proofs/inclusion?${query}`, viewer);
      expect(r.status, query).toBe(200);
      const p = r.body as {
        seq: number;
        leafIndex: number;
        treeSize: number;
        leafHash: string;
        rootHash: string;
        proof: string[];
      };
      expect(p).toMatchObject({ seq, leafIndex: seq - 1, treeSize: size ?? head });
      expect(
        verifyInclusion({
          leafHash: bytes(p.leafHash),
          index: p.leafIndex,
          treeSize: p.treeSize,
          proof: p.proof.map(bytes),
          root: bytes(p.rootHash),
        }),
        query,
      ).toBe(true);
      // A different root does not verify.
      expect(
        verifyInclusion({
          leafHash: bytes(p.leafHash),
          index: p.leafIndex,
          treeSize: p.treeSize,
          proof: p.proof.map(bytes),
          root: bytes('00'.repeat(32)),
        }),
      ).toBe(false);
    }
  });

  it('serves a consistency proof the Merkle verifier accepts', async () => {
    const r = await h.request('GET', '/api/v1/ledger/proofs/consistency?from=3&to=11', viewer);
    expect(r.status).toBe(200);
    const p = r.body as {
      oldSize: number;
      newSize: number;
      oldRoot: string;
      newRoot: string;
      proof: string[];
    };
    expect(p).toMatchObject({ oldSize: 3, newSize: 11 });
    expect(
      verifyConsistency({
        oldSize: p.oldSize,
        newSize: p.newSize,
        oldRoot: bytes(p.oldRoot),
        newRoot: bytes(p.newRoot),
        proof: p.proof.map(bytes),
      }),
    ).toBe(true);
    const toHead = await h.request('GET', '/api/v1/ledger/proofs/consistency?from=2', viewer);
    expect(toHead.status).toBe(200);
    expect((toHead.body as { newSize: number }).newSize).toBe((await h.system.ledger.head()).size);
  });

  it('refuses a malformed seq or size with 400 and a tree that does not exist with 404', async () => {
    const head = (await h.system.ledger.head()).size;
    const cases: [string, number, string | undefined][] = [
      ['inclusion?seq=0', 400, 'seq'],
      ['inclusion?seq=two', 400, 'seq'],
      ['inclusion', 400, 'seq'],
      ['inclusion?seq=5&size=3', 400, 'seq'],
      ['inclusion?seq=1&size=0', 400, 'size'],
      [`inclusion?seq=${head + 50}`, 404, undefined],
      [`inclusion?seq=1&size=${head + 50}`, 404, undefined],
      ['consistency?from=9&to=4', 400, 'from'],
      ['consistency?from=0', 400, 'from'],
      [`consistency?from=2&to=${head + 50}`, 404, undefined],
      [`consistency?from=${head + 50}`, 404, undefined],
    ];
    for (const [query, status, field] of cases) {
      const r = await h.request('GET', `/api/v1/ledger/proofs/${query}`, viewer);
      expect(r.status, query).toBe(status);
      if (field !== undefined) expect(issuePaths(r.body), query).toEqual([field]);
      else expect((r.body as ErrorBody).code, query).toBe('NOT_FOUND');
    }
  });
});

describe('checkpoints', () => {
  it('writes one now, lists it newest first, and its root matches the inclusion proof', async () => {
    await h.system.ledger.flush();
    const made = await h.request('POST', '/api/v1/ledger/checkpoints', operator, {});
    expect(made.status).toBe(200);
    const { checkpoint, created } = made.body as {
      checkpoint: { size: number; root_hash: string; note: string; time: string; key_id: string };
      created: boolean;
    };
    expect(typeof created).toBe('boolean');
    expect(checkpoint.size).toBe((await h.system.ledger.head()).size);
    // The signed C2SP note starts with the origin and the tree size.
    expect(checkpoint.note.split('\n').slice(0, 2)).toEqual([
      h.system.config.ledger.origin,
      String(checkpoint.size),
    ]);
    expect(Number.isNaN(Date.parse(checkpoint.time))).toBe(false);

    const again = await h.request('POST', '/api/v1/ledger/checkpoints', operator, {});
    expect(again.body).toMatchObject({ checkpoint: { size: checkpoint.size }, created: false });

    const list = await h.request('GET', '/api/v1/ledger/checkpoints?limit=1', viewer);
    expect(list.status).toBe(200);
    expect((list.body as { checkpoints: unknown[] }).checkpoints).toEqual([checkpoint]);

    const proof = await h.request(
      'GET',
      `/api/v1/ledger/proofs/inclusion?seq=1&size=${checkpoint.size}`,
      viewer,
    );
    expect((proof.body as { rootHash: string }).rootHash).toBe(checkpoint.root_hash);

    const bad = await h.request('GET', '/api/v1/ledger/checkpoints?limit=0', viewer);
    expect(bad.status).toBe(400);
    expect(issuePaths(bad.body)).toEqual(['limit']);
  });
});

describe('GET /ledger/export', () => {
  it('streams NDJSON, the same lines as `audit export`, one per entry', async () => {
    await h.system.ledger.flush();
    const r = await h.request('GET', '/api/v1/ledger/export', viewer);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(r.headers.get('content-disposition')).toMatch(/^attachment; filename=".+\.jsonl"$/);
    const lines = r.text.split('\n');
    expect(lines.pop()).toBe('');
    const entries = lines.map((l) => JSON.parse(l) as Entry);
    expect(entries).toHaveLength((await h.system.ledger.head()).size);
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
    const cli: string[] = [];
    for await (const e of exportEntries(h.system.store)) cli.push(JSON.stringify(e));
    expect(lines).toEqual(cli);

    const part = await h.request('GET', '/api/v1/ledger/export?after=10&limit=4', viewer);
    expect(part.status).toBe(200);
    expect(
      part.text
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as Entry).seq),
    ).toEqual([11, 12, 13, 14]);
    const bad = await h.request('GET', '/api/v1/ledger/export?limit=0', viewer);
    expect(bad.status).toBe(400);
    expect(issuePaths(bad.body)).toEqual(['limit']);
  });
});

describe('roles', () => {
  const reads = [
    '/api/v1/ledger/entries',
    '/api/v1/ledger/verify',
    '/api/v1/ledger/proofs/inclusion?seq=1',
    '/api/v1/ledger/proofs/consistency?from=1',
    '/api/v1/ledger/checkpoints',
    '/api/v1/ledger/export',
  ];

  it('lets a viewer read everything and nobody read without credentials', async () => {
    for (const route of reads) {
      expect((await h.request('GET', route, viewer)).status, route).toBe(200);
      expect((await h.request('GET', route)).status, route).toBe(401);
    }
    const { job } = (await h.request('POST', '/api/v1/ledger/verify', operator, {})).body as {
      job: VerifyJobView;
    };
    await waitForJob(h, job.id, viewer);
    expect((await h.request('GET', `/api/v1/ledger/verify/${job.id}`)).status).toBe(401);
  });

  it('needs an operator to start a verification or write a checkpoint', async () => {
    for (const route of ['/api/v1/ledger/verify', '/api/v1/ledger/checkpoints']) {
      const r = await h.request('POST', route, viewer, {});
      expect(r.status, route).toBe(403);
      expect((r.body as ErrorBody).message).toMatch(/needs the operator role/);
      expect((await h.request('POST', route, undefined, {})).status, route).toBe(401);
    }
    // A program with a viewer API key is held to the same line.
    const key = await h.request('POST', '/api/v1/apikeys', admin, {
      name: 'auditor',
      role: 'viewer',
    });
    expect(key.status).toBe(201);
    const bearer = { bearer: (key.body as { secret: string }).secret };
    expect((await h.request('GET', '/api/v1/ledger/export', bearer)).status).toBe(200);
    expect((await h.request('POST', '/api/v1/ledger/verify', bearer, {})).status).toBe(403);
    expect((await h.request('POST', '/api/v1/ledger/checkpoints', bearer, {})).status).toBe(403);
  });
});

describe('the OpenAPI document', () => {
  it('documents the ledger routes with their roles, parameters and responses', async () => {
    const doc = (await h.request('GET', '/api/v1/openapi.json', viewer)).body as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    const entries = doc.paths['/api/v1/ledger/entries']!['get']!;
    expect((entries['parameters'] as { name: string }[]).map((p) => p.name)).toEqual(
      expect.arrayContaining(['after', 'limit', 'type', 'actor', 'subject']),
    );
    const ok = (entries['responses'] as Record<string, { content: Record<string, unknown> }>)[
      '200'
    ]!;
    expect(JSON.stringify(ok.content)).toContain('nextCursor');
    expect(doc.paths['/api/v1/ledger/verify']!['post']!['x-required-role']).toBe('operator');
    expect(doc.paths['/api/v1/ledger/verify/{id}']!['get']).toBeDefined();
    expect(doc.paths['/api/v1/ledger/export']!['get']!['responses']).toHaveProperty([
      '200',
      'content',
      'application/x-ndjson',
    ]);
  });
});

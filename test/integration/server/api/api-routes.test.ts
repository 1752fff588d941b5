/**
 * The REST surface: the generated OpenAPI document is valid OpenAPI 3.1 and lists every route
 * with its role; bad input gets a 400 naming the field; lists page with a cursor; bodies are
 * size-limited; security headers are on every answer; CORS is closed unless configured; no
 * response carries a secret.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEntries } from '../../../../src/ledger/index.js';
import { type ApiHarness, type Browser, PASSWORD, startApi } from './api-harness.js';

let h: ApiHarness;
let admin: Browser;

beforeAll(async () => {
  h = await startApi();
  admin = await h.user('ada@example.com', 'admin');
});
afterAll(async () => {
  await h.close();
});

describe('the OpenAPI document', () => {
  it('validates as OpenAPI 3.1 and documents roles, operations and parameters', async () => {
    const r = await h.request('GET', '/api/v1/openapi.json', admin);
    expect(r.status).toBe(200);
    const doc = r.body as Record<string, unknown> & {
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc['openapi']).toBe('3.1.0');
    const submit = doc.paths['/api/v1/tasks']!['post']!;
    expect(submit['x-kernel-operation']).toBe('task.submit');
    expect(submit['x-required-role']).toBe('operator');
    const body = (
      submit['requestBody'] as {
        content: Record<string, { schema: { properties: Record<string, unknown> } }>;
      }
    ).content['application/json']!.schema;
    expect(Object.keys(body.properties)).toEqual(
      expect.arrayContaining(['agent', 'title', 'priority']),
    );
    const list = doc.paths['/api/v1/tasks']!['get']!;
    const names = (list['parameters'] as { name: string; in: string }[]).map(
      (p) => `${p.in}:${p.name}`,
    );
    expect(names).toEqual(expect.arrayContaining(['query:status', 'query:limit', 'query:before']));
    const patch = doc.paths['/api/v1/agents/{name}/policy']!['post']!;
    expect((patch['parameters'] as { name: string; in: string }[])[0]).toMatchObject({
      name: 'name',
      in: 'path',
    });
  });

  it('serves the interactive reference page from local assets', async () => {
    const page = await h.request('GET', '/api/v1/reference');
    expect(page.status).toBe(200);
    expect(page.text).toContain('/api/v1/reference/swagger-ui-bundle.js');
    const bundle = await fetch(`${h.url}/api/v1/reference/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect(
      Number(bundle.headers.get('content-length') ?? (await bundle.arrayBuffer()).byteLength),
    ).toBeGreaterThan(100_000);
  });
});

describe('input validation', () => {
  it('names the bad field of a query, a body and a path', async () => {
    const query = await h.request('GET', '/api/v1/tasks?limit=lots', admin);
    expect(query.status).toBe(400);
    expect(query.body).toMatchObject({
      code: 'INPUT_INVALID',
      details: { issues: [{ path: ['limit'] }] },
    });
    const status = await h.request('GET', '/api/v1/tasks?status=sleeping', admin);
    expect(status.status).toBe(400);
    expect((status.body as { message: string }).message).toMatch(/status: one of/);
    const body = await h.request('POST', '/api/v1/tasks', admin, {
      agent: 'worker',
      title: '',
      colour: 'red',
    });
    expect(body.status).toBe(400);
    expect((body.body as { message: string }).message).toMatch(/title/);
    const array = await h.request('POST', '/api/v1/tasks', admin, [1, 2]);
    expect(array.status).toBe(400);
    expect((array.body as { message: string }).message).toMatch(/expected a JSON object/);
    const broken = await h.request('POST', '/api/v1/tasks', admin, '{"agent": ');
    expect(broken.status).toBe(400);
    expect(broken.body).toMatchObject({ code: 'INPUT_INVALID' });
    const unknownAgent = await h.request('GET', '/api/v1/agents/nobody', admin);
    expect(unknownAgent.status).toBe(404);
    expect((unknownAgent.body as { message: string }).message).toMatch(/configured: worker/);
  });

  it('refuses an oversized body with 413', async () => {
    const r = await h.request('POST', '/api/v1/tasks', admin, {
      agent: 'worker',
      title: 'x',
      description: 'y'.repeat(2 * 1024 * 1024),
    });
    expect(r.status).toBe(413);
    expect((r.body as { code: string }).code).toBeDefined();
  });

  it('answers an unknown route with the JSON error shape', async () => {
    const r = await h.request('GET', '/api/v1/nothing-here', admin);
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('lists', () => {
  it('pages tasks newest first with a cursor and no overlap', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await h.request('POST', '/api/v1/tasks', admin, {
        agent: 'worker',
        title: `page ${i}`,
      });
      expect(r.status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor === null ? '' : `&before=${cursor}`;
      const r = await h.request('GET', `/api/v1/tasks?limit=2${q}`, admin);
      expect(r.status).toBe(200);
      const page = r.body as { tasks: { id: string; title: string }[]; nextCursor: string | null };
      seen.push(...page.tasks.map((t) => t.title));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(seen.filter((t) => t.startsWith('page '))).toEqual([
      'page 4',
      'page 3',
      'page 2',
      'page 1',
      'page 0',
    ]);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('shows a task with its goals, thoughts, tool calls and subtasks', async () => {
    const made = await h.request('POST', '/api/v1/tasks', admin, {
      agent: 'worker',
      title: 'detail',
    });
    const id = (made.body as { id: string }).id;
    const r = await h.request('GET', `/api/v1/tasks/${id}`, admin);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      task: { id, title: 'detail' },
      goals: [],
      thoughts: [],
      subtasks: [],
    });
  });
});

describe('agents', () => {
  it('refuses to start an agent the node is not supervising, saying why', async () => {
    const r = await h.request('POST', '/api/v1/agents/worker/start', admin, { reason: 'test' });
    expect(r.status).toBe(409);
    expect((r.body as { message: string }).message).toMatch(/not under supervision/);
    const noReason = await h.request('POST', '/api/v1/agents/worker/restart', admin, {});
    expect(noReason.status).toBe(400);
    expect((noReason.body as { message: string }).message).toMatch(/reason/);
  });

  it('serves the policy, dependencies, profile, goals and the compliance report', async () => {
    for (const sub of [
      'policy',
      'dependencies',
      'profile',
      'goals',
      'memory?query=deploy',
      'snapshots',
    ]) {
      const r = await h.request('GET', `/api/v1/agents/worker/${sub}`, admin);
      expect(r.status, sub).toBe(200);
    }
    const json = await h.request('GET', '/api/v1/compliance', admin);
    expect(json.status).toBe(200);
    const html = await h.request('GET', '/api/v1/compliance?format=html', admin);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    expect((await h.request('GET', '/api/v1/compliance?format=pdf', admin)).status).toBe(400);
  });
});

describe('security', () => {
  it('sends security headers and no CORS headers to a foreign origin', async () => {
    const r = await h.request('GET', '/api/v1/agents', admin, undefined, {
      origin: 'https://evil.example',
    });
    expect(r.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers CORS only for configured origins', async () => {
    const open = await startApi({ server: { allowed_origins: ['https://ops.example'] } });
    try {
      const ok = await open.request('OPTIONS', '/api/v1/agents', undefined, undefined, {
        origin: 'https://ops.example',
        'access-control-request-method': 'GET',
      });
      expect(ok.headers.get('access-control-allow-origin')).toBe('https://ops.example');
      const other = await open.request('OPTIONS', '/api/v1/agents', undefined, undefined, {
        origin: 'https://evil.example',
        'access-control-request-method': 'GET',
      });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await open.close();
    }
  });

  it('never answers or records a password, hash, session token or key secret', async () => {
    const made = await h.request('POST', '/api/v1/users', admin, {
      email: 'sec@example.com',
      password: PASSWORD,
      role: 'viewer',
    });
    expect(made.status).toBe(201);
    const key = await h.request('POST', '/api/v1/apikeys', admin, {
      name: 'sec-key',
      role: 'viewer',
    });
    const secret = (key.body as { secret: string }).secret;
    const b = await h.signIn('sec@example.com', PASSWORD);
    const token = b.cookie.split('=')[1]!;
    const bodies = await Promise.all(
      [
        '/api/v1/users',
        '/api/v1/apikeys',
        '/api/v1/session',
        '/api/v1/status',
        '/api/v1/tasks',
      ].map(async (p) => (await h.request('GET', p, admin)).text),
    );
    for (const text of bodies) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain('scrypt$');
      expect(text).not.toContain(token);
      expect(text).not.toContain(secret);
    }
    await h.system.ledger.flush();
    const ledger = JSON.stringify(
      await listEntries(h.system.store, { fromSeq: 1, limit: 100_000 }),
    );
    expect(ledger).not.toContain(PASSWORD);
    expect(ledger).not.toContain(token);
    expect(ledger).not.toContain(secret);
    expect(ledger).toContain('user.login');
  });
});

/**
 * Who may call what: every route of the OpenAPI document refuses a caller without credentials
 * (401) and a caller whose role is too weak (403); browser sessions need the CSRF token on every
 * change; sign-in failures lock an account; first-run setup needs the printed token; an agent's
 * API key does not open the human API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEntries } from '../../../../src/ledger/index.js';
import { type ApiHarness, type Browser, PASSWORD, startApi } from './api-harness.js';

let h: ApiHarness;
let admin: Browser;
let viewer: Browser;
let operator: Browser;

beforeAll(async () => {
  h = await startApi();
  admin = await h.user('ada@example.com', 'admin');
  viewer = await h.user('val@example.com', 'viewer');
  operator = await h.user('otto@example.com', 'operator');
});
afterAll(async () => {
  await h.close();
});

interface OpenApiOperation {
  'x-required-role': string;
}

async function everyRoute(): Promise<{ method: string; path: string; role: string }[]> {
  const doc = (await h.request('GET', '/api/v1/openapi.json', admin)).body as {
    paths: Record<string, Record<string, OpenApiOperation>>;
  };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path: path.replace(/\{[^}]+\}/g, 'x'),
      role: op['x-required-role'],
    })),
  );
}

describe('the API refuses callers it should', () => {
  it('answers 401 without credentials on every non-public route', async () => {
    const routes = await everyRoute();
    expect(routes.length).toBeGreaterThan(40);
    for (const route of routes.filter((r) => r.role !== 'public')) {
      const r = await h.request(
        route.method,
        route.path,
        undefined,
        route.method === 'GET' || route.method === 'DELETE' ? undefined : {},
      );
      expect(r.status, `${route.method} ${route.path}`).toBe(401);
      expect((r.body as { code: string }).code).toBe('UNAUTHENTICATED');
    }
  });

  it('answers 403 to a role below the route’s', async () => {
    const routes = await everyRoute();
    const forViewer = routes.filter((r) => r.role === 'operator' || r.role === 'admin');
    const forOperator = routes.filter((r) => r.role === 'admin');
    expect(forViewer.length).toBeGreaterThan(10);
    expect(forOperator.length).toBeGreaterThan(4);
    for (const [who, list] of [
      [viewer, forViewer],
      [operator, forOperator],
    ] as const) {
      for (const route of list) {
        const r = await h.request(
          route.method,
          route.path,
          who,
          route.method === 'GET' || route.method === 'DELETE' ? undefined : {},
        );
        expect(r.status, `${route.method} ${route.path}`).toBe(403);
        expect((r.body as { code: string; message: string }).message).toMatch(
          /needs the (operator|admin) role/,
        );
      }
    }
  });

  it('lets a viewer read', async () => {
    const r = await h.request('GET', '/api/v1/agents', viewer);
    expect(r.status).toBe(200);
    expect((r.body as { agents: { name: string }[] }).agents.map((a) => a.name)).toEqual([
      'worker',
    ]);
  });

  it('refuses a change from a cookie session without the right CSRF token', async () => {
    const body = { agent: 'worker', title: 'csrf check' };
    const none = await h.request('POST', '/api/v1/tasks', operator, body, { 'x-csrf-token': '' });
    expect(none.status).toBe(403);
    expect((none.body as { message: string }).message).toMatch(/x-csrf-token/);
    const wrong = await h.request('POST', '/api/v1/tasks', operator, body, {
      'x-csrf-token': `${operator.csrf.slice(0, -1)}x`,
    });
    expect(wrong.status).toBe(403);
    const right = await h.request('POST', '/api/v1/tasks', operator, body);
    expect(right.status).toBe(201);
  });

  it('records the human who made a change in the ledger', async () => {
    const r = await h.request('POST', '/api/v1/tasks', operator, {
      agent: 'worker',
      title: 'who did it',
    });
    expect(r.status).toBe(201);
    await h.system.ledger.flush();
    const entries = await listEntries(h.system.store, { fromSeq: 1, limit: 100_000 });
    const submitted = entries.filter(
      (e) => e.actor === 'human:otto@example.com' && e.subject === 'task.submit',
    );
    expect(submitted.length).toBeGreaterThanOrEqual(1);
  });

  it('ends a session on logout', async () => {
    const b = await h.signIn('val@example.com', PASSWORD);
    expect((await h.request('GET', '/api/v1/session', b)).status).toBe(200);
    expect((await h.request('DELETE', '/api/v1/session', b)).status).toBe(204);
    const after = await h.request('GET', '/api/v1/session', b);
    expect(after.status).toBe(401);
    expect((after.body as { message: string }).message).toMatch(/session has ended/);
  });

  it('ends a user’s sessions when an admin changes their role, and keeps the last admin', async () => {
    const b = await h.user('rita@example.com', 'operator');
    const users = (await h.request('GET', '/api/v1/users', admin)).body as {
      users: { id: string; email: string }[];
    };
    const rita = users.users.find((u) => u.email === 'rita@example.com')!;
    const demoted = await h.request('PATCH', `/api/v1/users/${rita.id}`, admin, { role: 'viewer' });
    expect(demoted.status).toBe(200);
    expect((await h.request('GET', '/api/v1/agents', b)).status).toBe(401);
    const me = users.users.find((u) => u.email === 'ada@example.com')!;
    const last = await h.request('PATCH', `/api/v1/users/${me.id}`, admin, { role: 'viewer' });
    expect(last.status).toBe(409);
    expect((last.body as { message: string }).message).toMatch(/last enabled admin/);
  });

  it('accepts an API key with a role and refuses an agent’s key', async () => {
    const made = await h.request('POST', '/api/v1/apikeys', admin, {
      name: 'ci-bot',
      role: 'viewer',
    });
    expect(made.status).toBe(201);
    const { secret } = made.body as { secret: string };
    expect((await h.request('GET', '/api/v1/agents', { bearer: secret })).status).toBe(200);
    const write = await h.request(
      'POST',
      '/api/v1/tasks',
      { bearer: secret },
      { agent: 'worker', title: 't' },
    );
    expect(write.status).toBe(403);
    const agentKey = await h.system.apiKeys.create({
      name: 'agent-key',
      agentId: h.system.agents.byName('worker')!.id,
      createdBy: 'human:test',
    });
    const refused = await h.request('GET', '/api/v1/agents', { bearer: agentKey.secret });
    expect(refused.status).toBe(403);
    expect((refused.body as { message: string }).message).toMatch(/belongs to an agent/);
    expect((await h.request('GET', '/api/v1/agents', { bearer: 'avk_nope' })).status).toBe(401);
  });

  it('accepts the local operator token as admin', async () => {
    const r = await h.request('GET', '/api/v1/users', { bearer: h.operatorToken });
    expect(r.status).toBe(200);
  });
});

describe('sign-in', () => {
  it('gives the same answer for an unknown email and a wrong password', async () => {
    const unknown = await h.request('POST', '/api/v1/session', undefined, {
      email: 'nobody@example.com',
      password: 'whatever it is',
    });
    const wrong = await h.request('POST', '/api/v1/session', undefined, {
      email: 'val@example.com',
      password: 'not the password',
    });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
  });

  it('locks an account after five failures in a row, even against the right password', async () => {
    await h.user('lock@example.com', 'viewer');
    for (let i = 0; i < 4; i++) {
      const r = await h.request('POST', '/api/v1/session', undefined, {
        email: 'lock@example.com',
        password: `wrong ${i} password`,
      });
      expect(r.status).toBe(401);
    }
    const fifth = await h.request('POST', '/api/v1/session', undefined, {
      email: 'lock@example.com',
      password: 'wrong 5 password',
    });
    expect(fifth.status).toBe(429);
    expect(Number(fifth.headers.get('retry-after'))).toBeGreaterThan(0);
    const right = await h.request('POST', '/api/v1/session', undefined, {
      email: 'lock@example.com',
      password: PASSWORD,
    });
    expect(right.status).toBe(429);
    expect((right.body as { message: string }).message).toMatch(/locked until/);
  });

  it('refuses malformed sign-in input with what was wrong', async () => {
    const r = await h.request('POST', '/api/v1/session', undefined, {
      email: 'not-an-email',
      password: 'x',
    });
    expect(r.status).toBe(400);
    expect((r.body as { message: string }).message).toMatch(/email/);
    const extra = await h.request('POST', '/api/v1/session', undefined, {
      email: 'a@b.co',
      password: 'x',
      admin: true,
    });
    expect(extra.status).toBe(400);
  });
});

describe('first-run setup and per-address limits', () => {
  it('creates the first admin only with the setup token, once, and limits failed attempts per address', async () => {
    const fresh = await startApi({ rateLimits: { login_failures: 4 } });
    try {
      expect((await fresh.request('GET', '/api/v1/setup')).body).toEqual({ needed: true });
      const token = (await fresh.system.access.setupToken())!;
      const attempt = (path: string, body: Record<string, unknown>) =>
        fresh.request('POST', path, undefined, body);
      const wrong = await attempt('/api/v1/setup', {
        token: 'avsetup_wrong',
        email: 'first@example.com',
        password: PASSWORD,
      });
      expect(wrong.status).toBe(401);
      const ok = await attempt('/api/v1/setup', {
        token,
        email: 'first@example.com',
        password: PASSWORD,
      });
      expect(ok.status).toBe(201);
      expect((ok.body as { user: { role: string } }).user.role).toBe('admin');
      expect(ok.headers.getSetCookie()[0]).toMatch(/HttpOnly/i);
      expect(ok.headers.getSetCookie()[0]).toMatch(/SameSite=Strict/i);
      expect((await fresh.request('GET', '/api/v1/setup')).body).toEqual({ needed: false });
      // The success above forgave the address's failure; these four fail.
      const again = await attempt('/api/v1/setup', {
        token,
        email: 'second@example.com',
        password: PASSWORD,
      });
      expect(again.status).toBe(401);
      for (let i = 0; i < 3; i++) {
        const bad = await attempt('/api/v1/session', {
          email: 'first@example.com',
          password: `nope ${i} nope`,
        });
        expect(bad.status).toBe(401);
      }
      // Now even the right password is refused from this address, with when to retry.
      const limited = await attempt('/api/v1/session', {
        email: 'first@example.com',
        password: PASSWORD,
      });
      expect(limited.status).toBe(429);
      expect((limited.body as { code: string; message: string }).message).toMatch(
        /too many failed sign-ins/,
      );
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await fresh.close();
    }
  });

  it('limits API requests per minute by role, and anonymous ones per address', async () => {
    const limited = await startApi({
      rateLimits: { api: { anonymous: 2, viewer: 3, operator: 100, admin: 100 } },
    });
    try {
      const viewerBrowser = await limited.user('v@example.com', 'viewer');
      const adminBrowser = await limited.user('a@example.com', 'admin');
      for (let i = 0; i < 3; i++) {
        expect((await limited.request('GET', '/api/v1/agents', viewerBrowser)).status).toBe(200);
      }
      const over = await limited.request('GET', '/api/v1/agents', viewerBrowser);
      expect(over.status).toBe(429);
      expect((over.body as { message: string }).message).toMatch(
        /more than 3 API requests per minute for the viewer role/,
      );
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
      // Another caller has its own allowance.
      expect((await limited.request('GET', '/api/v1/agents', adminBrowser)).status).toBe(200);
      // Two sign-ins above were public requests; a third anonymous one is over.
      const anon = await limited.request('GET', '/api/v1/setup');
      expect(anon.status).toBe(429);
    } finally {
      await limited.close();
    }
  });
});

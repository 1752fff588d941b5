/**
 * Usage and cost under `/api/v1` on a real node: usage rows recorded the way the gateway records
 * them (its usage recorder), then summed per agent, API key, model and UTC day over a window with
 * the right edges (a date covers its whole day, a date-time `to` is exclusive), every day of the
 * window listed, the totals, the default window of the last 7 days, validation of `by`, dates and
 * the window, the budgets, and the roles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UsageRecord } from '../../../../src/gateway/index.js';
import { type ApiHarness, type Browser, startApi } from './api-harness.js';

interface Row {
  key: string | null;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  failures: number;
}
interface UsageAnswer {
  by: string;
  from: string;
  to: string;
  rows: Row[];
  total: Omit<Row, 'key'>;
}
interface ErrorBody {
  code: string;
  message: string;
  details?: { issues?: { path: (string | number)[]; message: string }[] };
}

let h: ApiHarness;
let viewer: Browser;

function call(
  at: string,
  fields: {
    agentId?: string | null;
    apiKeyId?: string | null;
    provider: string;
    model: string;
    input: number;
    output: number;
    costUsd: number;
    outcome?: UsageRecord['outcome'];
  },
): UsageRecord {
  return {
    at: Date.parse(at),
    agentId: fields.agentId ?? null,
    apiKeyId: fields.apiKeyId ?? null,
    alias: 'smart',
    provider: fields.provider,
    model: fields.model,
    operation: 'chat',
    usage: { inputTokens: fields.input, outputTokens: fields.output, cachedInputTokens: 0 },
    costUsd: fields.costUsd,
    latencyMs: 120,
    outcome: fields.outcome ?? 'ok',
    wasFallback: false,
    streamed: false,
  };
}

const mini = { provider: 'openai', model: 'gpt-4o-mini' };

async function usage(query: string): Promise<UsageAnswer> {
  const r = await h.request('GET', `/api/v1/usage?${query}`, viewer);
  expect(r.status, `${query}: ${r.text}`).toBe(200);
  return r.body as UsageAnswer;
}

function byKey(answer: UsageAnswer): Map<string | null, Row> {
  return new Map(answer.rows.map((r) => [r.key, r]));
}

beforeAll(async () => {
  h = await startApi();
  viewer = await h.user('vera@example.com', 'viewer');
  const recorder = h.system.gatewaySystem.usage;
  for (const record of [
    // Outside the March window, on either side.
    call('2025-02-28T23:59:59.999Z', {
      agentId: 'worker',
      ...mini,
      input: 1,
      output: 1,
      costUsd: 1,
    }),
    call('2025-03-05T00:00:00.000Z', {
      agentId: 'worker',
      ...mini,
      input: 1,
      output: 1,
      costUsd: 1,
    }),
    // Inside: 1 March twice, 2 March once (failed), nothing on 3 March, 4 March once.
    call('2025-03-01T10:00:00.000Z', {
      agentId: 'worker',
      ...mini,
      input: 100,
      output: 50,
      costUsd: 0.01,
    }),
    call('2025-03-01T23:59:59.999Z', {
      agentId: 'worker',
      apiKeyId: 'key-a',
      provider: 'anthropic',
      model: 'claude-x',
      input: 200,
      output: 100,
      costUsd: 0.05,
    }),
    call('2025-03-02T00:00:00.000Z', {
      agentId: 'planner',
      apiKeyId: 'key-a',
      ...mini,
      input: 10,
      output: 0,
      costUsd: 0.001,
      outcome: 'error',
    }),
    call('2025-03-04T12:00:00.000Z', {
      apiKeyId: 'key-b',
      provider: 'openai',
      model: 'gpt-4o',
      input: 1000,
      output: 500,
      costUsd: 0.5,
    }),
    // Today, for the default window.
    call(new Date().toISOString(), {
      agentId: 'worker',
      ...mini,
      input: 7,
      output: 3,
      costUsd: 0.002,
    }),
  ]) {
    recorder.record(record);
  }
});
afterAll(async () => {
  await h.close();
});

describe('GET /usage', () => {
  const march = 'from=2025-03-01&to=2025-03-04';

  it('groups by agent with totals over a window of whole days', async () => {
    const answer = await usage(`by=agent&${march}`);
    expect(answer).toMatchObject({
      by: 'agent',
      from: '2025-03-01T00:00:00.000Z',
      to: '2025-03-05T00:00:00.000Z',
    });
    const rows = byKey(answer);
    expect([...rows.keys()].sort()).toEqual(['planner', 'worker', null].sort());
    expect(rows.get('worker')).toMatchObject({
      calls: 2,
      inputTokens: 300,
      outputTokens: 150,
      failures: 0,
    });
    expect(rows.get('worker')!.costUsd).toBeCloseTo(0.06, 10);
    expect(rows.get('planner')).toMatchObject({ calls: 1, failures: 1, inputTokens: 10 });
    expect(rows.get(null)).toMatchObject({ calls: 1, inputTokens: 1000, outputTokens: 500 });
    expect(answer.total).toMatchObject({
      calls: 4,
      inputTokens: 1310,
      outputTokens: 650,
      failures: 1,
    });
    expect(answer.total.costUsd).toBeCloseTo(0.561, 10);
  });

  it('groups by model and by API key', async () => {
    const models = byKey(await usage(`by=model&${march}`));
    expect([...models.keys()].sort()).toEqual([
      'anthropic/claude-x',
      'openai/gpt-4o',
      'openai/gpt-4o-mini',
    ]);
    expect(models.get('openai/gpt-4o-mini')).toMatchObject({ calls: 2, failures: 1 });
    expect(models.get('anthropic/claude-x')).toMatchObject({ calls: 1, inputTokens: 200 });

    const keys = byKey(await usage(`by=key&${march}`));
    expect(keys.get('key-a')).toMatchObject({ calls: 2, inputTokens: 210, failures: 1 });
    expect(keys.get('key-b')).toMatchObject({ calls: 1 });
    expect(keys.get(null)).toMatchObject({ calls: 1, inputTokens: 100 });
  });

  it('groups by UTC day, listing every day of the window', async () => {
    const answer = await usage(`by=day&${march}`);
    expect(answer.rows.map((r) => [r.key, r.calls])).toEqual([
      ['2025-03-01', 2],
      ['2025-03-02', 1],
      ['2025-03-03', 0],
      ['2025-03-04', 1],
    ]);
    expect(answer.rows[2]).toEqual({
      key: '2025-03-03',
      calls: 0,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
      failures: 0,
    });
    expect(answer.total.calls).toBe(4);
  });

  it('takes date-times as exact instants, the end exclusive', async () => {
    const answer = await usage('by=agent&from=2025-03-01T12:00:00Z&to=2025-03-02T00:00:00Z');
    // 10:00 is before the start; 00:00 on 2 March is the (excluded) end.
    expect(answer.rows).toEqual([
      { key: 'worker', calls: 1, inputTokens: 200, outputTokens: 100, costUsd: 0.05, failures: 0 },
    ]);
    const offset = await usage(
      `by=agent&from=2025-03-01T13:00:00%2B01:00&to=${encodeURIComponent('2025-03-02T01:00:00+01:00')}`,
    );
    expect(offset.from).toBe('2025-03-01T12:00:00.000Z');
    expect(offset.rows).toEqual(answer.rows);
  });

  it('defaults to the last 7 UTC days, grouped by day', async () => {
    const answer = await usage('');
    expect(answer.by).toBe('day');
    const today = new Date().toISOString().slice(0, 10);
    expect(answer.rows).toHaveLength(7);
    expect(answer.rows.at(-1)!.key).toBe(today);
    expect(answer.rows.at(-1)!.calls).toBeGreaterThanOrEqual(1);
    expect(answer.from).toBe(
      new Date(Date.parse(`${today}T00:00:00Z`) - 6 * 86_400_000).toISOString(),
    );
    // A year, leap day included, is the longest window.
    expect((await usage('by=model&from=2024-01-01&to=2024-12-31')).to).toBe(
      '2025-01-01T00:00:00.000Z',
    );
  });

  it('refuses a bad grouping, a bad date, a reversed or too long window with 400', async () => {
    const cases: [string, string, RegExp][] = [
      ['by=week', 'by', /by: one of agent, key, model, day/],
      ['from=2025-02-30', 'from', /from: no such date/],
      ['to=yesterday', 'to', /to: expected an ISO date/],
      ['from=2025-03-01T10:00', 'from', /from: expected an ISO date/],
      ['from=2025-03-05&to=2025-03-01', 'from', /from: .* is after to/],
      ['from=2025-03-02T00:00:00Z&to=2025-03-01T23:00:00Z', 'from', /is after to/],
      ['from=2024-01-01&to=2025-03-01', 'from', /at most 366 days/],
    ];
    for (const [query, field, message] of cases) {
      const r = await h.request('GET', `/api/v1/usage?${query}`, viewer);
      expect(r.status, query).toBe(400);
      const body = r.body as ErrorBody;
      expect(body.code).toBe('INPUT_INVALID');
      expect(body.message, query).toMatch(message);
      expect(
        body.details?.issues?.map((i) => i.path.join('.')),
        query,
      ).toEqual([field]);
    }
    const extra = await h.request('GET', '/api/v1/usage?agent=worker', viewer);
    expect(extra.status).toBe(400);
    expect((extra.body as ErrorBody).message).toContain('agent');
  });
});

describe('GET /budgets', () => {
  it("answers the budget engine's status (none configured on this node)", async () => {
    const r = await h.request('GET', '/api/v1/budgets', viewer);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ budgets: await h.system.gatewaySystem.budgets.status() });
    expect(r.body).toEqual({ budgets: [] });
  });
});

describe('roles and the OpenAPI document', () => {
  it('lets a viewer read usage and budgets, and nobody without credentials', async () => {
    for (const route of ['/api/v1/usage', '/api/v1/budgets']) {
      expect((await h.request('GET', route, viewer)).status, route).toBe(200);
      const anonymous = await h.request('GET', route);
      expect(anonymous.status, route).toBe(401);
    }
  });

  it('documents the grouping and the response shapes', async () => {
    const doc = (await h.request('GET', '/api/v1/openapi.json', viewer)).body as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    const get = doc.paths['/api/v1/usage']!['get']!;
    const by = (get['parameters'] as { name: string; schema: { enum?: string[] } }[]).find(
      (p) => p.name === 'by',
    );
    expect(by?.schema.enum).toEqual(['agent', 'key', 'model', 'day']);
    expect(JSON.stringify(get['responses'])).toContain('outputTokens');
    const budgets = doc.paths['/api/v1/budgets']!['get']!;
    expect(JSON.stringify(budgets['responses'])).toContain('resetsAt');
  });
});

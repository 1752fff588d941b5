/**
 * The built-in signals of a real node, read through rules set to fire on them: model spend in
 * the window from `llm_usage`, free disk from the data directory's file system, the bus's dead
 * letters, API answer times recorded by the server hook, the kernel's per-agent error ratio,
 * budget critical (raised by the budget engine at once, confirmed by its status), and the
 * runtime gauges `/metrics` reads.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, newId } from '../../../src/core/index.js';
import {
  type AgentvisorSystem,
  type AlertSystem,
  createLogger,
  openAlertSystem,
  openSystem,
} from '../../../src/system/index.js';
import { tempDir } from '../../support/services.js';

let system: AgentvisorSystem;
let alerts: AlertSystem;
const tmp = tempDir('agentvisor-alert-signals-');

beforeAll(async () => {
  const logger = createLogger({ level: 'silent', format: 'json' });
  system = await openSystem({
    config: configSchema.parse({
      gateway: { budgets: [{ scope: 'global', cost_per_day: 20 }] },
      alerts: {
        rules: {
          cost: { signal: 'llm_cost_usd', threshold: 10 },
          disk_any: { signal: 'disk_free_ratio', op: '<=', threshold: 1 },
          dlq_any: { signal: 'bus_dead_letters', op: '>=', threshold: 0 },
          slow_api: { signal: 'api_latency_p95_seconds', threshold: 5 },
          errors: { signal: 'agent_error_ratio', threshold: 0.5 },
        },
      },
    }),
    dataDir: path.join(tmp.dir, '.agentvisor'),
    logger,
    configDir: tmp.dir,
    env: { ...process.env, AGENTVISOR_REDIS_URL: '' },
  });
  alerts = openAlertSystem({ system, logger });
});
afterAll(async () => {
  await alerts?.stop();
  await system?.close();
  tmp.remove();
});

describe("a node's signals", () => {
  it('fire the rules over them', async () => {
    await system.store.db
      .insertInto('llm_usage')
      .values({
        id: newId(),
        ts: new Date().toISOString(),
        agent_id: null,
        api_key_id: null,
        task_id: null,
        alias: 'smart',
        provider: 'stub',
        model: 'm',
        operation: 'chat',
        input_tokens: 10,
        output_tokens: 10,
        cached_tokens: 0,
        cost_usd: 19.5,
        latency_ms: 100,
        outcome: 'ok',
        was_fallback: 0,
        streamed: 0,
      })
      .execute();
    for (let i = 0; i < 20; i++) alerts.recordApiLatency(6000 + i * 10);
    for (let i = 0; i < 4; i++) {
      system.telemetry.record({
        kind: 'op',
        callId: `c${i}`,
        op: 'tool.call',
        actor: 'agent:a1',
        outcome: i === 0 ? 'ok' : 'error',
        durationUs: 10,
        at: Date.now(),
      });
    }
    // The budget engine sees 19.5 + 0.1 of 20 dollars: critical, raised before any evaluation.
    const reserved = await system.gatewaySystem.budgets.reserve({
      estimate: { tokens: 10, usd: 0.1 },
    });
    expect(reserved.allowed).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect((await alerts.list()).map((a) => `${a.rule}:${a.state}`)).toEqual([
      'budget_critical:firing',
    ]);
    await alerts.evaluate();
    const firing = await alerts.list({ state: 'firing' });
    const byRule = Object.fromEntries(firing.map((a) => [a.rule, a]));
    // The default llm_cost_spike (more than $10 an hour) fires too.
    expect(Object.keys(byRule).sort()).toEqual(
      [
        'budget_critical',
        'cost',
        'disk_any',
        'dlq_any',
        'errors',
        'llm_cost_spike',
        'slow_api',
      ].sort(),
    );
    expect(byRule['cost']!.value).toBeCloseTo(19.5);
    expect(byRule['dlq_any']!.value).toBe(0);
    expect(byRule['slow_api']!.value).toBeGreaterThan(5.5);
    expect(byRule['errors']).toMatchObject({ labels: { agent: 'a1' }, value: 0.75 });
    expect(byRule['budget_critical']).toMatchObject({
      labels: { budget: 'global', limit: 'cost_per_day' },
    });
    const disk = byRule['disk_any']!.value!;
    expect(disk).toBeGreaterThan(0);
    expect(disk).toBeLessThanOrEqual(1);
    // And the gauges /metrics reads.
    const m = alerts.metricSources;
    expect(await m.deadLetters()).toBe(0);
    expect(await m.diskFreeRatio()).toBeCloseTo(disk, 2);
    expect([...m.budgetsCritical()]).toEqual([
      { budget: 'global', limit: 'cost_per_day', fraction: expect.any(Number) },
    ]);
    expect([...m.alerts()].find((a) => a.alertname === 'cost')).toMatchObject({
      state: 'firing',
      count: 1,
    });
  });
});

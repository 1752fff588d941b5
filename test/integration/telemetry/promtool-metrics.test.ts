/**
 * The `/metrics` exposition passes Prometheus' own linter, `promtool check metrics`, with every
 * metric family populated. Without promtool the suite skips with the reason, except under
 * `AGENTVISOR_REQUIRE_SERVICES=1` (CI), where a missing promtool is a failure.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/index.js';
import { MetricsRegistry, TelemetryAggregator } from '../../../src/telemetry/index.js';
import { tempDir } from '../../support/services.js';

const PROMTOOL = '/usr/bin/promtool';

function promtoolAvailable(): boolean {
  if (existsSync(PROMTOOL)) return true;
  const reason = `${PROMTOOL} not found (Debian package "prometheus")`;
  if (process.env['AGENTVISOR_REQUIRE_SERVICES'] === '1') {
    throw new Error(`AGENTVISOR_REQUIRE_SERVICES=1 but ${reason}`);
  }
  console.warn(`[skip] promtool metrics check skipped: ${reason}`);
  return false;
}

describe.skipIf(!promtoolAvailable())('promtool check metrics', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it('finds no errors and no lint problems', async () => {
    const telemetry = new TelemetryAggregator({ clock: new ManualClock(1_700_000_000_000) });
    const metrics = new MetricsRegistry({ telemetry, ledgerSize: () => 1234 });
    telemetry.agentEvent('a1', 'planner "lead"\\x', 'spawned');
    telemetry.agentEvent('a2', 'coder', 'spawned');
    telemetry.fault('a2', 'coder', 'crash', 'restart', 'exit 1');
    telemetry.agentEvent('a2', 'coder', 'restarted');
    for (let i = 0; i < 50; i++) {
      telemetry.record({
        kind: 'op',
        callId: String(i),
        op: i % 2 === 0 ? 'fs.read' : 'llm.complete',
        actor: i % 3 === 0 ? 'human:alice' : 'agent:a1',
        outcome: i % 5 === 0 ? 'denied' : 'ok',
        durationUs: i * 997,
        at: 1_700_000_000_000 + i,
      });
    }
    telemetry.taskStarted('a1', 'planner "lead"\\x');
    telemetry.taskFinished('a1', 'planner "lead"\\x', {
      taskType: 'plan',
      status: 'success',
      durationMs: 12_000,
    });
    telemetry.modelUsage('a1', {
      provider: 'anthropic',
      model: 'claude-x',
      inputTokens: 900,
      outputTokens: 80,
      costUsd: 0.012,
      durationMs: 2100,
    });
    telemetry.apiRequest({
      method: 'POST',
      endpoint: '/v1/ops/:name',
      statusCode: 403,
      durationMs: 2,
    });

    const { body } = await metrics.renderMetrics();
    const file = path.join(tmp.dir, 'metrics.txt');
    writeFileSync(file, body);
    const result = spawnSync(PROMTOOL, ['check', 'metrics'], {
      input: readFileSync(file),
      encoding: 'utf8',
    });
    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({
      status: 0,
      stdout: '',
      stderr: '',
    });
    // The check ran on a populated exposition, not an empty one.
    expect(body).toContain('agentvisor_op_duration_seconds_bucket');
    expect(body).toContain('llm_tokens_total');
  });
});

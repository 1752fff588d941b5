/**
 * The metrics registry: seed 002 and agentvisor_* names, values read from the aggregator at
 * scrape time (so later events show up without touching the registry), and its own registry.
 */
import { register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { CallEvent } from '../../../src/core/index.js';
import { MetricsRegistry, TelemetryAggregator } from '../../../src/telemetry/index.js';

function op(over: Partial<CallEvent> = {}): CallEvent {
  return {
    kind: 'op',
    callId: '1',
    op: 'fs.read',
    actor: 'agent:a1',
    outcome: 'ok',
    durationUs: 42,
    at: 1,
    ...over,
  };
}

function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('MetricsRegistry', () => {
  it('reads the aggregator at scrape time', async () => {
    const telemetry = new TelemetryAggregator();
    const metrics = new MetricsRegistry({ telemetry });
    telemetry.agentEvent('a1', 'planner', 'spawned');
    telemetry.record(op());
    let { body, contentType } = await metrics.renderMetrics();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(body, 'agentvisor_ops_total{operation="fs.read",outcome="ok"}')).toBe(1);
    expect(sample(body, 'agentvisor_agents_active')).toBe(1);
    telemetry.record(op({ outcome: 'denied', durationUs: 2_000_000 }));
    telemetry.agentEvent('a1', 'planner', 'exited', 'stopped');
    ({ body } = await metrics.renderMetrics());
    expect(sample(body, 'agentvisor_ops_total{operation="fs.read",outcome="denied"}')).toBe(1);
    expect(sample(body, 'agentvisor_agents_active')).toBe(0);
    expect(sample(body, 'agentvisor_agent_exits_total{agent="planner"}')).toBe(1);
    expect(
      sample(body, 'agentvisor_op_duration_seconds_bucket{operation="fs.read",le="0.00005"}'),
    ).toBe(1);
    expect(sample(body, 'agentvisor_op_duration_seconds_bucket{operation="fs.read",le="1"}')).toBe(
      1,
    );
    expect(sample(body, 'agentvisor_op_duration_seconds_bucket{operation="fs.read",le="5"}')).toBe(
      2,
    );
    expect(sample(body, 'agentvisor_op_duration_seconds_count{operation="fs.read"}')).toBe(2);
    expect(sample(body, 'agentvisor_op_duration_seconds_sum{operation="fs.read"}')).toBeCloseTo(
      2.000042,
      9,
    );
    expect(sample(body, 'agentvisor_agent_ops_total{agent="planner",outcome="denied"}')).toBe(1);
  });

  it('exposes the seed 002 metric names', async () => {
    const telemetry = new TelemetryAggregator();
    const metrics = new MetricsRegistry({ telemetry, ledgerSize: async () => 99 });
    telemetry.taskStarted('a1', 'coder');
    telemetry.taskFinished('a1', 'coder', {
      taskType: 'code',
      status: 'failure',
      durationMs: 7000,
    });
    telemetry.taskStarted('a1', 'coder');
    telemetry.modelUsage('a1', {
      provider: 'openai',
      model: 'gpt-x',
      inputTokens: 30,
      outputTokens: 4,
      costUsd: 0.25,
      durationMs: 300,
    });
    telemetry.apiRequest({ method: 'GET', endpoint: '/v1/agents', statusCode: 200, durationMs: 4 });
    telemetry.fault('a1', 'coder', 'watchdog_timeout', 'kill');
    const { body } = await metrics.renderMetrics();
    expect(sample(body, 'agent_tasks_total{agent="coder",status="failure"}')).toBe(1);
    expect(sample(body, 'agent_task_duration_seconds_count{agent="coder",task_type="code"}')).toBe(
      1,
    );
    expect(sample(body, 'agent_active_tasks{agent="coder"}')).toBe(1);
    expect(
      sample(body, 'llm_tokens_total{provider="openai",model="gpt-x",direction="input"}'),
    ).toBe(30);
    expect(
      sample(body, 'llm_tokens_total{provider="openai",model="gpt-x",direction="output"}'),
    ).toBe(4);
    expect(sample(body, 'llm_cost_dollars_total{provider="openai",model="gpt-x"}')).toBe(0.25);
    expect(
      sample(body, 'llm_request_duration_seconds_count{provider="openai",model="gpt-x"}'),
    ).toBe(1);
    expect(
      sample(body, 'api_requests_total{method="GET",endpoint="/v1/agents",status_code="200"}'),
    ).toBe(1);
    expect(
      sample(body, 'api_request_duration_seconds_count{method="GET",endpoint="/v1/agents"}'),
    ).toBe(1);
    expect(sample(body, 'agentvisor_faults_total{fault="watchdog_timeout"}')).toBe(1);
    expect(sample(body, 'agentvisor_faults_total{fault="crash"}')).toBe(0);
    expect(sample(body, 'agentvisor_ledger_entries')).toBe(99);
  });

  it('adds up agents that share a name instead of repeating a series', async () => {
    const telemetry = new TelemetryAggregator();
    const metrics = new MetricsRegistry({ telemetry });
    telemetry.agentEvent('a1', 'worker', 'spawned');
    telemetry.agentEvent('a2', 'worker', 'spawned');
    const { body } = await metrics.renderMetrics();
    const lines = body.split('\n').filter((l) => l.startsWith('agentvisor_agent_spawns_total{'));
    expect(lines).toEqual(['agentvisor_agent_spawns_total{agent="worker"} 2']);
  });

  it('registers nothing on the global registry', async () => {
    new MetricsRegistry({ telemetry: new TelemetryAggregator() });
    expect(await globalRegistry.metrics()).not.toContain('agentvisor_');
  });
});

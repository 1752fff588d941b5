/**
 * The aggregator: per-operation counters as before, system and per-agent metrics from op,
 * lifecycle, fault, model and task events, one ring buffer of the last 1024 events of every
 * kind, and redaction of text before it is stored.
 */
import { describe, expect, it } from 'vitest';
import { type CallEvent, ManualClock } from '../../../src/core/index.js';
import { EVENT_BUFFER_SIZE, REDACTED, TelemetryAggregator } from '../../../src/telemetry/index.js';

function op(over: Partial<CallEvent> = {}): CallEvent {
  return {
    kind: 'op',
    callId: '1',
    op: 'agent.info',
    actor: 'agent:a1',
    outcome: 'ok',
    durationUs: 10,
    at: 1000,
    ...over,
  };
}

describe('TelemetryAggregator', () => {
  it('keeps the per-operation counters and totals', () => {
    const t = new TelemetryAggregator();
    t.record(op({ durationUs: 5 }));
    t.record(op({ outcome: 'denied', code: 'POLICY_DENIED', durationUs: 20 }));
    t.record(op({ op: 'fs.read', outcome: 'error', durationUs: 7 }));
    const s = t.snapshot();
    expect(s.totalCalls).toBe(3);
    expect(s.operations['agent.info']).toEqual({
      calls: 2,
      ok: 1,
      denied: 1,
      rejected: 0,
      errors: 0,
      totalUs: 25,
      maxUs: 20,
    });
    expect(s.operations['fs.read']?.errors).toBe(1);
    expect(s.system.totalOps).toBe(3);
  });

  it('counts lifecycle changes, faults and active agents', () => {
    const clock = new ManualClock(5000);
    const t = new TelemetryAggregator({ clock });
    t.agentEvent('a1', 'planner', 'spawned');
    t.agentEvent('a2', 'coder', 'spawned');
    t.agentEvent('a2', 'coder', 'active');
    t.agentEvent('a2', 'coder', 'fault', 'crash: exit code 1');
    t.fault('a2', 'coder', 'crash', 'restart', 'exit code 1');
    t.agentEvent('a2', 'coder', 'recovery');
    t.agentEvent('a2', 'coder', 'restarted');
    t.fault('a1', 'planner', 'op_flood', 'throttle');
    t.agentEvent('a1', 'planner', 'exited', 'stopped');
    t.agentEvent('a3', 'risky', 'spawned');
    t.agentEvent('a3', 'risky', 'failed', 'risk: unacceptable');
    const sys = t.systemMetrics();
    expect(sys).toMatchObject({
      spawns: 3,
      exits: 1,
      crashes: 1,
      faults: 2,
      restarts: 1,
      failures: 1,
      activeAgents: 1,
      totalOps: 0,
    });
    expect(sys.faultsByKind.crash).toBe(1);
    expect(sys.faultsByKind.op_flood).toBe(1);
    expect(sys.faultsByKind.memory_limit).toBe(0);
    const coder = t.snapshot().agents['a2'];
    expect(coder).toMatchObject({
      name: 'coder',
      state: 'restarted',
      spawns: 1,
      restarts: 1,
      crashes: 1,
      faults: 1,
      lastActivity: 5000,
    });
  });

  it('attributes op events to the agent named by an agent:<id> actor', () => {
    const t = new TelemetryAggregator();
    t.agentEvent('a1', 'planner', 'spawned');
    t.record(op({ at: 7000 }));
    t.record(op({ outcome: 'denied', at: 7001 }));
    t.record(op({ outcome: 'rejected', at: 7002 }));
    t.record(op({ outcome: 'error', at: 7003 }));
    t.record(op({ actor: 'human:alice' }));
    t.modelUsage('a1', {
      provider: 'anthropic',
      model: 'm',
      inputTokens: 100,
      outputTokens: 20,
      costUsd: 0.5,
    });
    const a = t.snapshot().agents['a1'];
    expect(a).toMatchObject({
      ops: 4,
      errors: 1,
      denials: 1,
      rejections: 1,
      inputTokens: 100,
      outputTokens: 20,
      costUsd: 0.5,
    });
    expect(a?.lastActivity).toBeGreaterThanOrEqual(7003);
    expect(Object.keys(t.snapshot().agents)).toEqual(['a1']);
  });

  it('creates an agent seen only through its ops, named by its id until a lifecycle event names it', () => {
    const t = new TelemetryAggregator();
    t.record(op({ actor: 'agent:zz' }));
    expect(t.snapshot().agents['zz']?.name).toBe('zz');
    t.agentEvent('zz', 'writer', 'spawned');
    expect(t.snapshot().agents['zz']).toMatchObject({ name: 'writer', ops: 1, spawns: 1 });
  });

  it('keeps the last 1024 events of every kind in one ring buffer, oldest first', () => {
    const t = new TelemetryAggregator();
    t.agentEvent('a1', 'planner', 'spawned');
    for (let i = 0; i < EVENT_BUFFER_SIZE - 1; i++) t.record(op({ callId: String(i) }));
    let recent = t.snapshot().recent;
    expect(recent).toHaveLength(EVENT_BUFFER_SIZE);
    expect(recent[0]?.kind).toBe('agent');
    t.fault('a1', 'planner', 'memory_limit', 'kill');
    recent = t.snapshot().recent;
    expect(recent).toHaveLength(EVENT_BUFFER_SIZE);
    expect(recent[0]).toMatchObject({ kind: 'op', callId: '0' });
    expect(recent.at(-1)).toMatchObject({ kind: 'fault', fault: 'memory_limit', action: 'kill' });
    expect(t.snapshot({ recent: 2 }).recent.map((e) => e.kind)).toEqual(['op', 'fault']);
    expect(t.snapshot({ recent: 0 }).recent).toEqual([]);
  });

  it('redacts secrets in text fields before they enter the buffer', () => {
    const t = new TelemetryAggregator();
    t.agentEvent('a1', 'planner', 'fault', 'crash: OPENAI_API_KEY=sk-abcdefghijklmnopqrstuvwxyz');
    t.fault('a1', 'planner', 'crash', 'kill', 'Authorization: Bearer abc.def.ghi');
    t.record(op({ actor: 'apikey:token=supersecretvalue' }));
    const text = JSON.stringify(t.snapshot());
    expect(text).not.toContain('sk-abcdefghijklmnopqrstuvwxyz');
    expect(text).not.toContain('abc.def.ghi');
    expect(text).not.toContain('supersecretvalue');
    expect(text).toContain(REDACTED);
  });

  it('stores a clean op event as is, without copying it', () => {
    const t = new TelemetryAggregator();
    const event = op();
    t.record(event);
    expect(t.snapshot().recent[0]).toBe(event);
  });

  it('tracks active tasks and task outcomes', () => {
    const t = new TelemetryAggregator();
    t.taskStarted('a1', 'planner');
    t.taskStarted('a1', 'planner');
    t.taskFinished('a1', 'planner', { taskType: 'code', status: 'success', durationMs: 1500 });
    expect(t.snapshot().agents['a1']?.activeTasks).toBe(1);
    const tasks = [...t.metricSources().tasks()];
    expect(tasks).toEqual([{ labels: { agent: 'planner', status: 'success' }, value: 1 }]);
    const [series] = [...t.metricSources().taskDurations()];
    expect(series?.buckets.count).toBe(1);
    expect(series?.buckets.sum).toBe(1.5);
  });
});

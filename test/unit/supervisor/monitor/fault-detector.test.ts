import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, ManualClock } from '../../../../src/core/index.js';
import {
  FaultDetector,
  type FaultDetectorOptions,
  PERMISSIVE_POLICY,
  ResourceMonitor,
  STRICT_POLICY,
} from '../../../../src/supervisor/monitor/index.js';

function setup(options: Partial<FaultDetectorOptions> = {}) {
  const clock = new ManualClock(0);
  const monitor = new ResourceMonitor({ clock });
  const detector = new FaultDetector({ monitor, clock, ...options });
  /** One second in which `agent` burns `cpuMs` and does `ops` operations. */
  const second = async (agent: string, cpuMs: number, ops = 0) => {
    const prev = monitor.usage(agent).cpuMsTotal;
    monitor.reportUsage(agent, { cpuMs: prev + cpuMs, rssBytes: monitor.usage(agent).memoryBytes });
    for (let i = 0; i < ops; i++) monitor.recordOp(agent);
    clock.advance(1000);
    await monitor.tick();
  };
  const start = (agent: string) => {
    monitor.add(agent);
    monitor.reportUsage(agent, { cpuMs: 0, rssBytes: 0 }); // CPU baseline
  };
  return { clock, monitor, detector, second, start };
}

describe('recovery presets', () => {
  it('has the documented tables', () => {
    expect(PERMISSIVE_POLICY).toEqual({
      cpu_quota: 'throttle',
      memory_limit: 'log',
      op_flood: 'throttle',
      watchdog_timeout: 'log',
      capability_violation: 'log',
      policy_violation: 'log',
      crash: 'restart',
    });
    expect(STRICT_POLICY).toEqual({
      cpu_quota: 'kill',
      memory_limit: 'kill',
      op_flood: 'kill',
      watchdog_timeout: 'restart',
      capability_violation: 'kill',
      policy_violation: 'kill',
      crash: 'restart',
    });
    expect(Object.keys(STRICT_POLICY).sort()).toEqual([...FAULT_KINDS].sort());
    expect(Object.isFrozen(STRICT_POLICY)).toBe(true);
  });

  it('applies the preset, and per-agent action overrides over it', () => {
    const { detector } = setup({ preset: 'strict' });
    detector.track('a');
    detector.track('b', { actions: { policy_violation: 'suspend' } });
    expect(detector.report('a', { fault: 'policy_violation', detail: 'x' }).action).toBe('kill');
    expect(detector.report('b', { fault: 'policy_violation', detail: 'x' }).action).toBe('suspend');
    expect(detector.actionFor('untracked', 'cpu_quota')).toBe('kill');
    expect(setup().detector.actionFor('a', 'cpu_quota')).toBe('throttle');
  });

  it('rejects unknown limits, faults and actions with what is allowed', () => {
    const { detector } = setup();
    expect(() => detector.track('a', { limits: { cpuPercent: -5 } })).toThrow(
      /cpuPercent must be a positive number or null/,
    );
    expect(() => detector.track('a', { limits: { cpuWindowSeconds: null as never } })).toThrow(
      /cpuWindowSeconds must be a positive number, got null/,
    );
    expect(() => detector.track('a', { limits: { bogus: 1 } as never })).toThrow(
      /unknown fault limit/,
    );
    expect(() => detector.track('a', { actions: { cpu_quota: 'explode' as never } })).toThrow(
      /one of log, throttle, suspend, kill, restart/,
    );
    expect(() => detector.track('a', { actions: { meltdown: 'log' } as never })).toThrowError(
      expect.objectContaining({ code: 'INPUT_INVALID' }),
    );
    expect(() => detector.report('a', { fault: 'meltdown' as never, detail: '' })).toThrow(
      /unknown fault "meltdown"/,
    );
    expect(() => detector.evaluate('nobody')).toThrowError(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
  });
});

describe('detected faults', () => {
  it('reports a CPU quota breach over a full window with an actionable detail', async () => {
    const { detector, second, start } = setup({ limits: { cpuPercent: 50 } });
    start('a');
    detector.track('a');
    for (let s = 0; s < 4; s++) await second('a', 970);
    // Four seconds of a five-second window: not yet a fault (start-up bursts are normal).
    expect(detector.evaluate('a')).toEqual([]);
    await second('a', 970);
    const [fault, ...rest] = detector.evaluate('a');
    expect(rest).toEqual([]);
    expect(fault).toMatchObject({
      agentId: 'a',
      fault: 'cpu_quota',
      action: 'throttle',
      detail: 'cpu 97% over 5 s, quota 50%',
      measured: 97,
      limit: 50,
      at: 5000,
    });
  });

  it('does not report CPU under the quota', async () => {
    const { detector, second, start } = setup({ limits: { cpuPercent: 50 } });
    start('a');
    detector.track('a');
    for (let s = 0; s < 6; s++) await second('a', 400);
    expect(detector.evaluate('a')).toEqual([]);
  });

  it('reports memory over the limit, with a per-agent limit override', () => {
    const { detector, monitor } = setup({ limits: { memoryBytes: 512 * 2 ** 20 } });
    monitor.add('a');
    monitor.add('b');
    detector.track('a');
    detector.track('b', { limits: { memoryBytes: 1024 * 2 ** 20 } });
    monitor.reportUsage('a', { cpuMs: 0, rssBytes: 640 * 2 ** 20 });
    monitor.reportUsage('a', { cpuMs: 0, rssBytes: 612 * 2 ** 20 });
    monitor.reportUsage('b', { cpuMs: 0, rssBytes: 640 * 2 ** 20 });
    const faults = detector.checkAll();
    expect(faults).toHaveLength(1);
    expect(faults[0]).toMatchObject({
      agentId: 'a',
      fault: 'memory_limit',
      action: 'log',
      detail: 'memory 612 MiB, limit 512 MiB (peak 640 MiB)',
    });
    expect(detector.limitsFor('b').memoryBytes).toBe(1024 * 2 ** 20);
  });

  it('reports an op flood over the rate window', async () => {
    const { detector, second, start } = setup({
      preset: 'strict',
      limits: { opsPerSecond: 1000, opsWindowSeconds: 2 },
    });
    start('a');
    detector.track('a');
    await second('a', 0, 1500);
    await second('a', 0, 1540);
    expect(detector.evaluate('a')).toEqual([
      expect.objectContaining({
        fault: 'op_flood',
        action: 'kill',
        detail: 'ops 1520/s over 2 s, limit 1000/s',
      }),
    ]);
  });

  it('skips resource checks for agents the monitor does not track', () => {
    const { detector } = setup({ limits: { memoryBytes: 1, cpuPercent: 1, opsPerSecond: 1 } });
    detector.track('inline');
    expect(detector.evaluate('inline')).toEqual([]);
  });

  it('debounces a sustained condition, re-reports after the cooldown, and reports anew once it cleared', async () => {
    const { detector, second, start } = setup({ limits: { cpuPercent: 50 }, cooldownMs: 10_000 });
    start('a');
    detector.track('a');
    const reported: number[] = [];
    for (let s = 1; s <= 20; s++) {
      await second('a', 900);
      for (const f of detector.checkAll()) reported.push(f.at / 1000);
    }
    // Full window from second 5; then once per 10 s cooldown.
    expect(reported).toEqual([5, 15]);
    // It clears (five quiet seconds bring the average under 50%) ...
    for (let s = 0; s < 5; s++) {
      await second('a', 0);
      expect(detector.checkAll()).toEqual([]);
    }
    // ... and the next breach is reported at once, inside what would have been the cooldown.
    for (let s = 0; s < 5; s++) await second('a', 1000);
    expect(detector.checkAll().map((f) => f.fault)).toEqual(['cpu_quota']);
  });

  it('keeps watchdog and debounce state through a configure() hot patch', async () => {
    const { detector, second, start, clock } = setup({ limits: { cpuPercent: 50 } });
    start('a');
    detector.track('a');
    for (let s = 0; s < 5; s++) await second('a', 600);
    expect(detector.evaluate('a')).toHaveLength(1);
    detector.configure('a', { limits: { cpuPercent: 90 } });
    expect(detector.evaluate('a')).toEqual([]);
    detector.configure('a', { limits: { cpuPercent: 50 }, actions: { cpu_quota: 'suspend' } });
    clock.advance(1);
    expect(detector.evaluate('a')).toEqual([expect.objectContaining({ action: 'suspend' })]);
  });
});

describe('watchdog', () => {
  it('fires when no heartbeat came within the timeout and a heartbeat clears it', () => {
    const { detector, clock } = setup({
      preset: 'strict',
      limits: { watchdogSeconds: 30 },
      cooldownMs: 60_000,
    });
    detector.track('a');
    detector.track('b');
    clock.advance(20_000);
    detector.heartbeat('b');
    clock.advance(10_000);
    expect(detector.check()).toEqual([]); // exactly 30 s is not over the timeout
    clock.advance(15_000);
    expect(detector.check()).toEqual([
      expect.objectContaining({
        agentId: 'a',
        fault: 'watchdog_timeout',
        action: 'restart',
        detail: 'no heartbeat for 45 s, timeout 30 s',
      }),
    ]);
    clock.advance(1000);
    expect(detector.check()).toEqual([]); // debounced
    detector.heartbeat('a');
    expect(detector.check()).toEqual([]);
    clock.advance(31_000);
    // a: new silence, reported at once; b: silent 56 s, first report
    expect(
      detector
        .check()
        .map((f) => f.agentId)
        .sort(),
    ).toEqual(['a', 'b']);
  });

  it('is off without a timeout, per agent override included, and track() restarts it', () => {
    const { detector, clock } = setup({ limits: { watchdogSeconds: 10 } });
    detector.track('off', { limits: { watchdogSeconds: null } });
    detector.track('on');
    clock.advance(11_000);
    expect(detector.checkAll().map((f) => f.agentId)).toEqual(['on']);
    detector.track('on'); // restarted agent: fresh watchdog
    expect(detector.checkAll()).toEqual([]);
    expect(detector.untrack('on')).toBe(true);
    detector.heartbeat('on'); // ignored
    expect(detector.agents()).toEqual(['off']);
  });

  it('takes a check time from the caller', () => {
    const { detector } = setup({ limits: { watchdogSeconds: 5 } });
    detector.track('a');
    expect(detector.check(4000)).toEqual([]);
    expect(detector.check(6000)).toHaveLength(1);
  });
});

describe('reported faults', () => {
  it('returns each report with its action, never debounced', () => {
    const { detector, clock } = setup();
    detector.track('a');
    clock.set(42);
    const crash = { fault: 'crash', detail: 'exit code 1' } as const;
    expect(detector.report('a', crash)).toEqual({
      agentId: 'a',
      fault: 'crash',
      action: 'restart',
      detail: 'exit code 1',
      at: 42,
    });
    expect(detector.report('a', crash)).toMatchObject({ fault: 'crash' });
    expect(
      detector.report('a', { fault: 'capability_violation', detail: 'shell.exec not granted' })
        .action,
    ).toBe('log');
  });
});

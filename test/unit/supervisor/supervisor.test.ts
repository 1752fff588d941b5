import { describe, expect, it } from 'vitest';
import { isAgentvisorError, ManualClock } from '../../../src/core/index.js';
import {
  type ChildExit,
  type ChildRuntimeInfo,
  type ChildStateEvent,
  type EscalationEvent,
  ManualDelayTimer,
  type SupervisedChild,
  Supervisor,
  type SupervisorEvent,
  type SupervisorOptions,
} from '../../../src/supervisor/index.js';

let nextPid = 1000;

/** A child that records start/stop calls in a shared log and crashes on command. */
class FakeChild implements SupervisedChild {
  readonly #listeners = new Set<(exit: ChildExit) => void>();
  running = false;
  failStarts = 0;

  constructor(
    readonly name: string,
    readonly log: string[],
  ) {}

  async start(): Promise<ChildRuntimeInfo> {
    this.log.push(`start ${this.name}`);
    if (this.failStarts > 0) {
      this.failStarts--;
      throw new Error('port in use');
    }
    this.running = true;
    return { pid: nextPid++ };
  }

  async stop(): Promise<void> {
    this.log.push(`stop ${this.name}`);
    // Like a process killed by SIGTERM: the supervisor must not take this for a crash.
    if (this.running) this.exit({ kind: 'killed', signal: 'SIGTERM', reason: 'SIGTERM' });
  }

  onExit(listener: (exit: ChildExit) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  crash(reason = 'exit code 1'): void {
    this.exit({ kind: 'crash', code: 1, signal: null, reason });
  }

  exit(exit: ChildExit): void {
    this.running = false;
    for (const listener of [...this.#listeners]) listener(exit);
  }
}

interface Harness {
  supervisor: Supervisor;
  clock: ManualClock;
  timer: ManualDelayTimer;
  log: string[];
  events: SupervisorEvent[];
  children: Record<string, FakeChild>;
  /** `from>to` per transition of one child. */
  path(name: string): string[];
}

async function harness(
  names: string[],
  options: Partial<SupervisorOptions> = {},
  specs: Record<string, Parameters<Supervisor['add']>[1]> = {},
): Promise<Harness> {
  const clock = new ManualClock(1_000_000);
  const timer = new ManualDelayTimer(clock);
  const log: string[] = [];
  const events: SupervisorEvent[] = [];
  const supervisor = new Supervisor({
    name: 'root',
    backoffSeconds: [1],
    clock,
    timer,
    ...options,
  });
  supervisor.onEvent((e) => events.push(e));
  const children: Record<string, FakeChild> = {};
  for (const name of names) {
    children[name] = new FakeChild(name, log);
    await supervisor.add(children[name], specs[name]);
  }
  await supervisor.start();
  log.length = 0;
  const path = (name: string) =>
    events
      .filter((e): e is ChildStateEvent => e.type === 'state' && e.child === name)
      .map((e) => e.to);
  return { supervisor, clock, timer, log, events, children, path };
}

describe('Supervisor lifecycle and metadata', () => {
  it('starts children in order, tracks their metadata and stops them in reverse order', async () => {
    const h = await harness(['a', 'b'], {}, { a: { id: 'id-a', capabilities: ['fs.read'] } });
    expect(h.supervisor.status).toBe('running');
    const a = h.supervisor.get('a')!;
    expect(a).toMatchObject({
      id: 'id-a',
      name: 'a',
      state: 'active',
      capabilities: ['fs.read'],
      restartMode: 'permanent',
      autoRestart: null,
      restartCount: 0,
      startIndex: 0,
      lastActivityAt: 1_000_000,
    });
    expect(a.pid).toBeTypeOf('number');
    expect(h.path('a')).toEqual(['spawned', 'active']);
    expect(h.events[0]).toMatchObject({ from: 'pending', to: 'spawned', supervisor: 'root' });

    h.clock.advance(5_000);
    h.supervisor.touch('b');
    h.supervisor.setCapabilities('b', ['net.http']);
    expect(h.supervisor.get('b')).toMatchObject({
      lastActivityAt: 1_005_000,
      capabilities: ['net.http'],
      startIndex: 1,
    });
    expect(h.supervisor.list().map((c) => c.name)).toEqual(['a', 'b']);
    expect(h.supervisor.get('x')).toBeUndefined();
    expect(() => h.supervisor.touch('x')).toThrow(/has no child "x"; children: a, b/);

    await h.supervisor.stop('shutdown');
    expect(h.log).toEqual(['stop b', 'stop a']);
    expect(h.supervisor.status).toBe('stopped');
    const exited = h.events.filter((e) => e.type === 'state' && e.to === 'exited');
    expect(exited).toMatchObject([
      { child: 'b', from: 'active', reason: 'stopped', detail: 'shutdown' },
      { child: 'a', from: 'active', reason: 'stopped', detail: 'shutdown' },
    ]);
    expect(h.supervisor.get('a')!.pid).toBeUndefined();
  });

  it('refuses a duplicate name and invalid specs', async () => {
    const h = await harness(['a']);
    const error = await h.supervisor.add(new FakeChild('a', h.log)).catch((e: unknown) => e);
    expect(isAgentvisorError(error, 'CONFLICT')).toBe(true);
    await expect(h.supervisor.add(new FakeChild('b', h.log), { autoRestart: -1 })).rejects.toThrow(
      /autoRestart: expected an integer >= 0/,
    );
    await expect(
      h.supervisor.add(new FakeChild('c', h.log), { backoffSeconds: [] }),
    ).rejects.toThrow(/backoffSeconds: expected a non-empty list/);
  });

  it('starts a child added while running at once, and removes one', async () => {
    const h = await harness(['a']);
    await h.supervisor.add(new FakeChild('b', h.log));
    expect(h.log).toEqual(['start b']);
    expect(h.supervisor.get('b')!.state).toBe('active');
    await h.supervisor.remove('a');
    expect(h.log).toEqual(['start b', 'stop a']);
    expect(h.supervisor.list().map((c) => c.name)).toEqual(['b']);
    expect(h.supervisor.get('b')!.startIndex).toBe(0);
  });

  it('keeps supervising when an event listener throws', async () => {
    const h = await harness(['a']);
    h.supervisor.onEvent(() => {
      throw new Error('ledger down');
    });
    h.children.a!.crash();
    await h.supervisor.settled();
    h.timer.advance(1_000);
    await h.supervisor.settled();
    expect(h.supervisor.get('a')!.state).toBe('active');
  });
});

describe('Supervisor restart strategies', () => {
  it('one_for_one restarts only the crashed child, through fault, recovery and restarted', async () => {
    const h = await harness(['a', 'b', 'c'], { strategy: 'one_for_one' });
    h.children.b!.crash();
    await h.supervisor.settled();
    expect(h.log).toEqual([]);
    h.timer.advance(1_000);
    await h.supervisor.settled();
    expect(h.log).toEqual(['start b']);
    expect(h.path('b')).toEqual(['spawned', 'active', 'fault', 'recovery', 'restarted', 'active']);
    const fault = h.events.find((e) => e.type === 'state' && e.to === 'fault') as ChildStateEvent;
    expect(fault).toMatchObject({ reason: 'crash: exit code 1', exit: { kind: 'crash', code: 1 } });
    expect(fault.pid).toBeTypeOf('number');
    expect(h.supervisor.get('b')).toMatchObject({ restartCount: 1, crashRestartCount: 1 });
    expect(h.path('a')).toEqual(['spawned', 'active']);
  });

  it('one_for_all stops the others in reverse start order and restarts all in start order', async () => {
    const h = await harness(['a', 'b', 'c', 'd'], { strategy: 'one_for_all' });
    h.children.b!.crash();
    await h.supervisor.settled();
    expect(h.log).toEqual(['stop d', 'stop c', 'stop a']);
    h.timer.advance(1_000);
    await h.supervisor.settled();
    expect(h.log).toEqual([
      'stop d',
      'stop c',
      'stop a',
      'start a',
      'start b',
      'start c',
      'start d',
    ]);
    // Exits the supervisor caused are not faults, and do not use up auto_restart.
    expect(h.path('a')).toEqual(['spawned', 'active', 'recovery', 'restarted', 'active']);
    expect(h.supervisor.get('a')).toMatchObject({ restartCount: 1, crashRestartCount: 0 });
    expect(h.supervisor.get('b')).toMatchObject({ restartCount: 1, crashRestartCount: 1 });
  });

  it('rest_for_one restarts the crashed child and those started after it', async () => {
    const h = await harness(['a', 'b', 'c', 'd'], { strategy: 'rest_for_one' });
    h.children.b!.crash();
    await h.supervisor.settled();
    h.timer.advance(1_000);
    await h.supervisor.settled();
    expect(h.log).toEqual(['stop d', 'stop c', 'start b', 'start c', 'start d']);
    expect(h.path('a')).toEqual(['spawned', 'active']);
  });

  it('leaves exited and failed siblings down under one_for_all', async () => {
    const h = await harness(
      ['a', 'b', 'c'],
      { strategy: 'one_for_all' },
      { a: { restart: 'temporary' } },
    );
    h.children.a!.crash();
    await h.supervisor.settled();
    expect(h.supervisor.get('a')!.state).toBe('failed');
    expect(h.timer.pending()).toEqual([]);
    h.children.c!.crash();
    await h.supervisor.settled();
    h.timer.advance(1_000);
    await h.supervisor.settled();
    expect(h.log).toEqual(['stop b', 'start b', 'start c']);
  });
});

describe('Supervisor restart limits and modes', () => {
  it('a crash loop reaches the auto_restart limit and ends failed', async () => {
    const h = await harness(
      ['a', 'b'],
      { intensity: { maxRestarts: 100, withinSeconds: 60 } },
      {
        a: { autoRestart: 2 },
      },
    );
    for (let i = 0; i < 3; i++) {
      h.children.a!.crash();
      await h.supervisor.settled();
      h.timer.advance(1_000);
      await h.supervisor.settled();
    }
    expect(h.log).toEqual(['start a', 'start a']);
    expect(h.supervisor.get('a')).toMatchObject({
      state: 'failed',
      restartCount: 2,
      crashRestartCount: 2,
    });
    const last = h.events.at(-1) as ChildStateEvent;
    expect(last).toMatchObject({ child: 'a', from: 'fault', to: 'failed' });
    expect(last.reason).toMatch(/auto_restart limit reached: 2 of 2/);
    expect(h.timer.pending()).toEqual([]);
    expect(h.supervisor.get('b')!.state).toBe('active');
  });

  it('a failed child restarts on request, with its allowance back and no backoff', async () => {
    const h = await harness(['a'], {}, { a: { autoRestart: 0 } });
    h.children.a!.crash();
    await h.supervisor.settled();
    expect(h.supervisor.get('a')!.state).toBe('failed');
    await h.supervisor.restart('a', 'operator');
    expect(h.log).toEqual(['start a']);
    expect(h.supervisor.get('a')).toMatchObject({
      state: 'active',
      restartCount: 1,
      crashRestartCount: 0,
    });
    expect(h.path('a').slice(-4)).toEqual(['failed', 'recovery', 'restarted', 'active']);
  });

  it('permanent restarts after a normal exit; transient and temporary do not', async () => {
    const h = await harness(
      ['p', 't', 'x'],
      {},
      {
        p: { restart: 'permanent' },
        t: { restart: 'transient' },
        x: { restart: 'temporary' },
      },
    );
    for (const name of ['p', 't', 'x'])
      h.children[name]!.exit({ kind: 'normal', code: 0, reason: 'done' });
    await h.supervisor.settled();
    h.timer.advance(1_000);
    await h.supervisor.settled();
    expect(h.log).toEqual(['start p']);
    expect(h.path('p')).toEqual(['spawned', 'active', 'exited', 'recovery', 'restarted', 'active']);
    expect(h.path('t')).toEqual(['spawned', 'active', 'exited']);
    expect(h.path('x')).toEqual(['spawned', 'active', 'exited']);
  });

  it('transient restarts after a crash or kill; temporary fails', async () => {
    const h = await harness(
      ['t', 'x'],
      {},
      { t: { restart: 'transient' }, x: { restart: 'temporary' } },
    );
    h.children.t!.exit({ kind: 'killed', signal: 'SIGKILL', reason: 'memory limit' });
    h.children.x!.crash();
    await h.supervisor.settled();
    h.timer.advance(1_000);
    await h.supervisor.settled();
    expect(h.log).toEqual(['start t']);
    expect(h.path('t')).toEqual(['spawned', 'active', 'fault', 'recovery', 'restarted', 'active']);
    expect(h.path('x')).toEqual(['spawned', 'active', 'fault', 'failed']);
    expect(
      (
        h.events.find(
          (e) => e.type === 'state' && e.child === 't' && e.to === 'fault',
        ) as ChildStateEvent
      ).reason,
    ).toBe('killed: memory limit');
  });

  it('a start that throws is a crash of that child', async () => {
    const h = await harness(['a']);
    h.children.a!.failStarts = 1;
    h.children.a!.crash();
    await h.supervisor.settled();
    h.timer.advance(1_000);
    await h.supervisor.settled();
    expect(h.supervisor.get('a')!.state).toBe('recovery');
    h.timer.advance(1_000);
    await h.supervisor.settled();
    expect(h.log).toEqual(['start a', 'start a']);
    expect(h.path('a')).toEqual([
      'spawned',
      'active',
      'fault',
      'recovery',
      'restarted',
      'fault',
      'recovery',
      'restarted',
      'active',
    ]);
    expect(h.events).toContainEqual(
      expect.objectContaining({ to: 'fault', reason: 'crash: start failed: port in use' }),
    );
  });
});

describe('Supervisor backoff', () => {
  it('follows the default seed 002 schedule 10/30/60 s', async () => {
    const h = await harness(['a'], { backoffSeconds: undefined });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      h.children.a!.crash();
      await h.supervisor.settled();
      delays.push(h.timer.pending()[0]!);
      h.timer.advance(delays.at(-1)! - 1);
      await h.supervisor.settled();
      expect(h.supervisor.get('a')!.state).toBe('recovery');
      h.timer.advance(1);
      await h.supervisor.settled();
      expect(h.supervisor.get('a')!.state).toBe('active');
    }
    expect(delays).toEqual([10_000, 30_000, 60_000, 60_000]);
    expect(h.events).toContainEqual(
      expect.objectContaining({ to: 'recovery', reason: 'restart 2 in 30s' }),
    );
  });

  it('uses a per-child schedule and resets it once the child stayed up long enough', async () => {
    const h = await harness(['a'], { resetAfterSeconds: 30 }, { a: { backoffSeconds: [1, 2, 4] } });
    const crashAfter = async (upMs: number) => {
      h.clock.advance(upMs);
      h.children.a!.crash();
      await h.supervisor.settled();
      const delay = h.timer.pending()[0]!;
      h.timer.advance(delay);
      await h.supervisor.settled();
      return delay;
    };
    expect([await crashAfter(0), await crashAfter(29_999), await crashAfter(0)]).toEqual([
      1_000, 2_000, 4_000,
    ]);
    expect(await crashAfter(30_000)).toBe(1_000);
    expect(await crashAfter(0)).toBe(2_000);
  });

  it('stop during a pending backoff cancels the restart', async () => {
    const h = await harness(['a', 'b']);
    h.children.a!.crash();
    await h.supervisor.settled();
    expect(h.timer.pending()).toEqual([1_000]);
    await h.supervisor.stop('shutdown');
    expect(h.timer.pending()).toEqual([]);
    h.timer.advance(10_000);
    await h.supervisor.settled();
    expect(h.log).toEqual(['stop b']);
    expect(h.supervisor.list().map((c) => c.state)).toEqual(['exited', 'exited']);
    expect(h.path('a')).toEqual(['spawned', 'active', 'fault', 'recovery', 'exited']);
  });
});

describe('Supervisor concurrency', () => {
  it('two crashes under one_for_all restart each child exactly once', async () => {
    const h = await harness(['a', 'b', 'c'], { strategy: 'one_for_all' });
    h.children.a!.crash();
    h.children.b!.crash();
    await h.supervisor.settled();
    expect(h.log).toEqual(['stop c']);
    expect(h.timer.pending()).toEqual([1_000]);
    h.timer.advance(10_000);
    await h.supervisor.settled();
    expect(h.log).toEqual(['stop c', 'start a', 'start b', 'start c']);
    expect(h.path('b')).toEqual(['spawned', 'active', 'fault', 'recovery', 'restarted', 'active']);
  });

  it('a crash during a pending rest_for_one restart takes the waiting children over', async () => {
    const h = await harness(['a', 'b', 'c'], { strategy: 'rest_for_one', backoffSeconds: [1, 5] });
    h.children.b!.crash();
    await h.supervisor.settled();
    expect(h.timer.pending()).toEqual([1_000]);
    h.timer.advance(500);
    h.children.a!.crash();
    await h.supervisor.settled();
    // b's plan is folded into a's: one timer, a's first backoff.
    expect(h.timer.pending()).toEqual([1_000]);
    h.timer.advance(10_000);
    await h.supervisor.settled();
    expect(h.log).toEqual(['stop c', 'start a', 'start b', 'start c']);
    expect(h.supervisor.list().map((c) => c.state)).toEqual(['active', 'active', 'active']);
  });

  it('a crash while siblings restart is handled after, never twice at once', async () => {
    const h = await harness(['a', 'b'], { strategy: 'one_for_all' });
    // a crashes again the moment b is restarted, while the group restart is still running.
    const original = h.children.b!.start.bind(h.children.b!);
    let once = true;
    h.children.b!.start = async () => {
      const info = await original();
      if (once) {
        once = false;
        h.children.a!.crash('again');
      }
      return info;
    };
    h.children.a!.crash();
    await h.supervisor.settled();
    h.timer.advance(1_000);
    await h.supervisor.settled();
    expect(h.log).toEqual(['stop b', 'start a', 'start b', 'stop b']);
    h.timer.advance(1_000);
    await h.supervisor.settled();
    expect(h.log).toEqual(['stop b', 'start a', 'start b', 'stop b', 'start a', 'start b']);
    expect(h.supervisor.list().map((c) => c.state)).toEqual(['active', 'active']);
    expect(h.supervisor.get('a')!.crashRestartCount).toBe(2);
  });
});

describe('Supervisor intensity and supervision trees', () => {
  it('a top-level supervisor over its intensity stops everything and reports escalated', async () => {
    const h = await harness(['a', 'b'], { intensity: { maxRestarts: 1, withinSeconds: 10 } });
    const exits: ChildExit[] = [];
    h.supervisor.onExit((e) => exits.push(e));
    h.children.a!.crash();
    await h.supervisor.settled();
    h.timer.advance(1_000);
    await h.supervisor.settled();
    h.children.a!.crash();
    await h.supervisor.settled();
    expect(h.supervisor.status).toBe('escalated');
    expect(h.log).toEqual(['start a', 'stop b']);
    const escalation = h.events.at(-1) as EscalationEvent;
    expect(escalation).toMatchObject({
      type: 'escalated',
      supervisor: 'root',
      child: 'a',
      maxRestarts: 1,
      withinSeconds: 10,
    });
    expect(exits).toEqual([
      expect.objectContaining({
        kind: 'crash',
        reason: expect.stringMatching(/^restart intensity exceeded/),
      }),
    ]);
    expect(h.supervisor.list().map((c) => c.state)).toEqual(['failed', 'exited']);
  });

  it('restarts outside the window do not add up', async () => {
    const h = await harness(['a'], { intensity: { maxRestarts: 1, withinSeconds: 10 } });
    for (let i = 0; i < 3; i++) {
      h.children.a!.crash();
      await h.supervisor.settled();
      h.timer.advance(11_000);
      await h.supervisor.settled();
    }
    expect(h.supervisor.status).toBe('running');
    expect(h.supervisor.get('a')!.restartCount).toBe(3);
  });

  it('a child supervisor over its intensity escalates to its parent, which restarts the subtree', async () => {
    const clock = new ManualClock(0);
    const timer = new ManualDelayTimer(clock);
    const log: string[] = [];
    const events: SupervisorEvent[] = [];
    const root = new Supervisor({
      name: 'root',
      strategy: 'one_for_one',
      backoffSeconds: [5],
      clock,
      timer,
    });
    const sub = new Supervisor({
      name: 'sub',
      strategy: 'one_for_one',
      intensity: { maxRestarts: 1, withinSeconds: 60 },
      backoffSeconds: [1],
      clock,
      timer,
    });
    root.onEvent((e) => events.push(e));
    sub.onEvent((e) => events.push(e));
    const x = new FakeChild('x', log);
    const y = new FakeChild('y', log);
    const sibling = new FakeChild('sibling', log);
    await sub.add(x);
    await sub.add(y);
    await root.add(sub, { restart: 'permanent' });
    await root.add(sibling);
    await root.start();
    expect(log).toEqual(['start x', 'start y', 'start sibling']);
    log.length = 0;
    events.length = 0;

    x.crash();
    await sub.settled();
    timer.advance(1_000);
    await sub.settled();
    x.crash();
    await sub.settled();
    await root.settled();
    expect(sub.status).toBe('escalated');
    expect(log).toEqual(['start x', 'stop y']);
    const summary = () =>
      events.map((e) =>
        e.type === 'escalated' ? `${e.supervisor} escalated` : `${e.supervisor}/${e.child} ${e.to}`,
      );
    expect(summary()).toEqual([
      'sub/x fault',
      'sub/x recovery',
      'sub/x restarted',
      'sub/x active',
      'sub/x fault',
      'sub/x failed',
      'sub/y exited',
      'sub escalated',
      'root/sub fault',
      'root/sub recovery',
    ]);
    expect(events).toContainEqual(
      expect.objectContaining({
        supervisor: 'root',
        child: 'sub',
        to: 'fault',
        reason: expect.stringMatching(
          /^crash: restart intensity exceeded: more than 1 restarts within 60s/,
        ),
      }),
    );

    timer.advance(5_000);
    await root.settled();
    expect(log).toEqual(['start x', 'stop y', 'start x', 'start y']);
    expect(sub.status).toBe('running');
    expect(sub.list().map((c) => c.state)).toEqual(['active', 'active']);
    expect(root.get('sub')).toMatchObject({ state: 'active', restartCount: 1 });
    expect(root.get('sibling')!.state).toBe('active');

    await root.stop('shutdown');
    expect(log.slice(4)).toEqual(['stop sibling', 'stop y', 'stop x']);
    expect(sub.status).toBe('stopped');
  });
});

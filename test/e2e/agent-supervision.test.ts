/**
 * Supervision of real process agents. Faults are planted in the agent processes themselves with
 * a module preloaded through NODE_OPTIONS (the product has no test hooks): one agent crashes
 * shortly after it starts, every time; another spins in a busy loop once, so only the watchdog
 * can end it. The supervisor must record every state change and fault in the ledger, give up on
 * the crash loop at its auto_restart limit, and kill and restart the hung agent.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IsolatedDaemon } from '../../src/daemon/index.js';
import { listEntries } from '../../src/ledger/index.js';
import { AgentSupervision, createLogger } from '../../src/system/index.js';
import { type AgentHarness, startAgents } from '../integration/daemon/runtime/harness.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Runs `fn` with NODE_OPTIONS preloading `hook` into every process forked meanwhile. */
async function withPreload<T>(hook: string, fn: () => Promise<T>): Promise<T> {
  const before = process.env['NODE_OPTIONS'];
  IsolatedDaemon.closeSpares();
  process.env['NODE_OPTIONS'] = `${before ?? ''} --import=${hook}`.trim();
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env['NODE_OPTIONS'];
    else process.env['NODE_OPTIONS'] = before;
  }
}

async function until(what: string, pred: () => boolean | Promise<boolean>, ms = 30_000) {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function supervised(
  agents: unknown[],
  supervisor: Record<string, unknown>,
): Promise<{ h: AgentHarness; supervision: AgentSupervision }> {
  const h = await startAgents(() => ({ agents, supervisor }) as { agents: unknown[] });
  const supervision = new AgentSupervision(
    h.system,
    createLogger({ level: 'silent', format: 'json' }),
  );
  cleanups.push(async () => {
    await supervision.stop();
    await h.close();
  });
  return { h, supervision };
}

async function entries(h: AgentHarness, type: string) {
  const all = await listEntries(h.system.store, { limit: 100_000 });
  return all
    .filter((e) => e.type === type)
    .map((e) => JSON.parse(e.payload) as Record<string, unknown>);
}

describe('agent supervision', () => {
  it('a crash loop reaches its auto_restart limit and ends failed, every step in the ledger', async () => {
    const { h, supervision } = await supervised(
      [
        {
          name: 'crasher',
          deliberation: 'utility',
          isolation: 'process',
          restart: { policy: 'always', auto_restart: 2, backoff_seconds: [0] },
        },
      ],
      { backoff_seconds: [0], monitor_interval_ms: 200 },
    );
    const hook = path.join(h.dir, 'crash.mjs');
    writeFileSync(hook, 'if (process.send) setTimeout(() => process.exit(3), 150);\n');
    await withPreload(hook, async () => {
      await supervision.start();
      await until('the agent to fail', () => supervision.info('crasher').state === 'failed');
    });
    const info = supervision.info('crasher');
    expect(info.crashRestartCount).toBe(2);
    await h.system.ledger.flush();
    const states = (await entries(h, 'supervisor.state')).map((p) => p['to']);
    expect(states[0]).toBe('spawned');
    expect(states.filter((s) => s === 'fault')).toHaveLength(3);
    expect(states.filter((s) => s === 'restarted')).toHaveLength(2);
    expect(states.at(-1)).toBe('failed');
    const spawned = (await entries(h, 'supervisor.state')).find((p) => p['to'] === 'spawned');
    expect(spawned?.['risk']).toBe('minimal');
    const faults = await entries(h, 'supervisor.fault');
    expect(faults.map((f) => f['fault'])).toEqual(['crash', 'crash', 'crash']);
    expect(String(faults[0]?.['detail'])).toContain('exited with code 3');
  });

  it('the watchdog kills a hung (busy-looping) process agent and the supervisor restarts it', async () => {
    const { h, supervision } = await supervised(
      [
        {
          name: 'spinner',
          deliberation: 'utility',
          isolation: 'process',
          heartbeat: { base_ms: 50, max_ms: 100 },
          limits: { watchdog_seconds: 1 },
          faults: { watchdog_timeout: 'restart' },
          restart: { policy: 'always', auto_restart: 3, backoff_seconds: [0] },
        },
      ],
      { backoff_seconds: [0], monitor_interval_ms: 200 },
    );
    const marker = path.join(h.dir, 'spun');
    const hook = path.join(h.dir, 'spin.mjs');
    writeFileSync(
      hook,
      `import { existsSync, writeFileSync } from 'node:fs';
// Spin once the agent has reported its first beat (so it is up and running), and only in the
// first agent: spare isolates load this module too but never beat, and the restarted agent
// finds the marker.
if (process.send) {
  const send = process.send.bind(process);
  process.send = (m, ...rest) => {
    const sent = send(m, ...rest);
    if (m?.type === 'beat' && !existsSync(${JSON.stringify(marker)})) {
      writeFileSync(${JSON.stringify(marker)}, 'x');
      setTimeout(() => { for (;;) {} }, 0);
    }
    return sent;
  };
}
`,
    );
    await withPreload(hook, async () => {
      await supervision.start();
      await until('the busy loop', () => existsSync(marker));
      await until(
        'the restart',
        () =>
          supervision.info('spinner').restartCount >= 1 &&
          supervision.info('spinner').state === 'active',
      );
    });
    await h.system.ledger.flush();
    const faults = await entries(h, 'supervisor.fault');
    const watchdog = faults.find((f) => f['fault'] === 'watchdog_timeout');
    expect(watchdog?.['action']).toBe('restart');
    expect(String(watchdog?.['detail'])).toMatch(/no heartbeat/);
    const states = (await entries(h, 'supervisor.state')).map((p) => `${p['to']}`);
    expect(states).toContain('restarted');
  });

  it('a memory-hog process agent is killed at its memory limit and restarted', async () => {
    const { h, supervision } = await supervised(
      [
        {
          name: 'hog',
          deliberation: 'utility',
          isolation: 'process',
          heartbeat: { base_ms: 50, max_ms: 100 },
          limits: { memory_mb: 160 },
          faults: { memory_limit: 'kill' },
          restart: { policy: 'always', auto_restart: 3, backoff_seconds: [0] },
        },
      ],
      { backoff_seconds: [0], monitor_interval_ms: 200 },
    );
    const marker = path.join(h.dir, 'hogged');
    const hook = path.join(h.dir, 'hog.mjs');
    // Off-heap buffers, touched page by page, so the growth is resident memory the OS reports
    // (the heap cap would end a heap hog as a crash before the monitor could see it).
    writeFileSync(
      hook,
      `import { existsSync, writeFileSync } from 'node:fs';
if (process.send) {
  const send = process.send.bind(process);
  const held = [];
  process.send = (m, ...rest) => {
    const sent = send(m, ...rest);
    if (m?.type === 'beat' && !existsSync(${JSON.stringify(marker)})) {
      writeFileSync(${JSON.stringify(marker)}, 'x');
      const grow = setInterval(() => {
        if (held.length >= 40) return clearInterval(grow);
        held.push(Buffer.alloc(16 * 1024 * 1024, 1));
      }, 20);
    }
    return sent;
  };
}
`,
    );
    await withPreload(hook, async () => {
      await supervision.start();
      await until('the hog to start', () => existsSync(marker));
      await until(
        'the kill and restart',
        () =>
          supervision.info('hog').restartCount >= 1 && supervision.info('hog').state === 'active',
      );
    });
    await h.system.ledger.flush();
    const faults = await entries(h, 'supervisor.fault');
    const hog = faults.find((f) => f['fault'] === 'memory_limit');
    expect(hog?.['action']).toBe('kill');
    expect(String(hog?.['detail'])).toMatch(/MiB|MB|memory/);
  });

  it('an agent of unacceptable risk never starts and its refusal is recorded', async () => {
    const { h, supervision } = await supervised(
      [
        { name: 'ok', deliberation: 'utility' },
        { name: 'banned', deliberation: 'utility', risk: 'unacceptable' },
      ],
      {},
    );
    await supervision.start();
    expect(supervision.info('banned').state).toBe('failed');
    expect(supervision.info('ok').state).toBe('active');
    expect(h.system.agents.spawned('banned')).toBeUndefined();
    await h.system.ledger.flush();
    const refused = (await entries(h, 'supervisor.state')).find((p) => p['agent'] === 'banned');
    expect(refused).toMatchObject({
      to: 'failed',
      reason: 'risk: unacceptable',
      risk: 'unacceptable',
    });
    expect(() => supervision.info('nobody')).toThrow(/no agent "nobody"; configured: ok, banned/);
  });

  it('a required dependency that fails takes its dependents down, dependents first', async () => {
    const { h, supervision } = await supervised(
      [
        { name: 'base', deliberation: 'utility', restart: { policy: 'never' } },
        { name: 'mid', deliberation: 'utility', depends_on: ['base'] },
        {
          name: 'top',
          deliberation: 'utility',
          depends_on: ['mid', { agent: 'base', kind: 'optional' }],
        },
      ],
      {},
    );
    await supervision.start();
    expect(supervision.list().map((a) => a.startIndex)).toEqual([0, 1, 2]);
    expect(supervision.deps('top').dependsOnTransitive).toEqual(['mid', 'base']);
    // The base agent's daemon stops on its own (as max_beats would): a clean exit it is not
    // restarted from (policy never), so the cascade runs.
    await h.system.agents.spawned('base')!.daemon.stop();
    await until('the cascade', () =>
      ['mid', 'top'].every((n) => supervision.info(n).state === 'exited'),
    );
    await h.system.ledger.flush();
    const cascade = (await entries(h, 'supervisor.state')).filter(
      (p) => p['to'] === 'exited' && p['agent'] !== 'base',
    );
    expect(cascade.map((p) => p['agent'])).toEqual(['top', 'mid']);
  });
});

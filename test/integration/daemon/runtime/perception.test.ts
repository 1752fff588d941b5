/**
 * Configured perception: timers and file watches feed an inline agent, the attention filter uses
 * the configured threshold, and `POST /v1/agents/:name/webhooks/:hook` over real HTTP delivers an
 * observation (through the kernel's `agent.webhook`, recorded in the ledger) that wakes the daemon.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { BeatReport } from '../../../../src/daemon/index.js';
import { listEntries } from '../../../../src/ledger/index.js';
import { createHttpServer } from '../../../../src/server/index.js';
import { createLogger } from '../../../../src/system/index.js';
import { type AgentHarness, startAgents } from './harness.js';

let h: AgentHarness | undefined;
let app: FastifyInstance | undefined;
afterEach(async () => {
  if (app !== undefined) {
    const closing = app.close();
    app.server.closeAllConnections();
    await closing;
  }
  app = undefined;
  await h?.close();
  h = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value other than undefined, or fails after `ms`. */
async function eventually<T>(check: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await sleep(20);
  }
}

describe('timers and file watches', () => {
  it('a configured timer produces timer observations the utility agent keeps', async () => {
    h = await startAgents(() => ({
      agents: [
        {
          name: 'ticker',
          deliberation: 'utility',
          tools: ['memory.put'],
          perception: { timers: [{ every_ms: 300, salience: 0.5 }] },
        },
      ],
    }));
    const { agent, daemon } = await h.system.agents.spawn('ticker');
    // One period: the first beat sees a tick, the next (well within a period) sees nothing.
    await sleep(320);
    const reports = await daemon.runUntilIdle(5);
    expect(reports[0]!.observations).toBe(1);
    expect(reports[0]!.decision?.thought).toContain('remember timer observation');
    expect(reports.at(-1)?.idle).toBe(true);
    const hits = await agent.memory.search(agent.id, 'elapsed since the last tick');
    expect(hits.length).toBeGreaterThanOrEqual(1);
  });

  it('the attention threshold comes from the config: a timer below it is perceived, not attended', async () => {
    h = await startAgents(() => ({
      agents: [
        {
          name: 'picky',
          deliberation: 'utility',
          tools: ['memory.put'],
          perception: {
            timers: [{ every_ms: 10, salience: 0.2 }],
            attention: { threshold: 0.5, max_per_beat: 4 },
          },
        },
      ],
    }));
    const { agent, daemon } = await h.system.agents.spawn('picky');
    await sleep(30);
    const [report] = await daemon.runUntilIdle(1);
    expect(report).toMatchObject({ idle: true, observations: 1 });
    expect(await agent.memory.search(agent.id, 'tick')).toEqual([]);
  });

  it('a watched directory (relative to the config dir) reports a file written into it', async () => {
    h = await startAgents((dir) => {
      mkdirSync(path.join(dir, 'drop'));
      return {
        agents: [
          {
            name: 'watcher',
            deliberation: 'utility',
            tools: ['memory.put'],
            perception: { watch: [{ path: './drop', salience: 0.8 }] },
          },
        ],
      };
    });
    const { agent, daemon } = await h.system.agents.spawn('watcher');
    writeFileSync(path.join(h.dir, 'drop', 'wavefile.txt'), 'hello');
    const hits = await eventually(async () => {
      await daemon.runUntilIdle(3);
      const found = await agent.memory.search(agent.id, 'wavefile');
      return found.length > 0 ? found : undefined;
    });
    expect(hits[0]!.content).toContain(path.join(h.dir, 'drop', 'wavefile.txt'));
  });

  it('a watch path that does not exist fails the spawn, naming it', async () => {
    h = await startAgents(() => ({
      agents: [
        {
          name: 'blind',
          deliberation: 'utility',
          perception: { watch: [{ path: './missing' }] },
        },
      ],
    }));
    await expect(h.system.agents.spawn('blind')).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining(
        `agent "blind": perception.watch.0.path ${path.join(h.dir, 'missing')} cannot be watched`,
      ),
    });
  });
});

describe('POST /v1/agents/:name/webhooks/:hook', () => {
  /** Agents, a server on an ephemeral loopback port and an API key. */
  async function start() {
    h = await startAgents(() => ({
      agents: [
        {
          name: 'hooked',
          deliberation: 'utility',
          tools: ['memory.put'],
          // A long heartbeat: only the delivery's wake makes it beat again soon.
          heartbeat: { base_ms: 60_000, max_ms: 60_000 },
          perception: { webhooks: { enabled: true } },
        },
        { name: 'quiet', deliberation: 'utility', tools: ['memory.put'] },
        {
          name: 'tiny',
          deliberation: 'utility',
          perception: { webhooks: { enabled: true, capacity: 1 } },
        },
        { name: 'asleep', deliberation: 'utility', perception: { webhooks: { enabled: true } } },
      ],
    }));
    const { record, secret } = await h.system.apiKeys.create({
      name: 'hooks',
      createdBy: 'human:test',
    });
    app = await createHttpServer({
      system: h.system,
      logger: createLogger({ level: 'silent', format: 'json' }),
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    const base = `http://127.0.0.1:${address.port}`;
    const post = (url: string, body: unknown, key: string | null = secret) =>
      fetch(`${base}${url}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(key === null ? {} : { authorization: `Bearer ${key}` }),
        },
        body: JSON.stringify(body),
      });
    return { keyId: record.id, post, harness: h };
  }

  it('delivers the JSON body as an observation, wakes the daemon and records the delivery', async () => {
    const { keyId, post, harness } = await start();
    const beats: BeatReport[] = [];
    const hooked = await harness.system.agents.spawn('hooked', { onBeat: (r) => beats.push(r) });
    await hooked.daemon.start();
    // The start beat finds nothing; the next one is a minute away unless something wakes it.
    await eventually(async () => (beats.length > 0 ? true : undefined));
    expect(beats[0]!.idle).toBe(true);

    const response = await post('/v1/agents/hooked/webhooks/deploy', {
      event: 'deploy',
      build: 4711,
    });
    expect(response.status).toBe(202);
    const body = (await response.json()) as { accepted: boolean; observation: string };
    expect(body.accepted).toBe(true);
    expect(body.observation).toMatch(/^[0-9a-f-]{36}$/);

    const hits = await eventually(async () => {
      const found = await hooked.agent.memory.search(hooked.agent.id, '4711');
      return found.length > 0 ? found : undefined;
    });
    expect(hits[0]!.content).toBe('webhook deploy: {"event":"deploy","build":4711}');

    // Any JSON value is a body: a list, a string.
    expect((await post('/v1/agents/hooked/webhooks/batch', [1, 2, 3])).status).toBe(202);
    expect((await post('/v1/agents/hooked/webhooks/note', 'plain words')).status).toBe(202);

    const entries = (
      await listEntries(harness.system.store, { type: 'op.call', limit: 1000 })
    ).filter((e) => e.subject === 'agent.webhook');
    expect(entries).toHaveLength(3);
    const first = JSON.parse(entries[0]!.payload) as Record<string, unknown>;
    expect(entries[0]!.actor).toBe(`apikey:${keyId}`);
    expect(first).toMatchObject({ agent: 'hooked', hook: 'deploy', observation: body.observation });
    // The ledger keeps a digest of the body, never the body.
    expect(entries[0]!.payload).not.toContain('4711');
  });

  it('403 when a key bound to one agent posts to another; its own agent is fine', async () => {
    const { post, harness } = await start();
    await harnessSpawn('hooked');
    await harnessSpawn('tiny');
    const { secret: bound } = await harness.system.apiKeys.create({
      name: 'bound-to-tiny',
      createdBy: 'human:test',
      agentId: 'tiny',
    });
    const denied = await post('/v1/agents/hooked/webhooks/deploy', {}, bound);
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { message: string }).message).toContain(
      'bound to agent "tiny"',
    );
    expect((await post('/v1/agents/tiny/webhooks/deploy', {}, bound)).status).toBe(202);
    const refusals = (await listEntries(harness.system.store, { limit: 1000 })).filter(
      (e) => e.subject === 'agent.webhook' && e.payload.includes('POLICY_DENIED'),
    );
    expect(refusals).toHaveLength(1);
  });

  it('401 without a key or with a bad one', async () => {
    const { post } = await start();
    await harnessSpawn('hooked');
    const missing = await post('/v1/agents/hooked/webhooks/deploy', {}, null);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    const bad = await post('/v1/agents/hooked/webhooks/deploy', {}, 'avk_not_a_key');
    expect(bad.status).toBe(401);
  });

  it('404 for an unknown agent, one not running here, and one without webhooks', async () => {
    const { post } = await start();
    await harnessSpawn('quiet');
    const unknown = await post('/v1/agents/ghost/webhooks/deploy', {});
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { message: string }).message).toContain(
      'no agent named "ghost" is defined',
    );
    const asleep = await post('/v1/agents/asleep/webhooks/deploy', {});
    expect(asleep.status).toBe(404);
    expect(((await asleep.json()) as { message: string }).message).toContain(
      'agent "asleep" is not running in this process',
    );
    const quiet = await post('/v1/agents/quiet/webhooks/deploy', {});
    expect(quiet.status).toBe(404);
    expect(((await quiet.json()) as { message: string }).message).toContain(
      'webhooks are not enabled for agent "quiet"; set perception.webhooks.enabled: true',
    );
    const badHook = await post('/v1/agents/quiet/webhooks/..%2Fx', {});
    expect(badHook.status).toBe(400);
  });

  it('429 with Retry-After once the queue holds its capacity', async () => {
    const { post, harness } = await start();
    // Capacity 1, and the daemon is spawned but not started: nothing drains the queue.
    await harness.system.agents.spawn('tiny');
    expect((await post('/v1/agents/tiny/webhooks/a', { n: 1 })).status).toBe(202);
    const full = await post('/v1/agents/tiny/webhooks/a', { n: 2 });
    expect(full.status).toBe(429);
    expect(full.headers.get('retry-after')).toBe('1');
    expect(await full.json()).toMatchObject({ code: 'RATE_LIMITED' });
    const entries = (await listEntries(harness.system.store, { limit: 1000 })).filter(
      (e) => e.subject === 'agent.webhook',
    );
    expect(entries.map((e) => e.type)).toEqual(['op.call', 'op.error']);
  });
});

async function harnessSpawn(name: string): Promise<void> {
  await h!.system.agents.spawn(name);
}

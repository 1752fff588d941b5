/**
 * The Redis Streams bus against a real Redis: the conformance suite, then what needs several
 * consumers or processes: a consumer that dies holding a message, competing consumers on two
 * bus instances, crash-looping messages, unreadable entries, a DLQ shared between processes.
 * Each test works under its own key prefix, removed afterwards. Skips visibly without Redis
 * (fails under AGENTVISOR_REQUIRE_SERVICES=1).
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { isAgentvisorError } from '../../../../src/core/index.js';
import {
  type BusAlert,
  type BusMessage,
  RedisStreamsBus,
  type RedisStreamsBusOptions,
} from '../../../../src/team/index.js';
import {
  type RedisScratch,
  redisAvailable,
  redisScratch,
  TEST_REDIS_URL,
} from '../../../support/redis.js';
import {
  type BusHarness,
  busConformance,
  eventually,
  task,
} from '../../../unit/team/bus/bus-conformance.js';

const hasRedis = await redisAvailable();

let scratch: RedisScratch = redisScratch();
const keyPrefix = () => `${scratch.prefix}bus`;

const harness: BusHarness = {
  open(options = {}) {
    return RedisStreamsBus.open({ url: TEST_REDIS_URL, keyPrefix: keyPrefix(), ...options });
  },
  async reset() {
    await scratch.cleanup();
    scratch = redisScratch();
  },
};

describe.skipIf(!hasRedis)('on Redis', () => {
  busConformance('RedisStreamsBus', harness);

  describe('RedisStreamsBus with several consumers', () => {
    const buses: RedisStreamsBus[] = [];
    const raws: Redis[] = [];
    const open = async (options: RedisStreamsBusOptions = {}) => {
      const bus = await RedisStreamsBus.open({
        url: TEST_REDIS_URL,
        keyPrefix: keyPrefix(),
        rateLimit: false,
        retry: { maxAttempts: 2, initialDelayMs: 1 },
        ...options,
      });
      buses.push(bus);
      return bus;
    };
    const raw = () => {
      const conn = new Redis(TEST_REDIS_URL);
      raws.push(conn);
      return conn;
    };
    afterEach(async () => {
      for (const bus of buses.splice(0)) await bus.close();
      for (const conn of raws.splice(0)) conn.disconnect();
      await harness.reset();
    });

    /** Registers `worker` and its stream group, as a subscription would, without reading. */
    async function knownWorker(bus: RedisStreamsBus): Promise<string> {
      const sub = await bus.subscribe({ name: 'worker' }, () => {
        throw new Error('the registering subscription must not handle anything');
      });
      await sub.close();
      return bus.keys.stream('agent:worker');
    }

    /** What a consumer that died mid-message leaves: the entry read into its PEL, never acked. */
    async function readAndDie(stream: string): Promise<string> {
      const dead = raw();
      const reply = (await dead.call(
        'XREADGROUP',
        'GROUP',
        'bus',
        'worker/dead-process/1',
        'COUNT',
        10,
        'STREAMS',
        stream,
        '>',
      )) as [string, [string, string[]][]][];
      const entry = reply[0]![1][0]!;
      dead.disconnect();
      return JSON.parse(entry[1][1]!).id as string;
    }

    it('redelivers a message held by a dead consumer to another, which handles it once', async () => {
      const sender = await open();
      const stream = await knownWorker(sender);
      const sent = await sender.send(task('lead', 'agent:worker', 'survive the crash'));
      expect(await readAndDie(stream)).toBe(sent.id);

      const survivor = await open({ claimIdleMs: 100, claimIntervalMs: 20 });
      const handled: BusMessage[] = [];
      await survivor.subscribe({ name: 'worker' }, (m) => {
        handled.push(m);
      });
      await eventually(() => expect(handled.map((m) => m.id)).toEqual([sent.id]));
      const check = raw();
      await eventually(async () => {
        expect(await check.xlen(stream)).toBe(0);
        expect((await check.xpending(stream, 'bus'))[0]).toBe(0);
      });
      // Several more claim rounds find nothing left to hand out again.
      await new Promise((r) => setTimeout(r, 200));
      expect(handled).toHaveLength(1);
    });

    it('does not handle again a message the dead consumer had handled but not acknowledged', async () => {
      const sender = await open();
      const stream = await knownWorker(sender);
      const sent = await sender.send(task('lead', 'agent:worker', 'done before the crash'));
      await readAndDie(stream);
      await raw().zadd(sender.keys.processed('worker'), Date.now(), sent.id);

      const survivor = await open({ claimIdleMs: 100, claimIntervalMs: 20 });
      const handled: string[] = [];
      await survivor.subscribe({ name: 'worker' }, (m) => {
        handled.push(m.id);
      });
      await eventually(async () => expect((await survivor.stats()).duplicates).toBe(1));
      expect(handled).toEqual([]);
      await eventually(async () => expect(await raw().xlen(stream)).toBe(0));
    });

    it('dead-letters a message that keeps killing its consumers', async () => {
      const sender = await open();
      const stream = await knownWorker(sender);
      const sent = await sender.send(task('lead', 'agent:worker', 'crash loop'));
      await readAndDie(stream);
      // Two more consumers claimed it and died: three deliveries so far.
      const claimer = raw();
      for (const consumer of ['worker/dead-2/1', 'worker/dead-3/1']) {
        await claimer.call(
          'XCLAIM',
          stream,
          'bus',
          consumer,
          0,
          (await claimer.xrange(stream, '-', '+'))[0]![0],
        );
      }
      const survivor = await open({ claimIdleMs: 50, claimIntervalMs: 20, maxDeliveries: 3 });
      const handled: string[] = [];
      await survivor.subscribe({ name: 'worker' }, (m) => {
        handled.push(m.id);
      });
      await eventually(async () => expect(await survivor.dlq.count()).toBe(1));
      const [entry] = await survivor.dlq.list();
      expect(entry).toMatchObject({
        reason: 'undeliverable',
        consumer: 'worker',
        message: { id: sent.id },
      });
      expect(handled).toEqual([]);
    });

    it('shares a role between consumers on two bus instances, each message handled once', async () => {
      const a = await open();
      const b = await open();
      const handled: string[] = [];
      await a.subscribe({ name: 'qa-a', roles: ['qa'] }, (m) => {
        handled.push(`a:${m.payload.action}`);
      });
      await b.subscribe({ name: 'qa-b', roles: ['qa'] }, (m) => {
        handled.push(`b:${m.payload.action}`);
      });
      const sender = await open();
      for (let i = 0; i < 40; i++) await sender.send(task('lead', 'role:qa', `m${i}`));
      await eventually(() => expect(handled).toHaveLength(40));
      const actions = handled.map((h) => h.slice(2)).sort();
      expect(new Set(actions).size).toBe(40);
    });

    it('keeps messages for a known agent while no consumer runs, and delivers them on subscribe', async () => {
      const sender = await open();
      await knownWorker(sender);
      await sender.send(task('lead', 'agent:worker', 'queued 1'));
      await sender.send(task('lead', 'agent:worker', 'queued 2'));
      await sender.close();
      const later = await open();
      const handled: string[] = [];
      await later.subscribe({ name: 'worker' }, (m) => {
        handled.push(m.payload.action);
      });
      await eventually(() => expect(handled).toEqual(['queued 1', 'queued 2']));
    });

    it('shares the DLQ between processes: one dead-letters, another replays', async () => {
      const failing = await open();
      let healed = false;
      const handled: string[] = [];
      await failing.subscribe({ name: 'worker' }, (m) => {
        if (!healed) throw new Error('poison');
        handled.push(m.payload.action);
      });
      await failing.send(task('lead', 'agent:worker', 'poison pill'));
      const operator = await open();
      await eventually(async () => expect(await operator.dlq.count()).toBe(1));
      healed = true;
      const [entry] = await operator.dlq.list();
      await operator.dlq.replay(entry!.id);
      await eventually(() => expect(handled).toEqual(['poison pill']));
      expect(await failing.dlq.count()).toBe(0);
    });

    it('raises an alert for an unreadable stream entry and keeps going', async () => {
      const bus = await open();
      const alerts: BusAlert[] = [];
      bus.onAlert((a) => alerts.push(a));
      const handled: string[] = [];
      await bus.subscribe({ name: 'worker' }, (m) => {
        handled.push(m.payload.action);
      });
      await raw().xadd(bus.keys.stream('agent:worker'), '*', 'm', '{"not":"a message"}');
      await bus.send(task('lead', 'agent:worker', 'fine'));
      await eventually(() => expect(handled).toEqual(['fine']));
      await eventually(() => expect(alerts).toHaveLength(1));
      expect(alerts[0]).toMatchObject({
        kind: 'invalid_entry',
        stream: bus.keys.stream('agent:worker'),
      });
    });

    it('refuses to open with UNAVAILABLE when Redis does not answer', async () => {
      const nowhere = new Redis('redis://127.0.0.1:1', {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      const error = await RedisStreamsBus.open({ redis: nowhere }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isAgentvisorError(error, 'UNAVAILABLE')).toBe(true);
      nowhere.disconnect();
    });

    it('answers a request across two bus instances', async () => {
      const server = await open();
      await server.subscribe({ name: 'data' }, (m, ctx) =>
        ctx.reply({ action: 'pong', context: { to: m.source } }),
      );
      const client = await open();
      const reply = await client.request(task('code', 'agent:data', 'ping'), { timeoutMs: 10_000 });
      expect(reply.payload.context).toEqual({ to: 'code' });
    });
  });
});

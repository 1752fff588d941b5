/**
 * @module Redis figures: the Streams bus end to end, and raw Redis Streams with ioredis as the
 * baseline (target: bus >= 50% of raw throughput). Both move the same ~480-byte message JSON
 * through one stream on the same server, a producer and a consumer on their own connections:
 * - raw: XADD (auto-pipelined, 512 in flight), XREADGROUP COUNT 256 BLOCK, JSON.parse, XACK;
 * - bus: `send()` (check, id, back-pressure script + XADD), the subscription's XREADGROUP,
 *   decode and validation, processed-id check and record, handler, XACK + XDEL.
 * Throughput runs from the first send to the last handled message. Latency: send call →
 * handler start with 16 messages in flight.
 */
import { Redis } from 'ioredis';
import {
  type BusMessage,
  encodeMessage,
  InProcessBus,
  RedisStreamsBus,
} from '../../src/team/index.js';
import { onCleanup, percentile } from '../lib.js';
import { type BusFigures, LatencyLog, PAYLOAD } from './workload.js';

const WINDOW = 512;
const LATENCY_BURST = 16;

/** The Redis URL the benchmark uses. */
export const BENCH_REDIS_URL =
  process.env['AGENTVISOR_BENCH_REDIS_URL'] ??
  process.env['AGENTVISOR_TEST_REDIS_URL'] ??
  'redis://127.0.0.1:6379';

/** A fresh key prefix, deleted afterwards (also on Ctrl-C). */
function scratchPrefix(label: string): string {
  const prefix = `agentvisor-bench:${process.pid}:${Math.random().toString(36).slice(2, 8)}:${label}`;
  onCleanup(async () => {
    const conn = new Redis(BENCH_REDIS_URL);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await conn.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        if (keys.length > 0) await conn.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      conn.disconnect();
    }
  });
  return prefix;
}

/** Resolves to undefined when Redis answers, else to the reason. */
export async function redisUnavailable(): Promise<string | undefined> {
  const probe = new Redis(BENCH_REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await probe.connect();
    await probe.ping();
    return undefined;
  } catch (error) {
    return `Redis at ${BENCH_REDIS_URL} unreachable: ${(error as Error).message}`;
  } finally {
    probe.disconnect();
  }
}

/** A representative message's JSON, as the bus puts it on the wire. */
async function sampleJson(): Promise<string> {
  const bus = new InProcessBus({ rateLimit: false });
  let got: BusMessage | undefined;
  await bus.subscribe({ name: 'sink' }, (m) => {
    got = m;
  });
  await bus.send({ source: 'lead', target: 'agent:sink', type: 'task', payload: PAYLOAD });
  await new Promise((r) => setImmediate(r));
  await bus.close();
  return encodeMessage(got!);
}

async function redisBusRun(
  messages: number,
  latency: boolean,
): Promise<{ perSecond: number; log: LatencyLog }> {
  const keyPrefix = scratchPrefix('bus');
  const options = {
    url: BENCH_REDIS_URL,
    keyPrefix,
    rateLimit: false as const,
    queueCapacity: 1_000_000,
  };
  const consumer = await RedisStreamsBus.open(options);
  const sender = await RedisStreamsBus.open(options);
  const log = new LatencyLog(messages);
  let handled = 0;
  let notify: () => void = () => {};
  try {
    await consumer.subscribe(
      { name: 'sink' },
      (m) => {
        if (latency) log.handled(m.payload.context['seq'] as number);
        handled++;
        notify();
      },
      { maxInFlight: 2_048 },
    );
    const until = (count: number) =>
      new Promise<void>((resolve) => {
        notify = () => {
          if (handled >= count) resolve();
        };
        notify();
      });
    const start = performance.now();
    const burst = latency ? LATENCY_BURST : WINDOW;
    for (let seq = 0; seq < messages; ) {
      const sends: Promise<unknown>[] = [];
      for (let i = 0; i < burst && seq < messages; i++, seq++) {
        const input = {
          source: 'lead',
          target: 'agent:sink',
          type: 'task' as const,
          payload: latency ? { ...PAYLOAD, context: { ...PAYLOAD.context, seq } } : PAYLOAD,
        };
        if (latency) log.sentAt[seq] = performance.now();
        sends.push(sender.send(input));
      }
      await Promise.all(sends);
      if (latency) await until(seq);
    }
    await until(messages);
    return { perSecond: messages / ((performance.now() - start) / 1000), log };
  } finally {
    await sender.close();
    await consumer.close();
  }
}

async function rawRun(
  messages: number,
  json: string,
  latency: boolean,
): Promise<{ perSecond: number; log: LatencyLog }> {
  const stream = `${scratchPrefix('raw')}:stream`;
  const producer = new Redis(BENCH_REDIS_URL, { enableAutoPipelining: true });
  const reader = new Redis(BENCH_REDIS_URL);
  const acker = new Redis(BENCH_REDIS_URL, { enableAutoPipelining: true });
  const log = new LatencyLog(messages);
  await producer.call('XGROUP', 'CREATE', stream, 'g', '$', 'MKSTREAM');
  let handled = 0;
  let notify: () => void = () => {};
  let running = true;
  const loop = (async () => {
    while (running) {
      const reply = (await reader.call(
        'XREADGROUP',
        'GROUP',
        'g',
        'c',
        'COUNT',
        256,
        'BLOCK',
        200,
        'STREAMS',
        stream,
        '>',
      )) as [string, [string, string[]][]][] | null;
      if (reply === null) continue;
      const ids: string[] = [];
      for (const [id, fields] of reply[0]![1]) {
        const message = JSON.parse(fields[1]!) as { seq?: number };
        if (latency) log.handled(message.seq!);
        ids.push(id);
        handled++;
      }
      void acker.xack(stream, 'g', ...ids);
      notify();
    }
  })();
  const until = (count: number) =>
    new Promise<void>((resolve) => {
      notify = () => {
        if (handled >= count) resolve();
      };
      notify();
    });
  try {
    const start = performance.now();
    const burst = latency ? LATENCY_BURST : WINDOW;
    // Same size as the bus's message; the sequence number rides in front for latency runs.
    const body = json.slice(1);
    for (let seq = 0; seq < messages; ) {
      const adds: Promise<unknown>[] = [];
      for (let i = 0; i < burst && seq < messages; i++, seq++) {
        const text = latency ? `{"seq":${seq},${body}` : json;
        if (latency) log.sentAt[seq] = performance.now();
        adds.push(producer.xadd(stream, '*', 'm', text));
      }
      await Promise.all(adds);
      if (latency) await until(seq);
    }
    await until(messages);
    return { perSecond: messages / ((performance.now() - start) / 1000), log };
  } finally {
    running = false;
    await loop;
    producer.disconnect();
    reader.disconnect();
    acker.disconnect();
  }
}

function figures(run: { perSecond: number }, latencyLog: LatencyLog, messages: number): BusFigures {
  return {
    perSecond: run.perSecond,
    p50Us: percentile(latencyLog.samples(), 50),
    p99Us: percentile(latencyLog.samples(), 99),
    messages,
  };
}

/** Bus and raw figures, measured alternately so drift in the machine hits both alike. */
export async function measureRedis(
  quick: boolean,
): Promise<{ bus: BusFigures; raw: BusFigures; messageBytes: number }> {
  const messages = quick ? 20_000 : 200_000;
  const latencyMessages = quick ? 4_000 : 20_000;
  const json = await sampleJson();
  await redisBusRun(messages / 4, false);
  await rawRun(messages / 4, json, false);
  const busRun = await redisBusRun(messages, false);
  const rawThroughput = await rawRun(messages, json, false);
  const busLatency = await redisBusRun(latencyMessages, true);
  const rawLatency = await rawRun(latencyMessages, json, true);
  return {
    bus: figures(busRun, busLatency.log, messages),
    raw: figures(rawThroughput, rawLatency.log, messages),
    messageBytes: Buffer.byteLength(json),
  };
}

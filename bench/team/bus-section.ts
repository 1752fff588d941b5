/**
 * @module The bus section of `npm run bench -- team`: in-process throughput and latency, the
 * Redis Streams bus against raw Redis Streams, and the verdicts against issue 7's targets.
 */
import { fmtInt, fmtNum, judge, progress } from '../lib.js';
import { measureInProcessBus } from './in-process-bus.js';
import { measureRedis, redisUnavailable } from './redis-bus.js';
import type { TeamSection } from './team-section.js';

/** Issue 7 targets. */
export const BUS_TARGETS = {
  inProcessPerSecond: 500_000,
  inProcessP99Us: 50,
  redisVsRaw: 0.5,
} as const;

/** The bus section. */
export const busSection: TeamSection = {
  name: 'bus',
  async run(ctx) {
    progress('in-process bus');
    const inProcess = await measureInProcessBus(ctx.quick);
    const unavailable = await redisUnavailable();
    let redis: Awaited<ReturnType<typeof measureRedis>> | undefined;
    if (unavailable === undefined) {
      progress('Redis Streams bus and raw Redis Streams');
      redis = await measureRedis(ctx.quick);
    }
    progress('done', true);
    const row = (label: string, perSecond: number, p50: number, p99: number, messages: number) => [
      label,
      fmtInt(perSecond),
      fmtNum(p50, 1),
      fmtNum(p99, 1),
      fmtInt(messages),
    ];
    const [one, burst] = inProcess.latency;
    const rows: string[][] = [
      row('in-process bus', inProcess.perSecond, one!.p50Us, one!.p99Us, inProcess.messages),
      [
        '  latency, 16 in flight',
        '—',
        fmtNum(burst!.p50Us, 1),
        fmtNum(burst!.p99Us, 1),
        fmtInt(burst!.messages),
      ],
    ];
    if (redis !== undefined) {
      rows.push(
        row(
          'Redis Streams bus',
          redis.bus.perSecond,
          redis.bus.p50Us,
          redis.bus.p99Us,
          redis.bus.messages,
        ),
      );
      rows.push(
        row(
          'raw Redis Streams (ioredis)',
          redis.raw.perSecond,
          redis.raw.p50Us,
          redis.raw.p99Us,
          redis.raw.messages,
        ),
      );
    } else {
      rows.push(['Redis Streams bus', 'n/a', 'n/a', 'n/a', unavailable ?? '']);
    }
    const ratio = redis === undefined ? undefined : redis.bus.perSecond / redis.raw.perSecond;
    return {
      title: `Message bus (msgs/s; send→handle latency in µs, 1 message in flight unless noted; Redis latency with 16 in flight; in-process rounds: ${inProcess.rounds.map((r) => fmtInt(r)).join(', ')} msgs/s, median shown${redis === undefined ? '' : `; Redis message ${redis.messageBytes} bytes; bus/raw = ${fmtNum((ratio ?? 0) * 100, 0)}%`})`,
      headers: ['measure', 'msgs/s', 'p50 µs', 'p99 µs', 'messages'],
      rows,
      verdicts: [
        judge({
          name: 'in-process bus throughput',
          measured: inProcess.perSecond,
          unit: 'msgs/s',
          op: '>=',
          goal: BUS_TARGETS.inProcessPerSecond,
        }),
        ...inProcess.latency.map((l) =>
          judge({
            name: `in-process bus p99 send→handle, ${l.inFlight} in flight`,
            measured: l.p99Us,
            unit: 'µs',
            op: '<=',
            goal: BUS_TARGETS.inProcessP99Us,
          }),
        ),
        judge({
          name: 'Redis bus throughput / raw Redis Streams',
          measured: ratio,
          unit: 'x',
          op: '>=',
          goal: BUS_TARGETS.redisVsRaw,
        }),
      ],
      json: { inProcess, redis: redis ?? { skipped: unavailable }, redisVsRaw: ratio },
    };
  },
};

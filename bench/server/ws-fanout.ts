/**
 * @module Part 2 of `npm run bench -- server`: WebSocket fan-out. The stream is served from the
 * bench's process by the production wiring: a Fastify app with `registerApi` (its real API-key
 * authenticator, helmet, cookies) and `registerLiveStream` (which returns the journal), on the
 * same node as part 1, with the stream's default limits. `createHttpServer` mounts exactly
 * these two but does not hand out the journal, hence the second app. Each client has its own
 * viewer API key (the default cap is 5 streams per user or key), so no limit is raised.
 *
 * The clients live in a child process (`ws-clients.js`). The bench publishes `rate` events/s
 * into the journal (paced: event k is due at start + k/rate, stamped when actually published),
 * round-robin over the scenario's channels, each with `{ t, s }` (publish time, per-channel
 * sequence); the clients measure receive time − publish time on the same machine clock and
 * count what they missed.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { registerApi } from '../../src/server/api/index.js';
import { registerLiveStream } from '../../src/server/live-stream.js';
import {
  type FixedStreamChannel,
  STREAM_CHANNELS,
  type StreamJournal,
} from '../../src/server/stream/index.js';
import { fmtInt, percentile, progress } from '../lib.js';
import type { BenchNode } from './bench-node.js';
import { forkRpcChild, type RpcChild } from './child-rpc.js';
import type { WsCollected, WsConnected } from './ws-clients.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Issue 8's target for delivery p99. */
export const FANOUT_P99_TARGET_MS = 50;

/** A fan-out scenario: how the clients are spread over channels and how fast events come. */
export interface FanoutScenario {
  readonly name: string;
  /** Client i subscribes to `channels[i % channels.length]`; events go round-robin over them. */
  readonly channels: readonly FixedStreamChannel[];
  /** Events/s published in total. */
  readonly rate: number;
}

/** What one scenario measured. */
export interface FanoutFigures extends WsCollected {
  readonly scenario: string;
  readonly clients: number;
  readonly channels: number;
  readonly rate: number;
  readonly published: number;
  /** Events/s actually published (below `rate` when the publisher could not keep up). */
  readonly publishedPerSec: number;
  /** Deliveries the clients should have seen: Σ events × subscribers of their channel. */
  readonly expectedDeliveries: number;
  /** Delay between an event's due time and its publication (p99, max), ms. */
  readonly publishLagP99Ms: number;
  readonly publishLagMaxMs: number;
  /** CPU time of the server (the bench process) per delivery, µs. */
  readonly serverCpuUsPerDelivery: number;
  /** Mean wall time of one `journal.publish` (its synchronous write to every subscriber), ms. */
  readonly publishMsPerEvent: number;
  /** Share of one core the server used while publishing (100: the publisher was CPU-bound). */
  readonly serverCorePct: number;
  /** Share of one core the clients used from the start to the last delivery. */
  readonly clientCorePct: number;
  readonly connect: WsConnected;
}

interface StreamServer {
  readonly app: FastifyInstance;
  readonly journal: StreamJournal;
  readonly wsUrl: string;
}

async function openStreamServer(node: BenchNode): Promise<StreamServer> {
  const app = Fastify({
    loggerInstance: node.logger.child(
      { component: 'http' },
      { level: 'warn' },
    ) as FastifyBaseLogger,
    return503OnClosing: true,
    forceCloseConnections: true,
  });
  const authenticate = await registerApi(app, {
    system: node.system,
    supervision: node.supervision,
    operatorToken: node.operatorToken,
  });
  const { journal } = await registerLiveStream(app, {
    system: node.system,
    authenticate,
    supervision: node.supervision,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return { app, journal, wsUrl: `ws://127.0.0.1:${address.port}/api/v1/stream` };
}

const now = () => performance.timeOrigin + performance.now();

/**
 * Publishes `rate` events/s, round-robin over `channels`, for `seconds` of wall time: event k
 * is due at start + k/rate and published as soon as the loop gets to it. When publishing cannot
 * keep up (each publish writes to every subscriber synchronously), fewer events go out and the
 * lag behind the due times grows; both are reported. Stops at the deadline either way.
 */
async function publish(
  journal: StreamJournal,
  channels: readonly FixedStreamChannel[],
  rate: number,
  seconds: number,
): Promise<{
  counts: Record<string, number>;
  published: number;
  seconds: number;
  lagP99: number;
  lagMax: number;
  /** Wall time spent inside `journal.publish` (the synchronous fan-out), ms. */
  publishMs: number;
  /** CPU time of this process during the publishing window, ms. */
  cpuMs: number;
}> {
  const n = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const counts: Record<string, number> = {};
  for (const c of channels) counts[c] = 0;
  const lags = new Float64Array(n);
  let sent = 0;
  let publishMs = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now() + 2;
  const deadline = start + seconds * 1000;
  await new Promise<void>((resolve) => {
    const tick = () => {
      let t = performance.now();
      while (sent < n && t < deadline && start + sent * interval <= t) {
        const channel = channels[sent % channels.length]!;
        const s = (counts[channel] ?? 0) + 1;
        counts[channel] = s;
        lags[sent] = t - (start + sent * interval);
        const before = performance.now();
        journal.publish(channel, STREAM_CHANNELS[channel], { t: now(), s });
        sent++;
        t = performance.now();
        publishMs += t - before;
      }
      if (sent < n && t < deadline) {
        setTimeout(tick, Math.max(0, start + sent * interval - t));
      } else resolve();
    };
    setTimeout(tick, 2);
  });
  const cpu = process.cpuUsage(cpu0);
  const published = lags.subarray(0, sent);
  const lagP99 = percentile(published, 99); // sorts: the last one is the largest
  return {
    counts,
    published: sent,
    seconds: (performance.now() - start) / 1000,
    lagP99,
    lagMax: sent === 0 ? Number.NaN : published[sent - 1]!,
    publishMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

/** Runs each scenario with `clients` fresh connections. */
export async function measureFanout(
  node: BenchNode,
  options: { clients: number; seconds: number; scenarios: readonly FanoutScenario[] },
): Promise<FanoutFigures[]> {
  const { clients, seconds } = options;
  progress(`fan-out: creating ${fmtInt(clients)} viewer API keys`);
  const keys: string[] = [];
  for (let i = 0; i < clients; i++) keys.push(await node.apiKey(`bench-ws-${i}`, 'viewer'));
  const server = await openStreamServer(node);
  const out: FanoutFigures[] = [];
  let child: RpcChild | undefined;
  try {
    for (const scenario of options.scenarios) {
      child = forkRpcChild(path.join(HERE, 'ws-clients.js'));
      progress(`fan-out ${scenario.name}: connecting ${fmtInt(clients)} clients`);
      const connect = await child.call<WsConnected>({
        kind: 'connect',
        url: server.wsUrl,
        keys,
        channels: scenario.channels,
        concurrency: 32,
      });
      if (connect.connected === 0) {
        throw new Error(`no WebSocket client could connect: ${connect.firstError ?? 'unknown'}`);
      }
      // Let the handshakes' garbage settle before timing.
      await new Promise((r) => setTimeout(r, 500));
      await child.call({ kind: 'reset' });
      progress(
        `fan-out ${scenario.name}: ${fmtInt(scenario.rate)} events/s for ${seconds} s to ${fmtInt(connect.connected)} clients`,
      );
      const cpu0 = process.cpuUsage();
      const pub = await publish(server.journal, scenario.channels, scenario.rate, seconds);
      const collected = await child.call<WsCollected>({
        kind: 'collect',
        published: pub.counts,
        settleMs: 15_000,
      });
      const cpu = process.cpuUsage(cpu0);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      // Which channel each connected client got: client i → channels[i % k] among the first
      // `connected` (failures are rare and would only skew this count slightly).
      let expectedDeliveries = 0;
      for (let i = 0; i < connect.connected; i++) {
        expectedDeliveries += pub.counts[scenario.channels[i % scenario.channels.length]!] ?? 0;
      }
      out.push({
        ...collected,
        scenario: scenario.name,
        clients: connect.connected,
        channels: scenario.channels.length,
        rate: scenario.rate,
        published: pub.published,
        publishedPerSec: pub.published / pub.seconds,
        expectedDeliveries,
        publishLagP99Ms: pub.lagP99,
        publishLagMaxMs: pub.lagMax,
        serverCpuUsPerDelivery: (1000 * cpuMs) / Math.max(1, collected.deliveries),
        publishMsPerEvent: pub.publishMs / Math.max(1, pub.published),
        serverCorePct: (100 * pub.cpuMs) / (pub.seconds * 1000),
        clientCorePct: (100 * collected.clientCpuMs) / (collected.seconds * 1000),
        connect,
      });
      await child.call({ kind: 'close' });
      await child.stop();
      child = undefined;
    }
  } finally {
    await child?.stop();
    await server.app.close();
  }
  progress('fan-out done', true);
  return out;
}

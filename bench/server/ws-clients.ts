/**
 * @module Child process of `npm run bench -- server`: the WebSocket clients of the fan-out part,
 * in their own process so they never share the server's event loop. Each client is a `ws`
 * socket to `/api/v1/stream` authenticated with its own viewer API key through the subprotocols
 * `['agentvisor.v1', 'bearer.<key>']`, subscribed to one channel. Events carry
 * `data: { t, s }`: `t` the publish time (`performance.timeOrigin + performance.now()` in the
 * server's process, the same wall clock as here) and `s` the per-channel sequence number, so a
 * client can count what it missed. Delivery latencies go into a 10 µs histogram (no per-sample
 * array, however many deliveries). Jobs (over IPC, see `child-rpc.ts`): `connect`, `reset`,
 * `collect`, `close`.
 */
import WebSocket from 'ws';
import { serveRpc } from './child-rpc.js';

/** A job for this child. */
export type WsJob =
  | {
      readonly kind: 'connect';
      /** `ws://127.0.0.1:PORT/api/v1/stream` */
      readonly url: string;
      /** One API key per client. */
      readonly keys: readonly string[];
      /** The channel of client i is `channels[i % channels.length]`. */
      readonly channels: readonly string[];
      /** Handshakes in flight at once. */
      readonly concurrency: number;
    }
  | { readonly kind: 'reset' }
  | {
      readonly kind: 'collect';
      /** Events published per channel since `reset` (their `s` ran 1..n). */
      readonly published: Record<string, number>;
      /** Wait at most this long for the last deliveries. */
      readonly settleMs: number;
    }
  | { readonly kind: 'close' };

/** The answer to `connect`. */
export interface WsConnected {
  readonly connected: number;
  readonly failed: number;
  readonly firstError?: string;
  readonly ms: number;
}

/** The answer to `collect`. */
export interface WsCollected {
  readonly deliveries: number;
  /** Events a client connected at `reset` should have received and did not. */
  readonly missing: number;
  /** Events received twice or out of order. */
  readonly outOfOrder: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Sockets that closed during the run, by close code (4008: dropped as a slow consumer). */
  readonly closes: Record<string, number>;
  readonly openAtEnd: number;
  /** CPU time of this (client) process since `reset`, ms. */
  readonly clientCpuMs: number;
  /** Wall time from `reset` to the last delivery, s. */
  readonly seconds: number;
}

const BUCKET_MS = 0.01;
const BUCKETS = 1_000_000; // 10 µs buckets up to 10 s; anything later counts in the last one

interface Client {
  readonly socket: WebSocket;
  readonly channel: string;
  /** Highest `s` received since reset. */
  last: number;
  received: number;
  open: boolean;
}

const clients: Client[] = [];
let histogram = new Uint32Array(BUCKETS);
let deliveries = 0;
let outOfOrder = 0;
let maxMs = 0;
let lastDelivery = 0;
let closes: Record<string, number> = {};
let cpu0 = process.cpuUsage();
let t0 = performance.now();

const now = () => performance.timeOrigin + performance.now();

function onEvent(client: Client, text: string): void {
  const received = now();
  const m = JSON.parse(text) as { data?: { t?: number; s?: number } };
  const data = m.data;
  if (data === undefined || data === null || typeof data.t !== 'number') return; // control message
  const ms = received - data.t;
  const s = data.s ?? 0;
  if (s <= client.last) outOfOrder++;
  else client.last = s;
  client.received++;
  deliveries++;
  lastDelivery = performance.now();
  if (ms > maxMs) maxMs = ms;
  const bucket = Math.min(BUCKETS - 1, Math.max(0, Math.floor(ms / BUCKET_MS)));
  histogram[bucket]!++;
}

function histogramPercentile(p: number): number {
  if (deliveries === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * deliveries);
  let seen = 0;
  for (let i = 0; i < BUCKETS; i++) {
    seen += histogram[i]!;
    if (seen >= rank) return (i + 1) * BUCKET_MS; // upper edge: never flatters
  }
  return maxMs;
}

function connectOne(url: string, key: string, channel: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, ['agentvisor.v1', `bearer.${key}`], {
      perMessageDeflate: false,
    });
    const client: Client = { socket, channel, last: 0, received: 0, open: false };
    let subscribed = false;
    socket.on('unexpected-response', (_req, res) => {
      reject(new Error(`upgrade refused: HTTP ${res.statusCode}`));
      socket.terminate();
    });
    socket.on('error', (error) => {
      if (!subscribed) reject(error);
    });
    socket.on('open', () => {
      client.open = true;
      socket.send(JSON.stringify({ type: 'subscribe', channels: [channel] }));
    });
    socket.on('message', (raw) => {
      const text = raw.toString();
      if (!subscribed) {
        const m = JSON.parse(text) as { type?: string; message?: string };
        if (m.type === 'subscribed') {
          subscribed = true;
          resolve(client);
        } else if (m.type === 'error') reject(new Error(`subscribe refused: ${m.message}`));
        return;
      }
      onEvent(client, text);
    });
    socket.on('close', (code) => {
      if (client.open && subscribed) closes[String(code)] = (closes[String(code)] ?? 0) + 1;
      client.open = false;
      if (!subscribed) reject(new Error(`closed before subscribing (${code})`));
    });
  });
}

async function connect(job: Extract<WsJob, { kind: 'connect' }>): Promise<WsConnected> {
  const start = performance.now();
  let next = 0;
  let failed = 0;
  let firstError: string | undefined;
  const worker = async () => {
    while (next < job.keys.length) {
      const i = next++;
      try {
        clients.push(
          await connectOne(job.url, job.keys[i]!, job.channels[i % job.channels.length]!),
        );
      } catch (error) {
        failed++;
        firstError ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  return {
    connected: clients.length,
    failed,
    ...(firstError === undefined ? {} : { firstError }),
    ms: performance.now() - start,
  };
}

function reset(): null {
  histogram = new Uint32Array(BUCKETS);
  deliveries = 0;
  outOfOrder = 0;
  maxMs = 0;
  closes = {};
  for (const c of clients) {
    c.last = 0;
    c.received = 0;
  }
  lastDelivery = performance.now();
  cpu0 = process.cpuUsage();
  t0 = performance.now();
  return null;
}

async function collect(job: Extract<WsJob, { kind: 'collect' }>): Promise<WsCollected> {
  const expected = (c: Client) => job.published[c.channel] ?? 0;
  const complete = () => clients.every((c) => !c.open || c.received >= expected(c));
  const deadline = performance.now() + job.settleMs;
  // Until every open client has everything, or nothing arrived for a second, or the deadline.
  while (!complete() && performance.now() < deadline && performance.now() - lastDelivery < 1_000) {
    await new Promise((r) => setTimeout(r, 20));
  }
  let missing = 0;
  for (const c of clients) missing += Math.max(0, expected(c) - c.received);
  const cpu = process.cpuUsage(cpu0);
  return {
    deliveries,
    missing,
    outOfOrder,
    p50Ms: histogramPercentile(50),
    p99Ms: histogramPercentile(99),
    maxMs: deliveries === 0 ? Number.NaN : maxMs,
    closes,
    openAtEnd: clients.filter((c) => c.open).length,
    clientCpuMs: (cpu.user + cpu.system) / 1000,
    seconds: (Math.max(lastDelivery, t0 + 1) - t0) / 1000,
  };
}

async function closeAll(): Promise<null> {
  await Promise.all(
    clients.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.socket.readyState === WebSocket.CLOSED) return resolve();
          c.socket.once('close', () => resolve());
          c.socket.close(1000, 'bench done');
          setTimeout(() => {
            c.socket.terminate();
            resolve();
          }, 2_000).unref();
        }),
    ),
  );
  clients.length = 0;
  return null;
}

serveRpc(async (job) => {
  const j = job as WsJob;
  switch (j.kind) {
    case 'connect':
      return connect(j);
    case 'reset':
      return reset();
    case 'collect':
      return collect(j);
    case 'close':
      return closeAll();
  }
});

/**
 * @module Child process of `npm run bench -- server`: the HTTP load generator, in its own
 * process so it never shares the server's event loop (on 2 cores the server and this process
 * each get about one). Jobs (over IPC, see `child-rpc.ts`):
 * - `autocannon`: autocannon 9 with `connections` and, for a fixed rate, `overallRate`; latency
 *   of every 2xx response is taken from autocannon's `response` event (hrtime, float ms), not
 *   from its histogram, which rounds to whole milliseconds.
 * - `paced`: an open loop with undici (request k is due at start + k/rate; latency from the due
 *   time to the last byte), as a cross-check of autocannon's rate limiting, which sends each
 *   connection's share of a second back to back and then idles.
 * The paths of a job are requested in turn (a get route cycles through many ids).
 */
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { percentile } from '../lib.js';
import { serveRpc } from './child-rpc.js';

/** A load job. */
export type LoadJob =
  | {
      readonly kind: 'autocannon';
      readonly origin: string;
      readonly paths: readonly string[];
      readonly headers: Record<string, string>;
      readonly connections: number;
      /** Requests/s over all connections; absent: as fast as the connections go (saturation). */
      readonly overallRate?: number;
      readonly seconds: number;
    }
  | {
      readonly kind: 'paced';
      readonly origin: string;
      readonly paths: readonly string[];
      readonly headers: Record<string, string>;
      readonly connections: number;
      readonly rate: number;
      readonly seconds: number;
    };

/** What one job measured. */
export interface LoadResult {
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly seconds: number;
  readonly reqPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** CPU time of this (client) process, ms. */
  readonly clientCpuMs: number;
  /** First non-2xx status seen, for the report. */
  readonly firstBadStatus?: number;
}

function summary(
  lat: number[],
  non2xx: number,
  errors: number,
  seconds: number,
  cpu: NodeJS.CpuUsage,
  firstBadStatus: number | undefined,
): LoadResult {
  const arr = Float64Array.from(lat);
  const p50Ms = percentile(arr, 50);
  const p99Ms = percentile(arr, 99);
  return {
    ok: lat.length,
    non2xx,
    errors,
    seconds,
    reqPerSec: lat.length / seconds,
    p50Ms,
    p99Ms,
    maxMs: arr.length === 0 ? Number.NaN : arr[arr.length - 1]!,
    clientCpuMs: (cpu.user + cpu.system) / 1000,
    ...(firstBadStatus === undefined ? {} : { firstBadStatus }),
  };
}

async function runAutocannon(job: Extract<LoadJob, { kind: 'autocannon' }>): Promise<LoadResult> {
  const lat: number[] = [];
  let non2xx = 0;
  let firstBadStatus: number | undefined;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let resolveDone: (r: autocannon.Result) => void = () => {};
  let rejectDone: (e: unknown) => void = () => {};
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  const instance = autocannon(
    {
      url: job.origin,
      connections: job.connections,
      pipelining: 1,
      duration: job.seconds,
      headers: job.headers,
      requests: job.paths.map((p) => ({ method: 'GET' as const, path: p })),
      ...(job.overallRate === undefined ? {} : { overallRate: job.overallRate }),
    },
    (error: unknown, result: autocannon.Result) => {
      if (error) rejectDone(error);
      else resolveDone(result);
    },
  );
  instance.on('response', (_client, statusCode, _bytes, ms) => {
    if (statusCode >= 200 && statusCode < 300) lat.push(ms);
    else {
      non2xx++;
      firstBadStatus ??= statusCode;
    }
  });
  const result = await finished;
  const seconds = (performance.now() - t0) / 1000;
  return summary(
    lat,
    non2xx,
    result.errors + result.timeouts,
    Math.min(seconds, result.duration > 0 ? result.duration : seconds),
    process.cpuUsage(cpu0),
    firstBadStatus,
  );
}

async function runPaced(job: Extract<LoadJob, { kind: 'paced' }>): Promise<LoadResult> {
  const pool = new Pool(job.origin, {
    connections: job.connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
  });
  const n = Math.round(job.rate * job.seconds);
  const interval = 1000 / job.rate;
  const lat: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let firstBadStatus: number | undefined;
  let settled = 0;
  let sent = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now() + 2;
  await new Promise<void>((resolve) => {
    const done = () => {
      if (++settled === n) resolve();
    };
    const fire = (k: number) => {
      const due = start + k * interval;
      pool
        .request({ path: job.paths[k % job.paths.length]!, method: 'GET', headers: job.headers })
        .then(async (res) => {
          await res.body.arrayBuffer();
          if (res.statusCode >= 200 && res.statusCode < 300) lat.push(performance.now() - due);
          else {
            non2xx++;
            firstBadStatus ??= res.statusCode;
          }
        })
        .catch(() => {
          errors++;
        })
        .finally(done);
    };
    const tick = () => {
      const now = performance.now();
      while (sent < n && start + sent * interval <= now) fire(sent++);
      if (sent < n) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    setTimeout(tick, 2);
  });
  const seconds = (performance.now() - start) / 1000;
  await pool.close();
  return summary(lat, non2xx, errors, seconds, process.cpuUsage(cpu0), firstBadStatus);
}

serveRpc(async (job) => {
  const j = job as LoadJob;
  return j.kind === 'autocannon' ? runAutocannon(j) : runPaced(j);
});

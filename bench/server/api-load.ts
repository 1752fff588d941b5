/**
 * @module Part 1 of `npm run bench -- server`: the `/api/v1` REST API under load. The real
 * server (`createHttpServer`) runs in the bench's process on a seeded SQLite node; the load
 * comes from a child process (`load-client.js`, autocannon), authenticated with a viewer API
 * key. Per route: a warm-up, then
 * - fixed rate: autocannon `overallRate` 1,000 req/s over 10 connections → p50/p99 (the target:
 *   list routes p99 <= 10 ms);
 * - paced: an undici open loop at the same rate, latency from each request's due time (a
 *   cross-check: autocannon's rate sends each connection's share of a second back to back);
 * - saturation: autocannon, 32 connections, no rate → req/s and p99.
 * Server CPU per request comes from the bench process's own `process.cpuUsage()`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchContext, fmtInt, fmtNum, judge, progress, type Verdict } from '../lib.js';
import { AGENTS, type BenchNode } from './bench-node.js';
import { forkRpcChild } from './child-rpc.js';
import type { LoadJob, LoadResult } from './load-client.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Issue 8's target for list routes at 1,000 req/s. */
export const LIST_P99_TARGET_MS = 10;
/** The fixed rate. */
export const RATE = 1_000;
/** autocannon connections at the fixed rate (its default). */
export const RATE_CONNECTIONS = 10;
/** autocannon connections at saturation. */
export const SATURATION_CONNECTIONS = 32;

/** One route under test. */
export interface ApiRouteCase {
  readonly name: string;
  readonly kind: 'list' | 'get';
  /** Requested in turn. */
  readonly paths: readonly string[];
}

/** Figures for one route. */
export interface ApiRouteFigures {
  readonly name: string;
  readonly kind: 'list' | 'get';
  readonly responseBytes: number;
  /** Ledger entries appended per request (every kernel call, reads included, is recorded). */
  readonly ledgerEntriesPerRequest: number;
  readonly rate: LoadResult & { serverCpuUsPerReq: number };
  readonly paced: LoadResult & { serverCpuUsPerReq: number };
  readonly saturation: LoadResult & { serverCpuUsPerReq: number };
}

/** The routes: list and get routes of tasks and agents, and ledger entries when the route exists. */
export async function apiRouteCases(
  node: BenchNode,
  taskIds: readonly string[],
  headers: Record<string, string>,
): Promise<{ cases: ApiRouteCase[]; skipped: string[] }> {
  // 100 different tasks, spread over the seeded ones, so the get route is not one cached row.
  const step = Math.max(1, Math.floor(taskIds.length / 100));
  const sample = taskIds.filter((_, i) => i % step === 0).slice(0, 100);
  const all: ApiRouteCase[] = [
    { name: 'GET /api/v1/tasks?limit=50', kind: 'list', paths: ['/api/v1/tasks?limit=50'] },
    { name: 'GET /api/v1/agents', kind: 'list', paths: ['/api/v1/agents'] },
    {
      name: 'GET /api/v1/ledger/entries?limit=100',
      kind: 'list',
      paths: ['/api/v1/ledger/entries?limit=100'],
    },
    {
      name: 'GET /api/v1/tasks/:id',
      kind: 'get',
      paths: sample.map((id) => `/api/v1/tasks/${id}`),
    },
    {
      name: 'GET /api/v1/agents/:name',
      kind: 'get',
      paths: AGENTS.map((a) => `/api/v1/agents/${a}`),
    },
  ];
  const cases: ApiRouteCase[] = [];
  const skipped: string[] = [];
  for (const c of all) {
    const res = await fetch(`${node.url}${c.paths[0]}`, { headers });
    await res.arrayBuffer();
    if (res.status === 404 && c.name.includes('ledger')) {
      skipped.push(`${c.name}: the route does not exist in this build (404)`);
      continue;
    }
    if (res.status !== 200) throw new Error(`${c.name} answered ${res.status} before the load`);
    cases.push(c);
  }
  return { cases, skipped };
}

async function responseBytes(url: string, headers: Record<string, string>): Promise<number> {
  const res = await fetch(url, { headers });
  return (await res.arrayBuffer()).byteLength;
}

/** Runs every phase for every route. */
export async function measureApi(
  ctx: BenchContext,
  node: BenchNode,
  cases: readonly ApiRouteCase[],
  seconds: number,
): Promise<ApiRouteFigures[]> {
  const client = forkRpcChild(path.join(HERE, 'load-client.js'));
  const warmSeconds = ctx.quick ? 1 : 2;
  // --quick: saturation settles within a second; the fixed-rate phases keep their length.
  const saturationSeconds = ctx.quick ? Math.max(1, Math.floor(seconds / 2)) : seconds;
  const out: ApiRouteFigures[] = [];
  try {
    for (const [i, c] of cases.entries()) {
      // A key per route: the per-caller request limit counts each route's load on its own.
      const key = await node.apiKey(`bench-api-${i}`, 'viewer');
      const headers = { authorization: `Bearer ${key}` };
      const base = { origin: node.url, paths: c.paths, headers };
      const head0 = (await node.system.ledger.head()).size;
      let requests = 0;
      const phase = async (label: string, job: LoadJob) => {
        progress(`${c.name}: ${label}`);
        const cpu0 = process.cpuUsage();
        const r = await client.call<LoadResult>(job);
        const cpu = process.cpuUsage(cpu0);
        requests += r.ok + r.non2xx;
        return { ...r, serverCpuUsPerReq: (cpu.user + cpu.system) / Math.max(1, r.ok + r.non2xx) };
      };
      await phase('warm-up', { kind: 'autocannon', ...base, connections: 8, seconds: warmSeconds });
      const rate = await phase(`${RATE} req/s (autocannon overallRate), ${seconds} s`, {
        kind: 'autocannon',
        ...base,
        connections: RATE_CONNECTIONS,
        overallRate: RATE,
        seconds,
      });
      const paced = await phase(`${RATE} req/s paced open loop, ${seconds} s`, {
        kind: 'paced',
        ...base,
        connections: 16,
        rate: RATE,
        seconds,
      });
      const saturation = await phase(
        `saturation (${SATURATION_CONNECTIONS} connections), ${saturationSeconds} s`,
        {
          kind: 'autocannon',
          ...base,
          connections: SATURATION_CONNECTIONS,
          seconds: saturationSeconds,
        },
      );
      await node.system.ledger.flush();
      const appended = (await node.system.ledger.head()).size - head0;
      out.push({
        name: c.name,
        kind: c.kind,
        responseBytes: await responseBytes(`${node.url}${c.paths[0]}`, headers),
        ledgerEntriesPerRequest: appended / Math.max(1, requests),
        rate,
        paced,
        saturation,
      });
    }
  } finally {
    await client.stop();
  }
  progress('API load done', true);
  return out;
}

/** Table rows (one per route) and the verdicts (list routes only). */
export function apiReport(figures: readonly ApiRouteFigures[]): {
  headers: string[];
  rows: string[][];
  verdicts: Verdict[];
  notes: string[];
} {
  const ms = (n: number) => fmtNum(n, 2);
  const rows = figures.map((f) => [
    f.name,
    fmtInt(f.responseBytes),
    fmtNum(f.ledgerEntriesPerRequest, 2),
    ms(f.rate.p50Ms),
    ms(f.rate.p99Ms),
    ms(f.paced.p50Ms),
    ms(f.paced.p99Ms),
    fmtInt(f.saturation.reqPerSec),
    ms(f.saturation.p99Ms),
    fmtInt(f.saturation.serverCpuUsPerReq),
  ]);
  const notes: string[] = [];
  for (const f of figures) {
    for (const [label, r] of [
      ['1,000 req/s', f.rate],
      ['paced', f.paced],
      ['saturation', f.saturation],
    ] as const) {
      if (r.non2xx > 0 || r.errors > 0) {
        notes.push(
          `${f.name}, ${label}: ${fmtInt(r.non2xx)} non-2xx${r.firstBadStatus === undefined ? '' : ` (first: ${r.firstBadStatus})`}, ${fmtInt(r.errors)} errors/timeouts`,
        );
      }
    }
    const achieved = f.rate.reqPerSec;
    if (achieved < 0.95 * RATE) {
      notes.push(
        `${f.name}: the fixed-rate phase reached only ${fmtInt(achieved)} req/s (of ${fmtInt(RATE)})`,
      );
    }
  }
  const verdicts = figures
    .filter((f) => f.kind === 'list')
    .map((f) =>
      judge({
        name: `${f.name} p99 at ${fmtInt(RATE)} req/s`,
        measured: f.rate.p99Ms,
        unit: 'ms',
        op: '<=',
        goal: LIST_P99_TARGET_MS,
      }),
    );
  return {
    headers: [
      'route',
      'bytes',
      'ledger/req',
      '1k/s p50 ms',
      '1k/s p99 ms',
      'paced p50 ms',
      'paced p99 ms',
      'sat. req/s',
      'sat. p99 ms',
      'server µs/req',
    ],
    rows,
    verdicts,
    notes,
  };
}

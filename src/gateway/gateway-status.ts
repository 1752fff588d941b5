/**
 * @module The seed's "Cloud Gateway Metrics" view, computed from the usage records in the
 * database rather than one process's memory: it is the same on every node and survives
 * restarts. Calls refused by rate limits or budgets never reach a provider; they are counted
 * from the ledger, where the gate recorded each refusal.
 */
import type { Store } from '../store/index.js';
import { latencyPercentiles } from './provider-health.js';

/** Per-provider figures. */
export interface ProviderStatus {
  readonly provider: string;
  readonly calls: number;
  readonly successRate: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
}

/** The whole view. */
export interface GatewayStatus {
  readonly since: string;
  readonly requests: number;
  readonly successes: number;
  readonly failures: number;
  readonly rateLimited: number;
  readonly fallbacks: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly providers: readonly ProviderStatus[];
}

/**
 * Computes the gateway view over calls since `sinceMs`.
 *
 * @example
 * const status = await gatewayStatus(store, Date.now() - 86_400_000);
 */
export async function gatewayStatus(store: Store, sinceMs: number): Promise<GatewayStatus> {
  const since = new Date(sinceMs).toISOString();
  const rows = await store.db
    .selectFrom('llm_usage')
    .select([
      'provider',
      'outcome',
      'was_fallback',
      'input_tokens',
      'output_tokens',
      'cost_usd',
      'latency_ms',
    ])
    .where('ts', '>=', since)
    .execute();
  const refused = await store.db
    .selectFrom('ledger_entries')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('ts', '>=', since)
    .where('type', '=', 'op.error')
    .where('subject', 'in', ['llm.complete', 'llm.embed'])
    .where((eb) =>
      eb.or([
        eb('payload', 'like', '%"code":"RATE_LIMITED"%'),
        eb('payload', 'like', '%"code":"BUDGET_EXCEEDED"%'),
      ]),
    )
    .executeTakeFirst();
  const byProvider = new Map<string, { calls: number; ok: number; latencies: number[] }>();
  let successes = 0;
  let fallbacks = 0;
  let inputTokens = 0;
  let outputTokens = 0;
  let costUsd = 0;
  const latencies: number[] = [];
  for (const r of rows) {
    const ok = r.outcome === 'ok';
    if (ok) successes++;
    if (Number(r.was_fallback) === 1) fallbacks++;
    inputTokens += Number(r.input_tokens);
    outputTokens += Number(r.output_tokens);
    costUsd += Number(r.cost_usd);
    latencies.push(Number(r.latency_ms));
    const p = byProvider.get(r.provider) ?? { calls: 0, ok: 0, latencies: [] };
    p.calls++;
    if (ok) p.ok++;
    p.latencies.push(Number(r.latency_ms));
    byProvider.set(r.provider, p);
  }
  const rateLimited = Number(refused?.n ?? 0);
  return {
    since,
    requests: rows.length + rateLimited,
    successes,
    failures: rows.length - successes,
    rateLimited,
    fallbacks,
    inputTokens,
    outputTokens,
    costUsd,
    ...latencyPercentiles(latencies),
    providers: [...byProvider.entries()]
      .map(([provider, p]) => ({
        provider,
        calls: p.calls,
        successRate: p.calls === 0 ? 1 : p.ok / p.calls,
        ...latencyPercentiles(p.latencies),
      }))
      .sort((a, b) => b.calls - a.calls),
  };
}

/**
 * @module What the gateway knows about each provider's health: a cockatiel circuit breaker
 * (closed, open, half-open) and observed outcomes and latencies, which feed the
 * reliability-optimised routing policy and `agentvisor gateway status`.
 */
import {
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
} from 'cockatiel';
import { ProviderError } from './provider.js';

/** Latency samples kept per provider for percentiles. */
const LATENCY_SAMPLES = 1024;

/** p50, p95 and p99 of `values` (sorted in place); zeros when there are none. */
export function latencyPercentiles(values: number[]): {
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
} {
  values.sort((a, b) => a - b);
  const at = (p: number) =>
    values.length === 0
      ? 0
      : values[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;
  return { p50Ms: at(50), p95Ms: at(95), p99Ms: at(99) };
}

/** A provider's observed state. */
export interface ProviderHealthSnapshot {
  readonly provider: string;
  readonly circuit: 'closed' | 'open' | 'half-open';
  readonly calls: number;
  readonly successes: number;
  readonly failures: number;
  /** Successes / calls over all calls; 1 before the first call. */
  readonly successRate: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
}

/**
 * One provider's breaker and statistics.
 *
 * @example
 * const health = new ProviderHealth('openai', { failureThreshold: 5, halfOpenAfterMs: 30_000 });
 * await health.breaker.execute(() => provider.complete(req, opts));
 */
export class ProviderHealth {
  readonly provider: string;
  readonly breaker: CircuitBreakerPolicy;
  #calls = 0;
  #successes = 0;
  readonly #latencies = new Float64Array(LATENCY_SAMPLES);
  #latencyCount = 0;

  constructor(provider: string, options: { failureThreshold: number; halfOpenAfterMs: number }) {
    this.provider = provider;
    // Only failures that say something about the provider's health open the circuit: a 400 for
    // one malformed request says nothing about the next.
    this.breaker = circuitBreaker(
      handleWhen((e) => e instanceof ProviderError && e.failure !== 'bad_request'),
      {
        halfOpenAfter: options.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(options.failureThreshold),
      },
    );
  }

  /** True when a call would be refused without trying (open circuit). */
  get isOpen(): boolean {
    return this.breaker.state === CircuitState.Open || this.breaker.state === CircuitState.Isolated;
  }

  /** Records one finished call. */
  record(ok: boolean, latencyMs: number): void {
    this.#calls++;
    if (ok) this.#successes++;
    this.#latencies[this.#latencyCount % LATENCY_SAMPLES] = latencyMs;
    this.#latencyCount++;
  }

  /** Observed success rate, optimistic (1) before any call so new providers get tried. */
  get successRate(): number {
    return this.#calls === 0 ? 1 : this.#successes / this.#calls;
  }

  snapshot(): ProviderHealthSnapshot {
    const n = Math.min(this.#latencyCount, LATENCY_SAMPLES);
    const latency = latencyPercentiles(Array.from(this.#latencies.subarray(0, n)));
    const state = this.breaker.state;
    return {
      provider: this.provider,
      circuit:
        state === CircuitState.Closed
          ? 'closed'
          : state === CircuitState.HalfOpen
            ? 'half-open'
            : 'open',
      calls: this.#calls,
      successes: this.#successes,
      failures: this.#calls - this.#successes,
      successRate: this.successRate,
      ...latency,
    };
  }
}

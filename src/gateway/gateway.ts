/**
 * @module The LLM gateway: every model call an agent makes (kernel ops `llm.complete`,
 * `llm.embed`) and every call through the OpenAI- and Anthropic-compatible endpoints. For each
 * request it admits (rate limits, budgets), routes (alias → provider chain by policy), calls with
 * a per-request timeout, retries with jittered backoff honouring `Retry-After`, trips a circuit
 * breaker per provider, falls back along the chain, and accounts (usage, cost, latency).
 * A stream falls back only before its first event; after that a failure ends it with an
 * explicit error event, never a silent truncation.
 */
import { BrokenCircuitError, handleWhen, type RetryPolicy, retry } from 'cockatiel';
import { AgentvisorError, type Clock, type GatewayConfig, systemClock } from '../core/index.js';
import { JitteredBackoff } from './backoff.js';
import type {
  ChatRequest,
  ChatResponse,
  ChatStreamEvent,
  EmbeddingRequest,
  EmbeddingResponse,
  Usage,
} from './chat-types.js';
import { NO_USAGE } from './chat-types.js';
import { ModelRouter, type RouteStep } from './model-router.js';
import { type Provider, ProviderError } from './provider.js';
import { ProviderHealth, type ProviderHealthSnapshot } from './provider-health.js';

/** Who is calling, for limits, budgets and usage records. */
export interface GatewayCallContext {
  readonly agentId?: string;
  readonly apiKeyId?: string;
  readonly apiKeyName?: string;
  readonly taskId?: string;
  /** Fires when the caller goes away; the provider call is cancelled. */
  readonly signal?: AbortSignal;
}

/** How a call was served. */
export interface GatewayOutcome {
  readonly alias: string;
  readonly provider: string;
  readonly model: string;
  readonly wasFallback: boolean;
  readonly durationMs: number;
  readonly usage: Usage;
  readonly costUsd: number;
}

/** A finished usage event, for the usage recorder and the ledger. */
export interface UsageEvent extends GatewayOutcome {
  readonly context: GatewayCallContext;
  readonly operation: 'chat' | 'embed';
  readonly outcome: 'ok' | 'error' | 'stream_error';
  readonly streamed: boolean;
}

/** A granted admission; `settle` is called exactly once with what was really used. */
export interface Admission {
  settle(usage: Usage, costUsd: number): void;
}

/**
 * Hooks that plug accounting into the gateway: rate limits and budgets (`admit`, which throws
 * `RATE_LIMITED` or `BUDGET_EXCEEDED` with `details.retryAfterMs`), prices, and usage records.
 */
export interface GatewayAccounting {
  admit(
    context: GatewayCallContext,
    estimate: { tokens: number; costUsd: number },
  ): Promise<Admission>;
  cost(provider: Provider, model: string, usage: Usage): number;
  /** USD per token (input + output averaged), for the cost-optimised policy. */
  unitCost(provider: Provider, model: string): number | undefined;
  record(event: UsageEvent): void;
}

/** The seed's "Cloud Gateway Metrics". */
export interface GatewayMetrics {
  readonly requests: number;
  readonly successes: number;
  readonly failures: number;
  readonly rateLimited: number;
  readonly fallbacks: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number;
  readonly providers: readonly ProviderHealthSnapshot[];
}

/** A stream that has produced its first event. */
export interface OpenedStream {
  readonly provider: string;
  readonly model: string;
  readonly wasFallback: boolean;
  /** Every event, starting with the first; ends with `finish` or `error`. */
  readonly events: AsyncIterable<ChatStreamEvent>;
}

/** Options for {@link Gateway}. */
export interface GatewayOptions {
  readonly providers: readonly Provider[];
  readonly config: GatewayConfig;
  readonly accounting?: GatewayAccounting;
  readonly clock?: Clock;
  /** Provider timeouts in ms by provider name (from config); default 60 s. */
  readonly timeouts?: ReadonlyMap<string, number>;
}

const DEFAULT_OUTPUT_ESTIMATE = 1024;

/**
 * The gateway.
 *
 * @example
 * const gateway = new Gateway({ providers, config: config.gateway });
 * const { response, outcome } = await gateway.complete({ model: 'fast', messages }, { agentId: 'a1' });
 */
export class Gateway {
  readonly router: ModelRouter;
  readonly #providers: readonly Provider[];
  readonly #health = new Map<string, ProviderHealth>();
  readonly #retry: RetryPolicy;
  readonly #accounting: GatewayAccounting | undefined;
  readonly #clock: Clock;
  readonly #timeouts: ReadonlyMap<string, number>;
  readonly #metrics = {
    requests: 0,
    successes: 0,
    failures: 0,
    rateLimited: 0,
    fallbacks: 0,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
  };

  constructor(options: GatewayOptions) {
    this.#providers = options.providers;
    this.router = new ModelRouter(options.providers, options.config.models);
    for (const p of options.providers) {
      this.#health.set(
        p.name,
        new ProviderHealth(p.name, {
          failureThreshold: options.config.circuit_breaker.failure_threshold,
          halfOpenAfterMs: options.config.circuit_breaker.half_open_after_ms,
        }),
      );
    }
    this.#retry = retry(
      handleWhen((e) => e instanceof ProviderError && e.retryable),
      {
        maxAttempts: Math.max(0, options.config.retry.max_attempts - 1),
        backoff: new JitteredBackoff({
          initialDelayMs: options.config.retry.initial_delay_ms,
          maxDelayMs: options.config.retry.max_delay_ms,
        }),
      },
    );
    this.#accounting = options.accounting;
    this.#clock = options.clock ?? systemClock;
    this.#timeouts = options.timeouts ?? new Map();
  }

  /** The configured providers. */
  get providers(): readonly Provider[] {
    return this.#providers;
  }

  /** Counters and per-provider health. */
  metrics(): GatewayMetrics {
    return { ...this.#metrics, providers: [...this.#health.values()].map((h) => h.snapshot()) };
  }

  /** A complete (non-streamed) chat call. */
  async complete(
    request: ChatRequest,
    context: GatewayCallContext = {},
  ): Promise<{ response: ChatResponse; outcome: GatewayOutcome }> {
    const started = this.#clock.now();
    const admission = await this.#admit(request, context);
    const steps = this.#route(request.model);
    let result: { value: ChatResponse; step: RouteStep; index: number } | undefined;
    try {
      result = await this.#firstThatAnswers(steps, context, (step, signal) =>
        step.provider.complete({ ...request, model: step.model }, { signal }),
      );
    } catch (error) {
      admission?.settle(NO_USAGE, 0);
      this.#metrics.failures++;
      throw error;
    }
    const outcome = this.#finish(
      request.model,
      result.step,
      result.index,
      result.value.usage,
      started,
      admission,
    );
    this.#accounting?.record({
      ...outcome,
      context,
      operation: 'chat',
      outcome: 'ok',
      streamed: false,
    });
    return { response: result.value, outcome };
  }

  /**
   * Opens a streamed chat call: resolves once some provider produced a first event (falling back
   * along the chain before that), and rejects like {@link complete} when none did.
   */
  async stream(
    request: ChatRequest,
    context: GatewayCallContext = {},
  ): Promise<OpenedStream & { outcome: Promise<GatewayOutcome> }> {
    const started = this.#clock.now();
    const admission = await this.#admit(request, context);
    const steps = this.#route(request.model);
    let opened: {
      value: { first: ChatStreamEvent; rest: AsyncIterator<ChatStreamEvent> };
      step: RouteStep;
      index: number;
    };
    try {
      opened = await this.#firstThatAnswers(steps, context, async (step, signal) => {
        const iterator = step.provider
          .stream({ ...request, model: step.model }, { signal })
          [Symbol.asyncIterator]();
        const first = await iterator.next();
        if (first.done === true) {
          throw new ProviderError({
            provider: step.provider.name,
            failure: 'malformed',
            message: `${step.provider.name} ended the stream before any event`,
          });
        }
        return { first: first.value, rest: iterator };
      });
    } catch (error) {
      admission?.settle(NO_USAGE, 0);
      this.#metrics.failures++;
      throw error;
    }
    let resolveOutcome!: (o: GatewayOutcome) => void;
    const outcome = new Promise<GatewayOutcome>((r) => {
      resolveOutcome = r;
    });
    const { step, index } = opened;
    const self = this;
    async function* events(): AsyncGenerator<ChatStreamEvent> {
      let usage: Usage = NO_USAGE;
      let failed = false;
      let finished = false;
      try {
        let current: ChatStreamEvent | undefined = opened.value.first;
        while (current !== undefined) {
          if (current.type === 'finish') {
            usage = current.usage;
            finished = true;
          }
          if (current.type === 'error') failed = true;
          yield current;
          if (finished || failed) break;
          let next: IteratorResult<ChatStreamEvent>;
          try {
            next = await opened.value.rest.next();
          } catch (error) {
            failed = true;
            yield {
              type: 'error',
              code: 'UPSTREAM_FAILED',
              message: `${step.provider.name} stream failed: ${(error as Error).message}`,
            };
            break;
          }
          current = next.done === true ? undefined : next.value;
        }
        if (!finished && !failed) {
          // The provider's iterator ended without finish or error: say so rather than truncate.
          failed = true;
          yield {
            type: 'error',
            code: 'UPSTREAM_FAILED',
            message: `${step.provider.name} ended the stream without finishing it`,
          };
        }
      } finally {
        await opened.value.rest.return?.().catch(() => undefined);
        const o = self.#finish(request.model, step, index, usage, started, admission, failed);
        self.#accounting?.record({
          ...o,
          context,
          operation: 'chat',
          outcome: failed ? 'stream_error' : 'ok',
          streamed: true,
        });
        resolveOutcome(o);
      }
    }
    return {
      provider: step.provider.name,
      model: step.model,
      wasFallback: index > 0,
      events: events(),
      outcome,
    };
  }

  /** Embeddings through the first provider of the chain that has them and answers. */
  async embed(
    request: EmbeddingRequest,
    context: GatewayCallContext = {},
  ): Promise<{ response: EmbeddingResponse; outcome: GatewayOutcome }> {
    const started = this.#clock.now();
    const tokens = request.input.reduce((n, s) => n + Math.ceil(s.length / 4), 0);
    const admission = await this.#admitTokens(tokens, context);
    const steps = this.#route(request.model).filter((s) => s.provider.embed !== undefined);
    if (steps.length === 0) {
      admission?.settle(NO_USAGE, 0);
      throw new AgentvisorError(
        'MODEL_UNKNOWN',
        `no provider for "${request.model}" offers embeddings`,
      );
    }
    let result: { value: EmbeddingResponse; step: RouteStep; index: number };
    try {
      result = await this.#firstThatAnswers(steps, context, (step, signal) =>
        step.provider.embed!({ ...request, model: step.model }, { signal }),
      );
    } catch (error) {
      admission?.settle(NO_USAGE, 0);
      this.#metrics.failures++;
      throw error;
    }
    const usage: Usage = {
      inputTokens: result.value.usage.inputTokens,
      outputTokens: 0,
      cachedInputTokens: 0,
    };
    const outcome = this.#finish(
      request.model,
      result.step,
      result.index,
      usage,
      started,
      admission,
    );
    this.#accounting?.record({
      ...outcome,
      context,
      operation: 'embed',
      outcome: 'ok',
      streamed: false,
    });
    return { response: result.value, outcome };
  }

  #route(model: string): RouteStep[] {
    return this.router.route(model, {
      unitCost: (p, m) => this.#accounting?.unitCost(p, m),
      successRate: (p) => this.#health.get(p.name)?.successRate ?? 1,
    });
  }

  async #admit(request: ChatRequest, context: GatewayCallContext): Promise<Admission | undefined> {
    // A rough estimate is enough before the call: budgets settle on real usage afterwards.
    let chars = 0;
    for (const m of request.messages) {
      if (typeof m.content === 'string') chars += m.content.length;
      else for (const part of m.content) if (part.type === 'text') chars += part.text.length;
    }
    return this.#admitTokens(
      Math.ceil(chars / 4) + (request.maxTokens ?? DEFAULT_OUTPUT_ESTIMATE),
      context,
    );
  }

  async #admitTokens(tokens: number, context: GatewayCallContext): Promise<Admission | undefined> {
    this.#metrics.requests++;
    if (this.#accounting === undefined) return undefined;
    try {
      return await this.#accounting.admit(context, { tokens, costUsd: 0 });
    } catch (error) {
      if (
        error instanceof AgentvisorError &&
        (error.code === 'RATE_LIMITED' || error.code === 'BUDGET_EXCEEDED')
      )
        this.#metrics.rateLimited++;
      throw error;
    }
  }

  #finish(
    alias: string,
    step: RouteStep,
    index: number,
    usage: Usage,
    started: number,
    admission: Admission | undefined,
    failed = false,
  ): GatewayOutcome {
    const costUsd = this.#accounting?.cost(step.provider, step.model, usage) ?? 0;
    admission?.settle(usage, costUsd);
    if (failed) this.#metrics.failures++;
    else this.#metrics.successes++;
    if (index > 0) this.#metrics.fallbacks++;
    this.#metrics.inputTokens += usage.inputTokens;
    this.#metrics.outputTokens += usage.outputTokens;
    this.#metrics.costUsd += costUsd;
    return {
      alias,
      provider: step.provider.name,
      model: step.model,
      wasFallback: index > 0,
      durationMs: this.#clock.now() - started,
      usage,
      costUsd,
    };
  }

  /**
   * Tries each step in order (retrying each within its breaker) until one answers; turns the
   * collected failures into one error a caller can act on.
   */
  async #firstThatAnswers<T>(
    steps: readonly RouteStep[],
    context: GatewayCallContext,
    call: (step: RouteStep, signal: AbortSignal) => Promise<T>,
  ): Promise<{ value: T; step: RouteStep; index: number }> {
    const failures: Array<{ step: RouteStep; error: unknown }> = [];
    for (let index = 0; index < steps.length; index++) {
      const step = steps[index]!;
      const health = this.#health.get(step.provider.name)!;
      if (context.signal?.aborted === true) break;
      try {
        const value = await this.#retry.execute(() =>
          health.breaker.execute(async () => {
            const t0 = performance.now();
            const timeout = AbortSignal.timeout(this.#timeouts.get(step.provider.name) ?? 60_000);
            const signal =
              context.signal === undefined ? timeout : AbortSignal.any([timeout, context.signal]);
            try {
              const v = await call(step, signal);
              health.record(true, performance.now() - t0);
              return v;
            } catch (error) {
              health.record(false, performance.now() - t0);
              throw error;
            }
          }),
        );
        return { value, step, index };
      } catch (error) {
        failures.push({ step, error });
      }
    }
    throw failureToError(failures, context);
  }
}

function failureToError(
  failures: Array<{ step: RouteStep; error: unknown }>,
  context: GatewayCallContext,
): AgentvisorError {
  if (failures.length === 0 && context.signal?.aborted === true) {
    return new AgentvisorError('TIMEOUT', 'the caller went away before any provider answered');
  }
  const describe = (f: { step: RouteStep; error: unknown }) => {
    const e = f.error;
    if (e instanceof BrokenCircuitError) return `${f.step.provider.name}: circuit open`;
    if (e instanceof ProviderError)
      return `${f.step.provider.name}: ${e.failure}${e.status === undefined ? '' : ` (${e.status})`}: ${e.message}`;
    return `${f.step.provider.name}: ${(e as Error).message ?? String(e)}`;
  };
  const summary = failures.map(describe).join('; ');
  const errors = failures.map((f) => f.error);
  if (errors.every((e) => e instanceof BrokenCircuitError)) {
    return new AgentvisorError(
      'UPSTREAM_UNAVAILABLE',
      `every provider's circuit is open; try again later (${summary})`,
    );
  }
  if (errors.every((e) => e instanceof ProviderError && e.failure === 'bad_request')) {
    return new AgentvisorError('INPUT_INVALID', `the provider refused the request: ${summary}`, {
      details: { upstream: failures.map(describe) },
    });
  }
  if (errors.every((e) => e instanceof ProviderError && e.failure === 'rate_limited')) {
    const waits = errors
      .map((e) => (e as ProviderError).retryAfterMs)
      .filter((w): w is number => w !== undefined);
    return new AgentvisorError('RATE_LIMITED', `every provider is rate limiting: ${summary}`, {
      details: { retryAfterMs: waits.length > 0 ? Math.min(...waits) : 1000 },
    });
  }
  return new AgentvisorError('UPSTREAM_FAILED', `every provider failed: ${summary}`, {
    details: { upstream: failures.map(describe) },
  });
}

/**
 * @module The gateway as the running system holds it: providers from config, the price book,
 * usage records, rate limits (in memory, or in Redis so several nodes share them), budgets,
 * and the `llm.complete` / `llm.embed` kernel operations that put every model call through the
 * gate and into the ledger.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { BudgetEngine, StoreSpendSource } from '../budget/index.js';
import { type AgentvisorConfig, AgentvisorError, type Kernel } from '../core/index.js';
import {
  type ChatRequest,
  type ClosableProvider,
  createProvider,
  type EmbeddingRequest,
  Gateway,
  type GatewayAccounting,
  type GatewayCallContext,
  PriceBook,
  RateLimiter,
  type UsageEvent,
  UsageRecorder,
} from '../gateway/index.js';
import type { Ledger } from '../ledger/index.js';
import type { Store } from '../store/index.js';
import type { Logger } from './logger.js';

/** What the system keeps of the gateway. */
export interface GatewaySystem {
  readonly gateway: Gateway;
  readonly usage: UsageRecorder;
  readonly budgets: BudgetEngine;
  readonly rateLimiter: RateLimiter;
  /** The shared Redis connection, when Redis is configured (team memory's hot tier uses it). */
  readonly redis: Redis | undefined;
  close(): Promise<void>;
}

/** Builds the gateway and its accounting from config. */
export function openGatewaySystem(options: {
  config: AgentvisorConfig;
  store: Store;
  ledger: Ledger;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  /** Sees every finished model call (tracing turns it into a GenAI span). */
  onUsage?: (event: UsageEvent) => void;
}): GatewaySystem {
  const { config, store, ledger, logger } = options;
  const gw = config.gateway;
  const providers: ClosableProvider[] = gw.providers.map((p) => createProvider(p, options.env));
  const redisUrl = options.env['AGENTVISOR_REDIS_URL'] || config.redis?.url;
  const redis =
    redisUrl === undefined || redisUrl === ''
      ? undefined
      : new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
  redis?.on('error', (error: Error) =>
    logger.warn({ err: { message: error.message } }, 'redis connection problem'),
  );
  const rateLimiter = new RateLimiter({
    burst: gw.rate_limits.burst,
    refillPerSecond: gw.rate_limits.refill_per_second,
    ...(gw.rate_limits.tokens_per_minute === undefined
      ? {}
      : { tokensPerMinute: gw.rate_limits.tokens_per_minute }),
    ...(redis === undefined
      ? {}
      : {
          redis: { client: redis, keyPrefix: `${config.redis?.key_prefix ?? 'agentvisor:'}rate:` },
        }),
  });
  const usage = new UsageRecorder({
    store,
    onError: (e) =>
      logger.error(
        { err: { message: (e as Error).message } },
        'usage records could not be written',
      ),
  });
  const budgets = new BudgetEngine({
    budgets: gw.budgets,
    spend: new StoreSpendSource({ store, pending: () => usage.pending() }),
    onError: (e) =>
      logger.warn(
        { err: { message: (e as Error).message } },
        'budget spend could not be refreshed',
      ),
  });
  budgets.onAction((event) => logger.warn({ budget: event }, 'budget threshold reached'));
  const prices = new PriceBook({ overrides: gw.prices });
  const unpriced = new Set<string>();

  const accounting: GatewayAccounting = {
    async admit(context, estimate) {
      const identity = identityOf(context);
      const request = await rateLimiter.consumeRequest(identity);
      if (!request.allowed) {
        throw new AgentvisorError(
          'RATE_LIMITED',
          `${identity} is over its request rate (burst ${gw.rate_limits.burst}, ${gw.rate_limits.refill_per_second}/s); retry in ${Math.ceil(request.retryAfterMs / 1000)} s`,
          {
            details: { retryAfterMs: request.retryAfterMs },
          },
        );
      }
      const tokens = await rateLimiter.checkTokens(identity, estimate.tokens);
      if (!tokens.allowed) {
        throw new AgentvisorError(
          'RATE_LIMITED',
          `${identity} is over its tokens-per-minute limit; retry in ${Math.ceil(tokens.retryAfterMs / 1000)} s`,
          {
            details: { retryAfterMs: tokens.retryAfterMs },
          },
        );
      }
      const reserved = await budgets.reserve({
        ...(context.agentId === undefined ? {} : { agentId: context.agentId }),
        ...(context.apiKeyName === undefined ? {} : { apiKeyName: context.apiKeyName }),
        estimate: { tokens: estimate.tokens, usd: estimate.costUsd },
      });
      if (!reserved.allowed) {
        throw new AgentvisorError('BUDGET_EXCEEDED', reserved.reason, {
          details: { retryAfterMs: reserved.retryAfterMs },
        });
      }
      return {
        settle(used, costUsd) {
          const total = used.inputTokens + used.outputTokens;
          budgets.settle(reserved.reservation, { tokens: total, usd: costUsd });
          if (total > 0) rateLimiter.consumeTokens(identity, total).catch(() => undefined);
        },
      };
    },
    cost(provider, model, used) {
      const cost = prices.cost({
        provider: provider.name,
        providerKind: provider.kind,
        model,
        usage: used,
      });
      if (!cost.known && !unpriced.has(`${provider.name}/${model}`)) {
        unpriced.add(`${provider.name}/${model}`);
        logger.warn(
          { provider: provider.name, model },
          'no price known for this model: its calls are counted at $0 (set gateway.prices to fix)',
        );
      }
      return cost.usd;
    },
    unitCost(provider, model) {
      const c = prices.cost({
        provider: provider.name,
        providerKind: provider.kind,
        model,
        usage: { inputTokens: 1_000_000, outputTokens: 1_000_000, cachedInputTokens: 0 },
      });
      return c.known ? c.usd / 2_000_000 : undefined;
    },
    record(event) {
      options.onUsage?.(event);
      usage.record({
        agentId: event.context.agentId ?? null,
        apiKeyId: event.context.apiKeyId ?? null,
        taskId: event.context.taskId ?? null,
        alias: event.alias,
        provider: event.provider,
        model: event.model,
        operation: event.operation,
        usage: event.usage,
        costUsd: event.costUsd,
        latencyMs: event.durationMs,
        outcome: event.outcome,
        wasFallback: event.wasFallback,
        streamed: event.streamed,
      });
      if (event.streamed) {
        // A stream's usage is known only at its end, after the gate recorded the call.
        ledger
          .append({
            type: 'llm.stream_completed',
            actor: actorOfContext(event.context),
            subject: event.alias,
            payload: {
              provider: event.provider,
              model: event.model,
              outcome: event.outcome,
              input_tokens: event.usage.inputTokens,
              output_tokens: event.usage.outputTokens,
              cost_usd: event.costUsd,
            },
          })
          .catch((e: unknown) =>
            logger.error(
              { err: { message: (e as Error).message } },
              'ledger entry for a finished stream failed',
            ),
          );
      }
    },
  };

  const gateway = new Gateway({
    providers,
    config: gw,
    accounting,
    timeouts: new Map(gw.providers.map((p) => [p.name, p.timeout_ms])),
  });
  return {
    gateway,
    usage,
    budgets,
    rateLimiter,
    redis,
    async close() {
      await usage.close();
      await Promise.all(providers.map((p) => p.close()));
      if (redis !== undefined) await redis.quit().catch(() => undefined);
    },
  };
}

function identityOf(context: GatewayCallContext): string {
  if (context.apiKeyId !== undefined) return `key:${context.apiKeyId}`;
  if (context.agentId !== undefined) return `agent:${context.agentId}`;
  return 'anonymous';
}

function actorOfContext(context: GatewayCallContext): string {
  if (context.apiKeyId !== undefined) return `apikey:${context.apiKeyId}`;
  if (context.agentId !== undefined) return `agent:${context.agentId}`;
  return 'system:agentvisor';
}

const contextSchema = z
  .object({
    apiKeyId: z.string().optional(),
    apiKeyName: z.string().optional(),
    agentId: z.string().optional(),
    taskId: z.string().optional(),
    /** Fires when the caller goes away (an HTTP client disconnecting): the provider call is cancelled. */
    signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal).optional(),
  })
  .strict()
  .default({});

// The wire decoders validate requests field by field before they get here; the gate checks the
// shape only, so a large prompt is not walked twice on the hot path.
const chatRequest = z.custom<ChatRequest>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as ChatRequest).model === 'string' &&
    Array.isArray((v as ChatRequest).messages) &&
    (v as ChatRequest).messages.length > 0,
  { message: 'expected a chat request with a model and at least one message' },
);
const embeddingRequest = z.custom<EmbeddingRequest>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as EmbeddingRequest).model === 'string' &&
    Array.isArray((v as EmbeddingRequest).input),
  { message: 'expected an embedding request with a model and an input list' },
);

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Registers `llm.complete` and `llm.embed`. */
export function registerLlmOperations(
  kernel: Kernel,
  gateway: Gateway,
  options: {
    ledgerContent: 'digest' | 'full';
    /** Reshapes a request before it is sent (the degradation ladder's cheaper alias, smaller context). */
    shape?: (request: ChatRequest) => ChatRequest;
  },
): void {
  const full = options.ledgerContent === 'full';
  kernel.register({
    name: 'llm.complete',
    description: 'A chat completion through the gateway (streamed when `stream` is true).',
    effect: 'write',
    // The model has answered by the time the handler returns; waiting for an fsync before
    // replying would add milliseconds to every call for no protection the caller can use.
    record: 'after-reply',
    capability: 'llm.use',
    args: z
      .object({ request: chatRequest, stream: z.boolean().default(false), context: contextSchema })
      .strict(),
    async handler(ctx, args) {
      const context = {
        ...args.context,
        ...(ctx.principal.kind === 'agent' ? { agentId: ctx.principal.id } : {}),
      };
      const request = options.shape === undefined ? args.request : options.shape(args.request);
      return args.stream ? gateway.stream(request, context) : gateway.complete(request, context);
    },
    ledgerFacts(args, result) {
      const prompt = JSON.stringify(args.request.messages);
      const facts: Record<string, unknown> = {
        alias: args.request.model,
        stream: args.stream,
        prompt_sha256: sha256(prompt),
      };
      if (full) facts['prompt'] = args.request.messages;
      if (result !== undefined && 'response' in result) {
        const { response, outcome } = result;
        Object.assign(facts, {
          provider: outcome.provider,
          model: outcome.model,
          was_fallback: outcome.wasFallback,
          input_tokens: outcome.usage.inputTokens,
          output_tokens: outcome.usage.outputTokens,
          cost_usd: outcome.costUsd,
          response_sha256: sha256(
            JSON.stringify({ content: response.content, tool_calls: response.toolCalls }),
          ),
        });
        if (full) facts['response'] = { content: response.content, tool_calls: response.toolCalls };
      } else if (result !== undefined) {
        Object.assign(facts, {
          provider: result.provider,
          model: result.model,
          was_fallback: result.wasFallback,
        });
      }
      return facts;
    },
  });

  kernel.register({
    name: 'llm.embed',
    description: 'Embeddings through the gateway.',
    effect: 'write',
    record: 'after-reply',
    capability: 'llm.use',
    args: z.object({ request: embeddingRequest, context: contextSchema }).strict(),
    handler: (ctx, args) =>
      gateway.embed(args.request, {
        ...args.context,
        ...(ctx.principal.kind === 'agent' ? { agentId: ctx.principal.id } : {}),
      }),
    ledgerFacts: (args, result) => ({
      alias: args.request.model,
      inputs: args.request.input.length,
      input_sha256: sha256(JSON.stringify(args.request.input)),
      ...(result === undefined
        ? {}
        : {
            provider: result.outcome.provider,
            model: result.outcome.model,
            input_tokens: result.outcome.usage.inputTokens,
            cost_usd: result.outcome.costUsd,
          }),
    }),
  });
}

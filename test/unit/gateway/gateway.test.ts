/**
 * The gateway's routing and resilience, against scripted providers at the Provider seam (the
 * HTTP providers themselves are tested against the stub server in the integration suite).
 */
import { describe, expect, it } from 'vitest';
import { gatewayConfigSchema } from '../../../src/core/index.js';
import type {
  ChatRequest,
  ChatResponse,
  ChatStreamEvent,
} from '../../../src/gateway/chat-types.js';
import { Gateway } from '../../../src/gateway/gateway.js';
import {
  type Provider,
  ProviderError,
  type ProviderFailure,
} from '../../../src/gateway/provider.js';

type Script = Array<
  'ok' | ProviderFailure | { fail: ProviderFailure; retryAfterMs: number } | 'stream-break'
>;

function scripted(name: string, script: Script, local = false) {
  const calls: string[] = [];
  const next = () => script.shift() ?? 'ok';
  const fail = (s: Exclude<Script[number], 'ok' | 'stream-break'>) =>
    typeof s === 'string'
      ? new ProviderError({
          provider: name,
          failure: s,
          message: `${name} says ${s}`,
          status: s === 'server' ? 503 : s === 'rate_limited' ? 429 : 400,
        })
      : new ProviderError({
          provider: name,
          failure: s.fail,
          message: `${name} says ${s.fail}`,
          status: 429,
          retryAfterMs: s.retryAfterMs,
        });
  const answer = (model: string): ChatResponse => ({
    id: `${name}-1`,
    model,
    content: `hello from ${name}`,
    toolCalls: [],
    finishReason: 'stop',
    usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: 0 },
  });
  const provider: Provider = {
    name,
    kind: 'openai',
    local,
    async complete(req) {
      calls.push(req.model);
      const s = next();
      if (s !== 'ok' && s !== 'stream-break') throw fail(s);
      return answer(req.model);
    },
    stream(req) {
      calls.push(req.model);
      const s = next();
      return (async function* (): AsyncGenerator<ChatStreamEvent> {
        if (s !== 'ok' && s !== 'stream-break') throw fail(s);
        yield { type: 'start', id: 'x', model: req.model };
        yield { type: 'text', text: `hi from ${name}` };
        if (s === 'stream-break') throw new Error('connection reset');
        yield {
          type: 'finish',
          finishReason: 'stop',
          usage: { inputTokens: 3, outputTokens: 2, cachedInputTokens: 0 },
        };
      })();
    },
  };
  return { provider, calls };
}

const request: ChatRequest = {
  model: 'smart',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
};

function gateway(
  providers: Provider[],
  models: Record<string, unknown>,
  overrides: Record<string, unknown> = {},
) {
  const config = gatewayConfigSchema.parse({
    retry: { max_attempts: 3, initial_delay_ms: 1, max_delay_ms: 5 },
    circuit_breaker: { failure_threshold: 3, half_open_after_ms: 60_000 },
    ...overrides,
    models,
  });
  return new Gateway({ providers, config });
}

const chain = (policy: string, ...steps: Array<[string, string]>) => ({
  policy,
  chain: steps.map(([provider, model]) => ({ provider, model })),
});

describe('gateway routing and resilience', () => {
  it('falls back along the chain when a provider keeps failing, and says so', async () => {
    const a = scripted('a', ['server', 'server', 'server']);
    const b = scripted('b', ['ok']);
    const g = gateway([a.provider, b.provider], {
      smart: chain('explicit', ['a', 'a-model'], ['b', 'b-model']),
    });
    const { response, outcome } = await g.complete(request);
    expect(response.content).toBe('hello from b');
    expect(outcome).toMatchObject({
      provider: 'b',
      model: 'b-model',
      wasFallback: true,
      usage: { inputTokens: 10, outputTokens: 5 },
    });
    expect(a.calls).toHaveLength(3); // retried up to max_attempts before falling back
    expect(g.metrics()).toMatchObject({ requests: 1, successes: 1, fallbacks: 1 });
  });

  it('retries the same provider after a 429 with Retry-After, without falling back', async () => {
    const a = scripted('a', [{ fail: 'rate_limited', retryAfterMs: 2 }, 'ok']);
    const b = scripted('b', []);
    const g = gateway([a.provider, b.provider], {
      smart: chain('explicit', ['a', 'm'], ['b', 'm']),
    });
    const { outcome } = await g.complete(request);
    expect(outcome.wasFallback).toBe(false);
    expect(a.calls).toHaveLength(2);
    expect(b.calls).toHaveLength(0);
  });

  it('falls back at once on a non-retryable failure (auth), and on 4xx (unlike some peers)', async () => {
    const a = scripted('a', ['auth']);
    const b = scripted('b', ['bad_request']);
    const c = scripted('c', ['ok']);
    const g = gateway([a.provider, b.provider, c.provider], {
      smart: chain('explicit', ['a', 'm'], ['b', 'm'], ['c', 'm']),
    });
    expect((await g.complete(request)).outcome.provider).toBe('c');
    expect([a.calls.length, b.calls.length]).toEqual([1, 1]);
  });

  it('opens the circuit after repeated failures and then skips the provider without calling it', async () => {
    const a = scripted('a', Array(10).fill('server'));
    const b = scripted('b', Array(10).fill('ok'));
    const g = gateway([a.provider, b.provider], {
      smart: chain('explicit', ['a', 'm'], ['b', 'm']),
    });
    await g.complete(request); // 3 attempts on a: threshold reached, circuit opens
    const callsWhenOpened = a.calls.length;
    await g.complete(request);
    await g.complete(request);
    expect(a.calls.length).toBe(callsWhenOpened);
    expect(g.metrics().providers.find((p) => p.provider === 'a')?.circuit).toBe('open');
  });

  it('closes the circuit again after a successful half-open trial', async () => {
    const a = scripted('a', ['server', 'server', 'server', 'ok', 'ok']);
    const b = scripted('b', Array(10).fill('ok'));
    const g = gateway(
      [a.provider, b.provider],
      { smart: chain('explicit', ['a', 'm'], ['b', 'm']) },
      { circuit_breaker: { failure_threshold: 3, half_open_after_ms: 20 } },
    );
    await g.complete(request);
    expect(g.metrics().providers.find((p) => p.provider === 'a')?.circuit).toBe('open');
    await new Promise((r) => setTimeout(r, 40));
    const { outcome } = await g.complete(request);
    expect(outcome.provider).toBe('a');
    expect(g.metrics().providers.find((p) => p.provider === 'a')?.circuit).toBe('closed');
  });

  it('answers with the error that fits when every provider fails', async () => {
    const cases: Array<[Script, Script, string]> = [
      [['bad_request'], ['bad_request'], 'INPUT_INVALID'],
      [
        Array(3).fill({ fail: 'rate_limited', retryAfterMs: 1 }),
        Array(3).fill({ fail: 'rate_limited', retryAfterMs: 1 }),
        'RATE_LIMITED',
      ],
      [Array(3).fill('server'), ['auth'], 'UPSTREAM_FAILED'],
    ];
    for (const [sa, sb, code] of cases) {
      const a = scripted('a', [...sa]);
      const b = scripted('b', [...sb]);
      const g = gateway([a.provider, b.provider], {
        smart: chain('explicit', ['a', 'm'], ['b', 'm']),
      });
      const error = await g.complete(request).catch((e: unknown) => e);
      expect(error).toMatchObject({ code });
      expect(g.metrics().failures).toBe(1);
    }
  });

  it('orders by policy: local-only, reliability-optimised, and direct provider/model names', async () => {
    const cloud = scripted('cloud', Array(5).fill('ok'));
    const local = scripted('ollama', Array(5).fill('ok'), true);
    const g = gateway([cloud.provider, local.provider], {
      private: chain('local', ['cloud', 'big'], ['ollama', 'llama3']),
      robust: chain('reliability', ['cloud', 'big'], ['ollama', 'llama3']),
    });
    expect((await g.complete({ ...request, model: 'private' })).outcome.provider).toBe('ollama');
    expect((await g.complete({ ...request, model: 'cloud/gpt-x' })).outcome).toMatchObject({
      provider: 'cloud',
      model: 'gpt-x',
    });
    // cloud has now failed once, ollama never: reliability puts ollama first.
    cloud.calls.length = 0;
    const flaky = scripted('cloud2', ['bad_request', 'ok', 'ok']);
    const g2 = gateway([flaky.provider, local.provider], {
      robust: chain('reliability', ['cloud2', 'big'], ['ollama', 'llama3']),
    });
    await g2.complete({ ...request, model: 'robust' }); // cloud2 fails (400), falls back to ollama
    expect((await g2.complete({ ...request, model: 'robust' })).outcome.provider).toBe('ollama');
    await expect(g.complete({ ...request, model: 'nope' })).rejects.toMatchObject({
      code: 'MODEL_UNKNOWN',
    });
  });

  it('falls back when a stream fails before its first event', async () => {
    const a = scripted('a', ['server', 'server', 'server']);
    const b = scripted('b', ['ok']);
    const g = gateway([a.provider, b.provider], {
      smart: chain('explicit', ['a', 'm'], ['b', 'm']),
    });
    const opened = await g.stream(request);
    expect(opened).toMatchObject({ provider: 'b', wasFallback: true });
    const events = [];
    for await (const e of opened.events) events.push(e);
    expect(events.at(-1)).toMatchObject({ type: 'finish' });
    expect((await opened.outcome).usage.outputTokens).toBe(2);
  });

  it('ends a stream that breaks mid-way with an explicit error event, never a silent truncation', async () => {
    const a = scripted('a', ['stream-break']);
    const g = gateway([a.provider], { smart: chain('explicit', ['a', 'm']) });
    const opened = await g.stream(request);
    const events: ChatStreamEvent[] = [];
    for await (const e of opened.events) events.push(e);
    expect(events.map((e) => e.type)).toEqual(['start', 'text', 'error']);
    expect(events.at(-1)).toMatchObject({ code: 'UPSTREAM_FAILED' });
    expect(g.metrics().failures).toBe(1);
  });
});

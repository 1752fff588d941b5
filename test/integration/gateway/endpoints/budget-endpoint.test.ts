/**
 * Budgets enforced end to end: an API key's token budget refuses the call that would pass the
 * hard limit, with 429, a Retry-After, and a message naming the budget; `gateway status` style
 * figures and the usage records agree with what was served.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayStatus } from '../../../../src/gateway/index.js';
import { type EndpointHarness, startEndpoint } from './harness.js';

describe('budgets through the HTTP endpoint', () => {
  let h: EndpointHarness;
  let client: OpenAI;

  beforeAll(async () => {
    // The stub reports 10 input + 5 output tokens per call by default; each call is estimated
    // at its prompt plus max_tokens (100), so the 4th call's estimate would cross 400 tokens.
    h = await startEndpoint({
      budgets: [
        {
          scope: 'key:test',
          tokens_per_hour: 400,
          actions: { warning: 'warn', critical: 'warn', limit: 'reject' },
        },
      ],
      // The hard limit alone: the degradation ladder (which would ask for an override first) has
      // its own suite.
      degradation: { enabled: false },
    });
    client = new OpenAI({ apiKey: h.secret, baseURL: `${h.baseUrl}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('serves calls within the budget and refuses the one that would pass it, saying why', async () => {
    const call = () =>
      client.chat.completions
        .create({ model: 'fast', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
        .withResponse();
    let served = 0;
    let refusal: unknown;
    for (let i = 0; i < 40 && refusal === undefined; i++) {
      try {
        const { response } = await call();
        expect(response.headers.get('x-agentvisor-tokens-used')).toMatch(/^\d+$/);
        expect(Number(response.headers.get('x-agentvisor-duration-ms'))).toBeGreaterThanOrEqual(0);
        served++;
      } catch (error) {
        refusal = error;
      }
    }
    expect(served).toBeGreaterThan(0);
    expect(refusal).toBeInstanceOf(OpenAI.APIError);
    const e = refusal as InstanceType<typeof OpenAI.APIError>;
    expect(e.status).toBe(429);
    expect(Number(e.headers?.get('retry-after'))).toBeGreaterThan(0);
    expect(e.message).toMatch(/key:test/);
    expect(e.message).toMatch(/tokens/);

    await h.system.gatewaySystem.usage.flush();
    const status = await gatewayStatus(h.system.store, Date.now() - 3_600_000);
    expect(status.successes).toBe(served);
    expect(status.rateLimited).toBe(1);
    const budget = await h.system.gatewaySystem.budgets.status();
    const limit = budget[0]!.limits.find((l) => l.metric === 'tokens')!;
    expect(limit.spent).toBeLessThanOrEqual(400);
  });
});

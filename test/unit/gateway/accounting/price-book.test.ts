/**
 * @module PriceBook: catalogue prices from @pydantic/genai-prices (seed 002 "Token Usage
 * Tracking"), config overrides, cache-read rates, and unknown models costing 0 without throwing.
 */
import { calcPrice } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/core/index.js';
import { PriceBook } from '../../../../src/gateway/accounting/index.js';

const clock = new ManualClock(Date.parse('2026-01-15T12:00:00Z'));
const usage = { inputTokens: 10_000, outputTokens: 2_000, cachedInputTokens: 0 };

describe('PriceBook', () => {
  const book = new PriceBook({ clock });

  it.each([
    ['openai', 'openai', 'gpt-4o'],
    ['anthropic', 'anthropic', 'claude-sonnet-4-20250514'],
  ] as const)('prices a known %s model like the package does', (kind, providerId, model) => {
    const cost = book.cost({ provider: `my-${kind}`, providerKind: kind, model, usage });
    const expected = calcPrice({ input_tokens: 10_000, output_tokens: 2_000 }, model, {
      providerId,
      timestamp: new Date(clock.now()),
    });
    expect(expected).not.toBeNull();
    expect(cost.known).toBe(true);
    expect(cost.usd).toBeGreaterThan(0);
    expect(cost.usd).toBeCloseTo(expected!.total_price, 10);
  });

  it('maps gemini to the catalogue provider "google"', () => {
    const cost = book.cost({
      provider: 'g',
      providerKind: 'gemini',
      model: 'gemini-2.5-flash',
      usage,
    });
    expect(cost.known).toBe(true);
    expect(cost.usd).toBeGreaterThan(0);
  });

  it('charges cached input tokens at the cache-read rate', () => {
    const plain = book.cost({ provider: 'o', providerKind: 'openai', model: 'gpt-4o', usage });
    const cached = book.cost({
      provider: 'o',
      providerKind: 'openai',
      model: 'gpt-4o',
      usage: { ...usage, cachedInputTokens: 8_000 },
    });
    const price = calcPrice({ input_tokens: 1, output_tokens: 0 }, 'gpt-4o', {
      providerId: 'openai',
    })!.model_price;
    const inputRate = price['input_mtok'] as number;
    const cacheRate = price['cache_read_mtok'] as number;
    expect(cacheRate).toBeLessThan(inputRate);
    expect(plain.usd - cached.usd).toBeCloseTo((8_000 * (inputRate - cacheRate)) / 1e6, 10);
  });

  it('lets a provider/model override win over a model override and the catalogue', () => {
    const overridden = new PriceBook({
      clock,
      overrides: {
        'gpt-4o': { input_per_mtok: 100, output_per_mtok: 100 },
        'acme/gpt-4o': { input_per_mtok: 1, output_per_mtok: 2, cached_input_per_mtok: 0.5 },
      },
    });
    const acme = overridden.cost({
      provider: 'acme',
      providerKind: 'openai',
      model: 'gpt-4o',
      usage: { inputTokens: 1_000_000, outputTokens: 1_000_000, cachedInputTokens: 400_000 },
    });
    expect(acme).toEqual({ usd: 0.6 + 0.2 + 2, known: true });
    const other = overridden.cost({
      provider: 'openai',
      providerKind: 'openai',
      model: 'gpt-4o',
      usage,
    });
    expect(other.usd).toBeCloseTo((12_000 * 100) / 1e6, 10);
  });

  it('prices cached tokens at the input rate when an override gives no cache rate', () => {
    const b = new PriceBook({ overrides: { m: { input_per_mtok: 3, output_per_mtok: 0 } } });
    const cost = b.cost({
      provider: 'p',
      providerKind: 'openai-compatible',
      model: 'm',
      usage: { inputTokens: 1_000_000, outputTokens: 0, cachedInputTokens: 500_000 },
    });
    expect(cost.usd).toBeCloseTo(3, 10);
  });

  it('gives unknown models 0 with known: false, and never throws', () => {
    expect(
      book.cost({ provider: 'o', providerKind: 'openai', model: 'no-such-model-x', usage }),
    ).toEqual({
      usd: 0,
      known: false,
    });
    // A local OpenAI-compatible server is not priced by model name alone.
    expect(
      book.cost({
        provider: 'ollama-box',
        providerKind: 'openai-compatible',
        model: 'gpt-4o',
        usage,
      }),
    ).toEqual({ usd: 0, known: false });
    expect(
      book.cost({
        provider: 'o',
        providerKind: 'openai',
        model: 'gpt-4o',
        usage: { inputTokens: Number.NaN, outputTokens: -5, cachedInputTokens: 9 },
      }),
    ).toEqual({ usd: 0, known: true });
  });

  it('recognises an OpenAI-compatible host the catalogue knows, by configured name', () => {
    const cost = book.cost({
      provider: 'groq',
      providerKind: 'openai-compatible',
      model: 'llama-3.3-70b-versatile',
      usage,
    });
    const expected = calcPrice(
      { input_tokens: 10_000, output_tokens: 2_000 },
      'llama-3.3-70b-versatile',
      {
        providerId: 'groq',
      },
    );
    expect(expected).not.toBeNull();
    expect(cost.known).toBe(true);
    expect(cost.usd).toBeCloseTo(expected!.total_price, 10);
  });
});

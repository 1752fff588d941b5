import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DegradationLadder } from '../../../src/budget/index.js';
import { degradationConfigSchema } from '../../../src/core/config-schema.js';
import type { ChatRequest } from '../../../src/gateway/index.js';

const settings = degradationConfigSchema.parse({ cheaper_aliases: { smart: 'fast' } });

const user = (t: string) => ({
  role: 'user' as const,
  content: [{ type: 'text' as const, text: t }],
});

describe('the degradation ladder', () => {
  it('takes the steps in the seed’s order and reverses them in the opposite order', () => {
    const ladder = new DegradationLadder(settings);
    expect(ladder.update(0.5)).toBeUndefined();
    expect(ladder.update(0.72)).toEqual({ from: 0, to: 1, applied: ['downgrade'], reverted: [] });
    expect(ladder.update(0.96)).toEqual({
      from: 1,
      to: 4,
      applied: ['shrink', 'pause', 'override'],
      reverted: [],
    });
    // Within the hysteresis band nothing moves.
    expect(ladder.update(0.92)).toBeUndefined();
    expect(ladder.update(0.6)).toEqual({
      from: 4,
      to: 0,
      applied: [],
      reverted: ['override', 'pause', 'shrink', 'downgrade'],
    });
  });

  it('never flaps: a pressure sequence moves the level at most once per crossing of a band', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1.2, noNaN: true }), { maxLength: 60 }),
        (pressures) => {
          const ladder = new DegradationLadder(settings);
          for (const p of pressures) {
            const before = ladder.level;
            ladder.update(p);
            // The level is between what the pressure calls for going up and going down.
            const up = [0.7, 0.8, 0.9, 0.95].filter((t) => p >= t).length;
            const down = [0.7, 0.8, 0.9, 0.95].filter((t) => p >= t - 0.05).length;
            expect(ladder.level).toBeGreaterThanOrEqual(Math.min(up, before));
            expect(ladder.level).toBeLessThanOrEqual(Math.max(down, up));
            // The same pressure again changes nothing.
            expect(ladder.update(p)).toBeUndefined();
          }
        },
      ),
    );
  });

  it('swaps in the cheaper alias, then keeps system messages and the latest turns', () => {
    const ladder = new DegradationLadder(settings);
    const request: ChatRequest = {
      model: 'smart',
      maxTokens: 1000,
      messages: [
        { role: 'system', content: 'rules' },
        user('1'),
        { role: 'assistant', content: [{ type: 'text', text: 'a' }], toolCalls: [] } as never,
        user('2'),
        { role: 'tool', toolCallId: 'x', content: 'r' } as never,
        user('3'),
        user('4'),
      ],
    };
    expect(ladder.shape(request)).toBe(request);
    ladder.update(0.75);
    expect(ladder.shape(request)).toMatchObject({ model: 'fast', maxTokens: 1000 });
    expect(ladder.shape({ ...request, model: 'other' }).model).toBe('other');
    ladder.update(0.85);
    const shaped = ladder.shape(request);
    expect(shaped.maxTokens).toBe(500);
    expect(shaped.messages[0]).toEqual({ role: 'system', content: 'rules' });
    // 6 turns × 0.5 = 3 kept; the oldest kept would be a tool result, which is dropped too.
    expect(shaped.messages.map((m) => m.role)).toEqual(['system', 'user', 'user']);
  });

  it('refuses thresholds out of order in the config, naming them', () => {
    const bad = degradationConfigSchema.safeParse({ shrink_at: 0.6 });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain(
      'downgrade_at < shrink_at < pause_at < override_at',
    );
  });
});

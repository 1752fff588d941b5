/**
 * @module The delivery contract every {@link Bus} keeps, as one suite that each implementation
 * runs with its own harness (`in-process-bus.test.ts`, and the Redis one under
 * `test/integration/team/bus/`). No wall-clock assertions: tests wait on handler events and
 * on `stats()`, and time-dependent behaviour (TTL, rate limits) runs on a ManualClock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AgentvisorError,
  isAgentvisorError,
  ManualClock,
} from '../../../../src/core/index.js';
import type {
  Bus,
  BusAlert,
  BusMessage,
  BusMessageInput,
  BusOptions,
  DeliveryContext,
} from '../../../../src/team/index.js';

/** How the suite gets buses of one implementation. */
export interface BusHarness {
  /**
   * A bus over the harness's shared state (the same processed log, or the same Redis prefix)
   * for the current test: two calls in one test model one process restarting.
   */
  open(options?: BusOptions): Promise<Bus>;
  /** Drops the shared state after a test. */
  reset(): Promise<void>;
}

/** Resolves when `check` passes, polling; fails with the last error after `timeoutMs`. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

/** A promise with its resolve function. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => {
    open = r;
  });
  return { promise, open };
}

/** A task message from `source` to `target`. */
export function task(
  source: string,
  target: string,
  action: string,
  extra: Partial<BusMessageInput> = {},
): BusMessageInput {
  return { source, target, type: 'task', payload: { action }, ...extra };
}

/** The rejection of `promise`, or a failure when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<AgentvisorError> {
  try {
    await promise;
  } catch (error) {
    return error as AgentvisorError;
  }
  throw new Error('expected a rejection');
}

const FAST_RETRY = { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 4, factor: 2 };

/**
 * Registers the conformance suite for one implementation.
 *
 * @example
 * busConformance('InProcessBus', harness);
 */
export function busConformance(name: string, harness: BusHarness): void {
  describe(`Bus conformance: ${name}`, () => {
    const buses: Bus[] = [];
    const open = async (options: BusOptions = {}) => {
      const bus = await harness.open({ rateLimit: false, retry: FAST_RETRY, ...options });
      buses.push(bus);
      return bus;
    };

    afterEach(async () => {
      for (const bus of buses.splice(0)) await bus.close();
      await harness.reset();
    });

    describe('addressing', () => {
      it('delivers to an agent, with the defaults filled in', async () => {
        const bus = await open();
        const got: BusMessage[] = [];
        await bus.subscribe({ name: 'code' }, (m) => {
          got.push(m);
        });
        const sent = await bus.send({
          source: 'lead',
          target: 'agent:code',
          type: 'task',
          payload: { action: 'implement_feature', context: { file: 'a.ts' } },
          pai: { phase: 'execute', verificationCriteria: ['tests pass'] },
        });
        await eventually(() => expect(got).toHaveLength(1));
        expect(got[0]).toEqual(sent);
        expect(sent.id).toMatch(
          /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        );
        expect(new Date(sent.timestamp).toISOString()).toBe(sent.timestamp);
        expect(sent).toMatchObject({
          priority: 5,
          conversationId: sent.id,
          attempts: 0,
          payload: { memoryRefs: [] },
          pai: { phase: 'execute', verificationCriteria: ['tests pass'], learningSignals: [] },
        });
      });

      it('delivers a message to a role to exactly one member', async () => {
        const bus = await open();
        const seen: string[] = [];
        for (const member of ['qa-1', 'qa-2']) {
          await bus.subscribe({ name: member, roles: ['qa'] }, () => {
            seen.push(member);
          });
        }
        for (let i = 0; i < 6; i++) await bus.send(task('lead', 'role:qa', `check-${i}`));
        await eventually(() => expect(seen).toHaveLength(6));
        await eventually(async () => expect((await bus.stats()).handled).toBe(6));
      });

      it('broadcasts to every agent but the sender, once each', async () => {
        const bus = await open();
        const seen: string[] = [];
        for (const agent of ['lead', 'code', 'data']) {
          await bus.subscribe({ name: agent }, (m) => {
            seen.push(`${agent}:${m.payload.action}`);
          });
        }
        const sent = await bus.broadcast({
          source: 'lead',
          type: 'learn',
          payload: { action: 'share' },
        });
        expect(sent.target).toBe('*');
        await eventually(() => expect(seen.sort()).toEqual(['code:share', 'data:share']));
      });
    });

    describe('bad messages are refused with a clear error and never delivered', () => {
      const cases: [string, (b: Bus) => Promise<unknown>, string, RegExp][] = [
        [
          'an unknown target',
          (b) => b.send(task('lead', 'agent:ghost', 'x')),
          'NOT_FOUND',
          /agent:ghost/,
        ],
        [
          'a wrong type',
          (b) => b.send({ ...task('lead', 'agent:code', 'x'), type: 'shout' as 'task' }),
          'INPUT_INVALID',
          /message\.type: expected a message type, got "shout"/,
        ],
        [
          'a priority out of range',
          (b) => b.send(task('lead', 'agent:code', 'x', { priority: 11 })),
          'INPUT_INVALID',
          /priority: expected an integer from 1 to 10, got 11/,
        ],
        [
          'an unknown field',
          (b) => b.send({ ...task('lead', 'agent:code', 'x'), priorty: 9 } as BusMessageInput),
          'INPUT_INVALID',
          /priorty: unknown field/,
        ],
        [
          'a malformed target',
          (b) => b.send(task('lead', 'code', 'x')),
          'INPUT_INVALID',
          /target: expected agent:NAME, role:NAME or \*/,
        ],
        [
          'an oversized payload',
          (b) =>
            b.send({
              ...task('lead', 'agent:code', 'x'),
              payload: { action: 'x', context: { blob: 'y'.repeat(5_000) } },
            }),
          'PAYLOAD_TOO_LARGE',
          /more than the 4096 allowed/,
        ],
        [
          'an expired TTL',
          (b) =>
            b.send(
              task('lead', 'agent:code', 'x', {
                timestamp: new Date(Date.now() - 60_000).toISOString(),
                ttlMs: 1_000,
              }),
            ),
          'INPUT_INVALID',
          /ttlMs: the message expired/,
        ],
      ];
      it.each(cases)('refuses %s', async (_label, sendBad, code, message) => {
        const bus = await open({ maxPayloadBytes: 4096 });
        const got: string[] = [];
        await bus.subscribe({ name: 'code' }, (m) => {
          got.push(m.payload.action);
        });
        const error = await rejection(sendBad(bus));
        expect(isAgentvisorError(error, code as 'INPUT_INVALID')).toBe(true);
        expect(error.message).toMatch(message);
        await bus.send(task('lead', 'agent:code', 'marker'));
        await eventually(() => expect(got).toEqual(['marker']));
      });

      it('names the allowed values of an enum field', async () => {
        const bus = await open();
        await bus.subscribe({ name: 'code' }, () => {});
        const error = await rejection(
          bus.send({ ...task('lead', 'agent:code', 'x'), pai: { phase: 'dream' as 'plan' } }),
        );
        expect(error.details).toMatchObject({ field: 'pai.phase', value: '"dream"' });
        expect(error.details?.['allowed']).toContain('build_criteria');
      });
    });

    describe('idempotent consumption', () => {
      it('handles one message id once per consumer', async () => {
        const bus = await open();
        const got: string[] = [];
        await bus.subscribe({ name: 'code' }, (m) => {
          got.push(m.id);
        });
        const first = await bus.send(task('lead', 'agent:code', 'once'));
        await eventually(() => expect(got).toHaveLength(1));
        await bus.send(task('lead', 'agent:code', 'once', { id: first.id }));
        await bus.send(task('lead', 'agent:code', 'after'));
        await eventually(() => expect(got).toHaveLength(2));
        expect(got[0]).toBe(first.id);
        await eventually(async () => expect((await bus.stats()).duplicates).toBe(1));
      });

      it('keeps that across a restart of the bus', async () => {
        const before = await open();
        const got: string[] = [];
        await before.subscribe({ name: 'code' }, (m) => {
          got.push(m.payload.action);
        });
        const first = await before.send(task('lead', 'agent:code', 'first'));
        await eventually(() => expect(got).toEqual(['first']));
        await before.close();

        const after = await open();
        await after.subscribe({ name: 'code' }, (m) => {
          got.push(m.payload.action);
        });
        await after.send(task('lead', 'agent:code', 'first again', { id: first.id }));
        await after.send(task('lead', 'agent:code', 'second'));
        await eventually(() => expect(got).toEqual(['first', 'second']));
      });
    });

    describe('ordering', () => {
      it('handles a conversation in send order, one at a time, others alongside', async () => {
        const bus = await open();
        const log: Record<string, number[]> = { a: [], b: [], c: [] };
        const active = new Set<string>();
        let overlap = 0;
        const bStarted = gate();
        await bus.subscribe(
          { name: 'code' },
          async (m) => {
            const conv = m.conversationId.split('-')[0]!;
            const n = m.payload.context['n'] as number;
            if (active.has(conv)) overlap++;
            active.add(conv);
            if (conv === 'b') bStarted.open();
            // Conversation a's first message waits for b to start: deadlocks unless different
            // conversations really run side by side.
            if (conv === 'a' && n === 0) await bStarted.promise;
            for (let i = 0; i < (n % 3) + 1; i++) await new Promise((r) => setImmediate(r));
            log[conv]!.push(n);
            active.delete(conv);
          },
          { concurrency: 4 },
        );
        for (let n = 0; n < 6; n++) {
          for (const conv of ['a', 'b', 'c']) {
            await bus.send({
              ...task('lead', 'agent:code', 'step'),
              conversationId: `${conv}-conversation`,
              payload: { action: 'step', context: { n } },
            });
          }
        }
        await eventually(() => expect(Object.values(log).flat()).toHaveLength(18));
        for (const conv of ['a', 'b', 'c']) expect(log[conv]).toEqual([0, 1, 2, 3, 4, 5]);
        expect(overlap).toBe(0);
      });

      it('handles higher priorities first under backlog, keeping conversation order', async () => {
        const bus = await open();
        const order: string[] = [];
        const release = gate();
        await bus.subscribe({ name: 'code' }, async (m) => {
          order.push(m.payload.action);
          if (m.payload.action === 'blocker') await release.promise;
        });
        await bus.send(task('lead', 'agent:code', 'blocker'));
        await eventually(() => expect(order).toEqual(['blocker']));
        await bus.send(task('lead', 'agent:code', 'p1', { priority: 1 }));
        await bus.send(task('lead', 'agent:code', 'p5', { priority: 5 }));
        await bus.send(task('lead', 'agent:code', 'p10', { priority: 10 }));
        await bus.send(
          task('lead', 'agent:code', 'conv-low', { priority: 2, conversationId: 'k' }),
        );
        await bus.send(
          task('lead', 'agent:code', 'conv-high', { priority: 9, conversationId: 'k' }),
        );
        await bus.send(task('lead', 'agent:code', 'p3', { priority: 3 }));
        await eventually(async () => {
          const stats = await bus.stats();
          expect(stats.consumers.find((c) => c.name === 'code')?.queued).toBe(6);
        });
        release.open();
        await eventually(() => expect(order).toHaveLength(7));
        // conv-high (9) waits behind conv-low (2): a conversation is ranked by its head.
        expect(order).toEqual(['blocker', 'p10', 'p5', 'p3', 'conv-low', 'conv-high', 'p1']);
      });
    });

    describe('back-pressure', () => {
      it('makes a sender wait while the consumer is full, then delivers everything', async () => {
        const bus = await open({ queueCapacity: 2, sendTimeoutMs: 30_000 });
        const got: string[] = [];
        const release = gate();
        await bus.subscribe({ name: 'code' }, async (m) => {
          got.push(m.payload.action);
          await release.promise;
        });
        await bus.send(task('lead', 'agent:code', 'm1'));
        await bus.send(task('lead', 'agent:code', 'm2'));
        let settled = false;
        const third = bus.send(task('lead', 'agent:code', 'm3')).finally(() => {
          settled = true;
        });
        await eventually(async () => expect((await bus.stats()).throttled).toBe(1));
        expect(settled).toBe(false);
        release.open();
        await third;
        await eventually(() => expect(got).toEqual(['m1', 'm2', 'm3']));
      });

      it('refuses with RATE_LIMITED (backpressure) when the wait times out; nothing is dropped', async () => {
        const bus = await open({ queueCapacity: 1, sendTimeoutMs: 50 });
        const got: string[] = [];
        const release = gate();
        await bus.subscribe({ name: 'code' }, async (m) => {
          got.push(m.payload.action);
          await release.promise;
        });
        await bus.send(task('lead', 'agent:code', 'm1'));
        const error = await rejection(bus.send(task('lead', 'agent:code', 'm2')));
        expect(isAgentvisorError(error, 'RATE_LIMITED')).toBe(true);
        expect(error.details).toMatchObject({ reason: 'backpressure', target: 'agent:code' });
        release.open();
        await bus.send(task('lead', 'agent:code', 'm3'));
        await eventually(() => expect(got).toEqual(['m1', 'm3']));
      });
    });

    describe('failures, retries and the dead-letter queue', () => {
      it('retries a throwing handler with backoff and succeeds', async () => {
        const bus = await open();
        const attempts: number[] = [];
        await bus.subscribe({ name: 'code' }, (_m, ctx: DeliveryContext) => {
          attempts.push(ctx.attempt);
          if (ctx.attempt < 2) throw new Error('flaky');
        });
        await bus.send(task('lead', 'agent:code', 'flaky'));
        await eventually(async () => expect((await bus.stats()).handled).toBe(1));
        expect(attempts).toEqual([1, 2]);
        expect(await bus.dlq.count()).toBe(0);
      });

      it('dead-letters after the last attempt; replay re-sends, drop removes', async () => {
        const bus = await open();
        let healed = false;
        const handled: string[] = [];
        let calls = 0;
        await bus.subscribe({ name: 'code' }, (m) => {
          calls++;
          if (!healed) throw new Error(`cannot ${m.payload.action}`);
          handled.push(m.payload.action);
        });
        const poison = await bus.send(task('lead', 'agent:code', 'poison'));
        await eventually(async () => expect(await bus.dlq.count()).toBe(1));
        expect(calls).toBe(3);
        const [entry] = await bus.dlq.list();
        expect(entry!.message).toEqual(poison);
        expect(entry).toMatchObject({
          consumer: 'code',
          reason: 'failed',
          error: 'cannot poison',
          attempts: 3,
        });
        expect(await bus.dlq.show(entry!.id)).toEqual(entry);
        const stats = await bus.stats();
        expect(stats).toMatchObject({ failedAttempts: 3, deadLettered: 1, dlqSize: 1 });

        healed = true;
        const replayed = await bus.dlq.replay(entry!.id);
        expect(replayed.id).toBe(poison.id);
        await eventually(() => expect(handled).toEqual(['poison']));
        expect(await bus.dlq.count()).toBe(0);

        healed = false;
        await bus.send(task('lead', 'agent:code', 'again'));
        await eventually(async () => expect(await bus.dlq.count()).toBe(1));
        const [second] = await bus.dlq.list();
        await bus.dlq.drop(second!.id);
        expect(await bus.dlq.count()).toBe(0);
        const missing = await rejection(bus.dlq.show(second!.id));
        expect(isAgentvisorError(missing, 'NOT_FOUND')).toBe(true);
        expect(isAgentvisorError(await rejection(bus.dlq.drop(second!.id)), 'NOT_FOUND')).toBe(
          true,
        );
      });

      it('raises one alert when the DLQ passes its threshold', async () => {
        const bus = await open({ dlqAlertThreshold: 2, retry: { maxAttempts: 1 } });
        const alerts: BusAlert[] = [];
        bus.onAlert((a) => alerts.push(a));
        await bus.subscribe({ name: 'code' }, () => {
          throw new Error('no');
        });
        for (let i = 0; i < 4; i++) await bus.send(task('lead', 'agent:code', `bad-${i}`));
        await eventually(async () => expect(await bus.dlq.count()).toBe(4));
        expect(alerts).toHaveLength(1);
        expect(alerts[0]).toMatchObject({ kind: 'dlq_threshold', size: 3, threshold: 2 });
      });

      it('dead-letters a message whose TTL ran out before delivery', async () => {
        const clock = new ManualClock(Date.parse('2026-01-01T00:00:00.000Z'));
        const bus = await open({ clock });
        const got: string[] = [];
        const release = gate();
        await bus.subscribe({ name: 'code' }, async (m) => {
          got.push(m.payload.action);
          if (m.payload.action === 'blocker') await release.promise;
        });
        await bus.send(task('lead', 'agent:code', 'blocker'));
        await eventually(() => expect(got).toEqual(['blocker']));
        const stale = await bus.send(task('lead', 'agent:code', 'stale', { ttlMs: 1_000 }));
        await eventually(async () => {
          const stats = await bus.stats();
          expect(stats.consumers.find((c) => c.name === 'code')?.queued).toBe(1);
        });
        clock.advance(5_000);
        release.open();
        await eventually(async () => expect(await bus.dlq.count()).toBe(1));
        const [entry] = await bus.dlq.list();
        expect(entry).toMatchObject({ reason: 'expired', attempts: 0, message: { id: stale.id } });
        expect(got).toEqual(['blocker']);
        expect((await bus.stats()).expired).toBe(1);
      });
    });

    describe('request and response', () => {
      it('returns the reply, correlated to the request', async () => {
        const bus = await open();
        await bus.subscribe({ name: 'data' }, (m, ctx) =>
          ctx.reply({
            action: 'answer',
            context: { double: (m.payload.context['n'] as number) * 2 },
          }),
        );
        const reply = await bus.request(
          {
            source: 'code',
            target: 'agent:data',
            type: 'query',
            payload: { action: 'double', context: { n: 21 } },
          },
          { timeoutMs: 10_000 },
        );
        expect(reply).toMatchObject({
          source: 'data',
          target: 'agent:code',
          type: 'result',
          payload: { action: 'answer', context: { double: 42 } },
        });
        expect(reply.correlationId).toBe(reply.conversationId);
      });

      it('times out with TIMEOUT when nobody answers', async () => {
        const bus = await open();
        await bus.subscribe({ name: 'data' }, () => {});
        const error = await rejection(
          bus.request(task('code', 'agent:data', 'silence'), { timeoutMs: 50 }),
        );
        expect(isAgentvisorError(error, 'TIMEOUT')).toBe(true);
        expect(error.message).toMatch(/no reply/);
      });

      it('refuses a reply to a message that was not a request', async () => {
        const bus = await open();
        const errors: unknown[] = [];
        await bus.subscribe({ name: 'data' }, async (_m, ctx) => {
          errors.push(await rejection(ctx.reply({ action: 'answer' })));
        });
        await bus.send(task('code', 'agent:data', 'plain'));
        await eventually(() => expect(errors).toHaveLength(1));
        expect(isAgentvisorError(errors[0], 'INPUT_INVALID')).toBe(true);
      });
    });

    describe('rate limits', () => {
      it('limits each agent to its messages per minute, with retryAfterMs', async () => {
        const clock = new ManualClock(Date.parse('2026-01-01T00:00:00.000Z'));
        const bus = await open({ clock, rateLimit: { perMinute: 2 } });
        await bus.subscribe({ name: 'code' }, () => {});
        await bus.send(task('lead', 'agent:code', '1'));
        await bus.send(task('lead', 'agent:code', '2'));
        const error = await rejection(bus.send(task('lead', 'agent:code', '3')));
        expect(isAgentvisorError(error, 'RATE_LIMITED')).toBe(true);
        expect(error.details).toMatchObject({
          agent: 'lead',
          retryAfterMs: 30_000,
          reason: 'rate_limit',
        });
        await bus.send(task('data', 'agent:code', 'other agent'));
        clock.advance(30_000);
        await bus.send(task('lead', 'agent:code', '3'));
        expect((await bus.stats()).rateLimited).toBe(1);
      });

      it('takes any limiter function', async () => {
        const asked: string[] = [];
        const bus = await open({
          rateLimit: (agent) => {
            asked.push(agent);
            return agent === 'noisy' ? 1234 : 0;
          },
        });
        await bus.subscribe({ name: 'code' }, () => {});
        await bus.send(task('quiet', 'agent:code', 'ok'));
        const error = await rejection(bus.send(task('noisy', 'agent:code', 'no')));
        expect(error.details).toMatchObject({ retryAfterMs: 1234 });
        expect(asked).toEqual(['quiet', 'noisy']);
      });
    });

    describe('closing', () => {
      it('refuses sends and fails waiting requests with SHUTTING_DOWN', async () => {
        const bus = await open();
        await bus.subscribe({ name: 'data' }, () => {});
        const waiting = rejection(
          bus.request(task('code', 'agent:data', 'q'), { timeoutMs: 30_000 }),
        );
        await eventually(async () => expect((await bus.stats()).handled).toBe(1));
        await bus.close();
        expect(isAgentvisorError(await waiting, 'SHUTTING_DOWN')).toBe(true);
        const error = await rejection(bus.send(task('code', 'agent:data', 'late')));
        expect(isAgentvisorError(error, 'SHUTTING_DOWN')).toBe(true);
      });
    });
  });
}

/**
 * The message bus in a running system, in-process and on Redis: messages sent through the
 * kernel reach agents' inboxes by name and by role, bad messages are refused with clear errors,
 * senders are rate limited per minute, a message no consumer can take lands in the dead-letter
 * queue and replays, and every send is on the ledger.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { listEntries } from '../../../src/ledger/index.js';
import { redisAvailable, TEST_REDIS_URL } from '../../support/redis.js';
import { type AgentHarness, startAgents } from '../daemon/runtime/harness.js';

const hasRedis = await redisAvailable();

let h: AgentHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

for (const driver of ['memory', 'redis'] as const) {
  describe.skipIf(driver === 'redis' && !hasRedis)(`the ${driver} bus in a system`, () => {
    async function start() {
      const prefix = `avtest${process.pid}${Math.random().toString(36).slice(2, 8)}:`;
      const before = process.env['AGENTVISOR_REDIS_URL'];
      h = await startAgents(() => ({
        agents: [
          {
            name: 'coder',
            role: 'code',
            deliberation: 'utility',
            capabilities: ['bus.send', 'tool.call'],
          },
          { name: 'tester', role: 'qa', deliberation: 'utility' },
        ],
        bus: { driver, messages_per_minute: 3, max_attempts: 2, dlq_alert_threshold: 0 },
        ...(driver === 'redis' ? { redis: { url: TEST_REDIS_URL, key_prefix: prefix } } : {}),
      }));
      void before;
      return h;
    }

    it('delivers by name and by role into inboxes, refuses bad messages, limits senders', async () => {
      const h = await start();
      const send = (args: Record<string, unknown>, caller = h.operator) =>
        h.system.kernel.call(caller, 'bus.send', args);
      await send({ target: 'agent:coder', type: 'query', payload: { action: 'which parser?' } });
      await send({ target: 'role:qa', type: 'task', priority: 9, payload: { action: 'test it' } });
      await until(async () => (await h.system.agents.inbox.open('tester', 10)).length === 1);
      await until(async () => (await h.system.agents.inbox.open('coder', 10)).length === 1);
      expect((await h.system.agents.inbox.open('coder', 10))[0]!.body).toMatch(
        /\[query from human-tester\] which parser\?/,
      );
      await expect(
        send({ target: 'agent:ghost', type: 'query', payload: { action: 'x' } }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(
        send({ target: 'agent:coder', type: 'gossip', payload: { action: 'x' } }),
      ).rejects.toMatchObject({ code: 'INPUT_INVALID', message: /type: one of task, result/ });
      await expect(
        send({
          target: 'agent:coder',
          type: 'learn',
          payload: { action: 'x', context: { blob: 'y'.repeat(300 * 1024) } },
        }),
      ).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });

      const coder = { kind: 'agent' as const, id: h.system.agents.byName('coder')!.id };
      for (let i = 0; i < 3; i++) {
        await send({ target: 'agent:tester', type: 'result', payload: { action: `r${i}` } }, coder);
      }
      await expect(
        send({ target: 'agent:tester', type: 'result', payload: { action: 'r4' } }, coder),
      ).rejects.toMatchObject({ code: 'RATE_LIMITED' });

      const { result: tail } = await h.system.kernel.call<{
        messages: { message: { type: string } }[];
      }>(h.operator, 'bus.messages', { agent: 'coder' });
      expect(tail.messages.map((m) => m.message.type)).toEqual([
        'query',
        'result',
        'result',
        'result',
      ]);
      await h.system.ledger.flush();
      const sends = (await listEntries(h.system.store, { fromSeq: 1, limit: 100_000 })).filter(
        (e) => e.subject === 'bus.send',
      );
      expect(sends.filter((e) => e.type === 'op.call')).toHaveLength(5);
      // Refused by the bus (unknown target, too large, rate limit) and at the gate (schema).
      expect(sends.filter((e) => e.type === 'op.error')).toHaveLength(3);
      expect(sends.filter((e) => e.type === 'op.denied')).toHaveLength(1);
    });

    it('dead-letters a message no consumer can take, alerts, and replays or drops it', async () => {
      const h = await start();
      // Over the inbox's 64 KiB message limit but under the bus's payload limit: every
      // delivery attempt fails.
      await h.system.kernel.call(h.operator, 'bus.send', {
        target: 'agent:coder',
        type: 'learn',
        payload: { action: 'notes', context: { text: 'x'.repeat(70 * 1024) } },
      });
      let letters: { id: string; error: string }[] = [];
      await until(async () => {
        const { result } = await h.system.kernel.call<{ deadLetters: typeof letters }>(
          h.operator,
          'bus.dlq.list',
          {},
        );
        letters = result.deadLetters;
        return letters.length === 1;
      });
      expect(letters[0]!.error).toMatch(/over the limit/);
      await h.system.ledger.flush();
      await until(async () =>
        (await listEntries(h.system.store, { fromSeq: 1, limit: 100_000 })).some(
          (e) => e.type === 'bus.alert',
        ),
      );
      await expect(
        h.system.kernel.call(h.operator, 'bus.dlq.replay', { id: letters[0]!.id, reason: '' }),
      ).rejects.toMatchObject({ code: 'INPUT_INVALID' });
      // A replay sends the original again; it fails again and comes back as a new dead letter.
      const first = letters[0]!.id;
      await h.system.kernel.call(h.operator, 'bus.dlq.replay', { id: first, reason: 'retry' });
      await until(async () => {
        const { result } = await h.system.kernel.call<{ deadLetters: typeof letters }>(
          h.operator,
          'bus.dlq.list',
          {},
        );
        letters = result.deadLetters;
        return letters.length === 1 && letters[0]!.id !== first;
      });
      await h.system.kernel.call(h.operator, 'bus.dlq.drop', {
        id: letters[0]!.id,
        reason: 'poison',
      });
      const { result } = await h.system.kernel.call<{ deadLetters: unknown[] }>(
        h.operator,
        'bus.dlq.list',
        {},
      );
      expect(result.deadLetters).toEqual([]);
      await expect(
        h.system.kernel.call(h.operator, 'bus.dlq.show', { id: letters[0]!.id }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });
  });
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * The policy store and the approval queue on real SQLite and PostgreSQL: hot patches are
 * durable before they are in force, versions never lose a concurrent patch, escalations need a
 * human admin, and an approved escalation commits with its grant.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/index.js';
import {
  type AgentPolicy,
  ApprovalQueue,
  describeGrant,
  PolicyEngine,
  PolicyStore,
} from '../../../src/policy/index.js';
import type { Store } from '../../../src/store/index.js';
import { type FreshStore, openFreshStore } from '../../support/fresh-store.js';
import { postgresAvailable } from '../../support/services.js';

const hasPostgres = await postgresAvailable();

const ADMIN = { kind: 'human', id: 'alice', admin: true } as const;
const OPERATOR = { kind: 'human', id: 'bob', admin: false } as const;

function configured(): AgentPolicy {
  return {
    agentId: 'a1',
    agent: 'coder',
    level: 1,
    grants: [
      { capability: 'agent.self' },
      { capability: 'message.send' },
      { capability: 'fs.write', scope: { paths: ['/workspace'] } },
    ],
    ceiling: { kind: 'level', level: 1 },
    autoRestart: 5,
    version: 0,
  };
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe.skipIf(dialect === 'postgres' && !hasPostgres)(`policy store on ${dialect}`, () => {
    let opened: FreshStore | undefined;
    const extra: Store[] = [];
    afterEach(async () => {
      for (const s of extra.splice(0)) await s.close();
      await opened?.cleanup();
      opened = undefined;
    });

    async function setup(clock = new ManualClock(Date.parse('2026-11-26T12:00:00Z'))) {
      opened = await openFreshStore(dialect);
      const engine = new PolicyEngine({ clock });
      const policies = new PolicyStore({ store: opened.store, engine, clock });
      const approvals = new ApprovalQueue({ store: opened.store, clock });
      await policies.install(configured(), { configDigest: 'd1', by: 'system:test' });
      return { engine, policies, approvals, clock, store: opened.store };
    }

    it('puts a patch in force at once, durably, and keeps it across a reinstall', async () => {
      const { engine, policies, store } = await setup();
      expect(engine.decideFor('a1', 'message.send').kind).toBe('allow');
      const record = await policies.patch('a1', [{ op: 'remove', capability: 'message.send' }], {
        author: OPERATOR,
        reason: 'incident 42',
      });
      expect(record.policy.version).toBe(2);
      expect(engine.decideFor('a1', 'message.send').kind).not.toBe('allow');

      // A restart with the same configuration keeps the patched policy.
      const engine2 = new PolicyEngine();
      const again = await new PolicyStore({ store, engine: engine2 }).install(configured(), {
        configDigest: 'd1',
        by: 'system:test',
      });
      expect(again.version).toBe(2);
      expect(engine2.decideFor('a1', 'message.send').kind).not.toBe('allow');
      const row = await store.db
        .selectFrom('agent_policies')
        .selectAll()
        .where('agent_id', '=', 'a1')
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ updated_by: 'human:bob', reason: 'incident 42' });

      // An edited configuration wins over earlier patches, as the next version.
      const edited = await new PolicyStore({ store, engine: new PolicyEngine() }).install(
        configured(),
        { configDigest: 'd2', by: 'system:test' },
      );
      expect(edited.version).toBe(3);
      expect(edited.grants.some((g) => g.capability === 'message.send')).toBe(true);
    });

    it('refuses a widening beyond the ceiling unless a human admin makes it', async () => {
      const { policies, engine } = await setup();
      const widen = [{ op: 'add', capability: 'fs.write', scope: { paths: ['/etc'] } }] as const;
      await expect(
        policies.patch('a1', widen, { author: OPERATOR, reason: 'need it' }),
      ).rejects.toMatchObject({
        code: 'POLICY_DENIED',
        message: expect.stringContaining(
          "privilege escalation refused: fs.write on paths /etc is above agent coder's ceiling (permission level 1)",
        ),
      });
      await expect(
        policies.patch('a1', [{ op: 'add', capability: 'admin' }], {
          author: { kind: 'agent', id: 'a1', admin: false },
          reason: 'let me',
        }),
      ).rejects.toMatchObject({ code: 'POLICY_DENIED' });
      expect(policies.get('a1')?.version).toBe(1);
      const record = await policies.patch('a1', widen, { author: ADMIN, reason: 'ticket 7' });
      expect(record.escalations.map(describeGrant)).toEqual(['fs.write on paths /etc']);
      expect(engine.decideFor('a1', 'fs.write', { kind: 'path', value: '/etc/hosts' }).kind).toBe(
        'allow',
      );
    });

    it('loses no patch when two nodes patch the same agent at once', async () => {
      const { policies } = await setup();
      const otherStore = await opened!.reopen();
      extra.push(otherStore);
      const other = new PolicyStore({ store: otherStore, engine: new PolicyEngine() });
      await other.reload('a1');
      const one = () =>
        policies.patch('a1', [{ op: 'add', capability: 'memory.write' }], {
          author: OPERATOR,
          reason: 'one',
        });
      const two = () =>
        other.patch('a1', [{ op: 'add', capability: 'task.submit' }], {
          author: OPERATOR,
          reason: 'two',
        });
      if (dialect === 'postgres') await Promise.all([one(), two()]);
      else {
        // better-sqlite3 waits for the file lock synchronously, so two handles in one process
        // cannot overlap; the second still patches from a stale engine and must not lose the first.
        await one();
        await two();
      }
      const final = await policies.reload('a1');
      expect(final?.version).toBe(3);
      const caps = final?.grants.map((g) => g.capability);
      expect(caps).toContain('memory.write');
      expect(caps).toContain('task.submit');
    });

    it('opens, lists, expires and decides approval items, refusing a second decision', async () => {
      const { approvals, clock } = await setup();
      const base = {
        kind: 'escalation' as const,
        agentId: 'a1',
        agent: 'coder',
        request: { grant: { capability: 'net.http' } },
        requestedBy: 'agent:a1',
      };
      const soon = await approvals.request({ ...base, summary: 'soon', ttlSeconds: 60 });
      clock.advance(1000);
      const later = await approvals.request({ ...base, summary: 'later', ttlSeconds: 3600 });
      expect((await approvals.list({ status: 'pending' })).map((i) => i.summary)).toEqual([
        'later',
        'soon',
      ]);
      clock.advance(60_000);
      expect((await approvals.list({ status: 'pending' })).map((i) => i.id)).toEqual([later.id]);
      expect((await approvals.get(soon.id)).status).toBe('expired');
      await expect(
        approvals.decide(soon.id, { decision: 'approve', by: 'human:alice', reason: 'late' }),
      ).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('expired') });

      const denied = await approvals.decide(later.id, {
        decision: 'deny',
        by: 'human:alice',
        reason: 'no',
      });
      expect(denied).toMatchObject({ status: 'denied', decidedBy: 'human:alice' });
      await expect(
        approvals.decide(later.id, { decision: 'approve', by: 'human:bob', reason: 'yes' }),
      ).rejects.toMatchObject({
        code: 'CONFLICT',
        message: expect.stringContaining('already denied by human:alice'),
      });
      await expect(
        approvals.decide('nope', { decision: 'deny', by: 'human:bob', reason: 'x' }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('commits an approved escalation and its grant together, or neither', async () => {
      const { approvals, policies, engine, clock } = await setup();
      const item = await approvals.request({
        kind: 'escalation',
        agentId: 'a1',
        agent: 'coder',
        summary: 'net.http',
        request: {},
        requestedBy: 'agent:a1',
        ttlSeconds: 600,
      });
      // Above the ceiling and decided by a non-admin: refused, and the item stays pending.
      await expect(
        policies.patch('a1', [{ op: 'add', capability: 'shell.exec' }], {
          author: OPERATOR,
          reason: `approval ${item.id}`,
          inTransaction: async (trx) => {
            await approvals.decideIn(trx, item.id, {
              decision: 'approve',
              by: 'human:bob',
              reason: 'ok',
            });
          },
        }),
      ).rejects.toMatchObject({ code: 'POLICY_DENIED' });
      expect((await approvals.get(item.id)).status).toBe('pending');

      const expiresAt = clock.now() + 60_000;
      await policies.patch(
        'a1',
        [{ op: 'add', capability: 'net.http', scope: { hosts: ['github.com'] }, expiresAt }],
        {
          author: OPERATOR,
          reason: `approval ${item.id}`,
          inTransaction: async (trx) => {
            await approvals.decideIn(trx, item.id, {
              decision: 'approve',
              by: 'human:bob',
              reason: 'ok',
            });
          },
        },
      );
      expect((await approvals.get(item.id)).status).toBe('approved');
      const host = { kind: 'host', value: 'github.com' } as const;
      expect(engine.decideFor('a1', 'net.http', host).kind).toBe('allow');
      clock.advance(60_001);
      expect(engine.decideFor('a1', 'net.http', host).kind).not.toBe('allow');
    });
  });
}

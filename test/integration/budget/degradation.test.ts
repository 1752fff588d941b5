/**
 * The degradation ladder in a running system (issue 9): as budget pressure rises the gateway
 * switches to the cheaper alias, then shrinks prompts, then the low-priority agent is paused, then
 * model calls are refused until a person approves the budget item; as pressure falls every step
 * is reversed in the opposite order and the paused agent resumes. Every step is in the ledger.
 * Pressure is driven with reservations (calls in flight count against a budget exactly as spent
 * tokens do), so the budget can fill and empty within one test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Reservation } from '../../../src/budget/index.js';
import type { CallerRef } from '../../../src/core/index.js';
import { listEntries } from '../../../src/ledger/index.js';
import type { ApprovalItem } from '../../../src/policy/index.js';
import { AgentSupervision, createLogger } from '../../../src/system/index.js';
import { type StubProvider, startStubProvider } from '../../support/stub-provider.js';
import { type AgentHarness, startAgents } from '../daemon/runtime/harness.js';

let h: AgentHarness | undefined;
let stub: StubProvider | undefined;
let supervision: AgentSupervision | undefined;
afterEach(async () => {
  await supervision?.stop();
  await h?.close();
  await stub?.close();
  h = undefined;
  stub = undefined;
  supervision = undefined;
});

const LIMIT = 1_000_000;
const caller: CallerRef = { kind: 'apikey', id: 'bench-key' };

async function complete(): Promise<void> {
  await h!.system.kernel.call(caller, 'llm.complete', {
    request: {
      model: 'smart',
      maxTokens: 400,
      messages: [
        { role: 'system', content: 'be brief' },
        ...[1, 2, 3, 4].map((i) => ({
          role: 'user',
          content: [{ type: 'text', text: `turn ${i}` }],
        })),
      ],
    },
  });
}

describe('the degradation ladder', () => {
  it('steps down as a budget fills and back up as it empties', async () => {
    stub = await startStubProvider();
    const url = `${stub.url}/v1`;
    h = await startAgents(
      () => ({
        agents: [
          { name: 'main', model: 'smart' },
          { name: 'helper', model: 'smart' },
        ],
        gateway: {
          providers: [{ name: 'stub', kind: 'openai', base_url: url }],
          models: {
            smart: { chain: [{ provider: 'stub', model: 'gpt-4o' }] },
            fast: { chain: [{ provider: 'stub', model: 'gpt-4o-mini' }] },
          },
          retry: { max_attempts: 1, initial_delay_ms: 1, max_delay_ms: 5 },
          rate_limits: { burst: 10_000, refill_per_second: 1000 },
          budgets: [{ scope: 'global', tokens_per_hour: LIMIT }],
          degradation: { cheaper_aliases: { smart: 'fast' }, pause_agents: ['helper'] },
        },
      }),
      { stub },
    );
    const { system } = h;
    system.principals.register({ ...caller, capabilities: new Set(['llm.use']) });
    supervision = new AgentSupervision(system, createLogger({ level: 'silent', format: 'json' }));
    await supervision.start();
    const held: Reservation[] = [];
    const fill = async (fraction: number) => {
      const result = await system.gatewaySystem.budgets.reserve({
        estimate: { tokens: Math.round(fraction * LIMIT), usd: 0 },
      });
      if (!result.allowed) throw new Error(`reservation refused: ${result.reason}`);
      held.push(result.reservation);
      return system.degradation.evaluate();
    };

    await complete();
    expect(stub.requests.at(-1)!.body).toMatchObject({ model: 'gpt-4o' });

    expect((await fill(0.72))?.applied).toEqual(['downgrade']);
    await complete();
    expect(stub.requests.at(-1)!.body).toMatchObject({
      model: 'gpt-4o-mini',
      max_completion_tokens: 400,
    });

    expect((await fill(0.1))?.applied).toEqual(['shrink']);
    await complete();
    const shrunk = stub.requests.at(-1)!.body as {
      messages: unknown[];
      max_completion_tokens: number;
    };
    expect(shrunk.max_completion_tokens).toBe(200);
    expect(shrunk.messages).toHaveLength(3);

    expect((await fill(0.09))?.applied).toEqual(['pause']);
    await expect.poll(() => supervision!.info('helper').daemon?.status).toBe('suspended');
    expect(supervision.info('main').daemon?.status).toBe('running');

    expect((await fill(0.05))?.applied).toEqual(['override']);
    await expect(complete()).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
    const status = system.degradation.status();
    expect(status.level).toBe(4);
    const item = await system.policy.approvals.get(status.override!.approvalId);
    expect(item.kind).toBe('budget');
    const person: CallerRef = { kind: 'human', id: 'ops@example.com' };
    system.principals.register({ ...person, capabilities: new Set(['agent.govern']) });
    await system.kernel.call<ApprovalItem>(person, 'approvals.decide', {
      id: item.id,
      decision: 'approve',
      reason: 'quarter-end run, spend approved',
    });
    await expect.poll(() => system.degradation.status().override?.granted).toBe(true);
    await complete();

    for (const r of held.splice(0)) system.gatewaySystem.budgets.release(r);
    expect((await system.degradation.evaluate())?.reverted).toEqual([
      'override',
      'pause',
      'shrink',
      'downgrade',
    ]);
    await expect.poll(() => supervision!.info('helper').daemon?.status).toBe('running');
    await complete();
    expect(stub.requests.at(-1)!.body).toMatchObject({
      model: 'gpt-4o',
      max_completion_tokens: 400,
    });

    await system.ledger.flush();
    const steps = (await listEntries(system.store, { fromSeq: 1, limit: 100_000 }))
      .filter((e) => e.type === 'budget.degrade')
      .map((e) => {
        const payload = (typeof e.payload === 'string' ? JSON.parse(e.payload) : e.payload) as {
          direction: string;
        };
        return `${payload.direction}:${e.subject}`;
      });
    expect(steps).toEqual([
      'apply:downgrade',
      'apply:shrink',
      'apply:pause',
      'apply:override',
      'granted:override',
      'revert:override',
      'revert:pause',
      'revert:shrink',
      'revert:downgrade',
    ]);
  });
});

/**
 * `record: 'after-reply'` answers before the ledger entry is durable; failures of such calls are
 * still durable before the caller hears of them.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Kernel, type LedgerRecord, type Principal } from '../../../src/core/index.js';

function setup() {
  const committed: LedgerRecord[] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const principal: Principal = { kind: 'agent', id: 'a', capabilities: new Set(['*']) };
  const kernel = new Kernel({
    identity: { resolve: (c) => (c.id === 'a' ? principal : undefined) },
    ledger: {
      async append(record) {
        await gate;
        committed.push(record);
        return { seq: committed.length };
      },
    },
  });
  return { kernel, committed, release };
}

describe('kernel record timing', () => {
  it('replies to an after-reply write before its entry commits, then commits it', async () => {
    const { kernel, committed, release } = setup();
    kernel.register({
      name: 'x.fast',
      description: '',
      effect: 'write',
      record: 'after-reply',
      args: z.object({}),
      handler: () => 'done',
    });
    const { result, ledgerSeq } = await kernel.call({ kind: 'agent', id: 'a' }, 'x.fast', {});
    expect(result).toBe('done');
    expect(ledgerSeq).toBeUndefined();
    expect(committed).toHaveLength(0);
    release();
    await new Promise((r) => setImmediate(r));
    expect(committed.map((r) => r.type)).toEqual(['op.call']);
  });

  it('still waits for the entry when such a call fails', async () => {
    const { kernel, committed, release } = setup();
    kernel.register({
      name: 'x.fails',
      description: '',
      effect: 'write',
      record: 'after-reply',
      args: z.object({}),
      handler: () => {
        throw new Error('boom');
      },
    });
    const pending = kernel.call({ kind: 'agent', id: 'a' }, 'x.fails', {}).catch((e: unknown) => e);
    await new Promise((r) => setImmediate(r));
    expect(committed).toHaveLength(0);
    release();
    expect(await pending).toMatchObject({ code: 'INTERNAL' });
    expect(committed.map((r) => r.type)).toEqual(['op.error']);
  });
});

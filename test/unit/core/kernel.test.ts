/**
 * The kernel gate with an in-memory ledger stage that records what it is asked to append.
 * Every call — allowed, denied, rejected or failed — must leave exactly one record, with the
 * arguments present only as a digest.
 */
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AgentvisorError,
  type CallEvent,
  type CallerRef,
  type ErrorCode,
  Kernel,
  type LedgerRecord,
  type LedgerStage,
  type LimitStage,
  type Principal,
} from '../../../src/core/index.js';

const SECRET = 'sk-live-hunter2-DO-NOT-LOG';

interface Deferred {
  resolve(seq: number): void;
  reject(error: unknown): void;
}

/** Records appends. `hold` makes appends wait until the test releases them. */
class RecordingLedger implements LedgerStage {
  readonly records: LedgerRecord[] = [];
  readonly waiting: Deferred[] = [];
  hold = false;
  failWith: unknown;

  append(record: LedgerRecord): Promise<{ seq: number }> {
    this.records.push(structuredClone(record));
    const seq = this.records.length;
    if (this.failWith !== undefined) return Promise.reject(this.failWith);
    if (!this.hold) return Promise.resolve({ seq });
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve: (s) => resolve({ seq: s }), reject });
    });
  }
}

const principals: Record<string, Principal> = {
  'agent:writer': {
    kind: 'agent',
    id: 'writer',
    capabilities: new Set(['notes.write', 'notes.read', 'notes.fail', 'notes.limited']),
  },
  'agent:reader': { kind: 'agent', id: 'reader', capabilities: new Set(['notes.read']) },
};

const writer: CallerRef = { kind: 'agent', id: 'writer' };
const reader: CallerRef = { kind: 'agent', id: 'reader' };
const stranger: CallerRef = { kind: 'agent', id: 'stranger' };

const noteArgs = z.object({ text: z.string().min(1), token: z.string().optional() }).strict();

let ledger: RecordingLedger;
let kernel: Kernel;
let handled: string[];
let events: CallEvent[];
let background: Array<{ error: unknown; context: string }>;
let settled: Array<{ op: string; outcome: string }>;

const rateLimit: LimitStage = {
  name: 'test-rate',
  check: (_p, op) =>
    op.name === 'notes.limited'
      ? { kind: 'reject', code: 'RATE_LIMITED', reason: 'too many notes', retryAfterMs: 1500 }
      : { kind: 'allow' },
  settle: (_p, op, outcome) => {
    settled.push({ op: op.name, outcome: outcome.kind });
  },
};

beforeEach(() => {
  ledger = new RecordingLedger();
  handled = [];
  events = [];
  background = [];
  settled = [];
  kernel = new Kernel({
    identity: { resolve: (c) => principals[`${c.kind}:${c.id}`] },
    ledger,
    limits: [rateLimit],
    telemetry: { record: (e) => events.push(e) },
    onBackgroundError: (error, context) => background.push({ error, context }),
  });
  kernel.register({
    name: 'notes.write',
    description: 'write a note',
    effect: 'write',
    capability: 'notes.write',
    args: noteArgs,
    handler: (_ctx, args) => {
      handled.push('notes.write');
      return { saved: args.text.length };
    },
  });
  kernel.register({
    name: 'notes.read',
    description: 'read notes',
    effect: 'read',
    capability: 'notes.read',
    args: z.object({ token: z.string().optional() }).strict(),
    handler: () => {
      handled.push('notes.read');
      return ['a note'];
    },
  });
  kernel.register({
    name: 'notes.fail',
    description: 'fails with a typed error',
    effect: 'write',
    capability: 'notes.fail',
    args: noteArgs,
    handler: () => {
      handled.push('notes.fail');
      throw new AgentvisorError('CONFLICT', 'the note changed meanwhile');
    },
  });
  kernel.register({
    name: 'notes.crash',
    description: 'fails with an untyped error carrying a secret',
    effect: 'write',
    args: noteArgs,
    handler: (_ctx, args) => {
      handled.push('notes.crash');
      throw new Error(`connection to db failed with password ${args.token}`);
    },
  });
  kernel.register({
    name: 'notes.limited',
    description: 'always rate limited',
    effect: 'write',
    capability: 'notes.limited',
    args: noteArgs,
    handler: () => {
      handled.push('notes.limited');
      return null;
    },
  });
});

async function rejection(p: Promise<unknown>): Promise<AgentvisorError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AgentvisorError);
  return error as AgentvisorError;
}

function digestOf(args: unknown): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(args)).digest('hex')}`;
}

/** The one record the last call left, checked to be the only new one and free of the secret. */
function onlyRecord(before: number): LedgerRecord {
  expect(ledger.records).toHaveLength(before + 1);
  const record = ledger.records[before]!;
  expect(JSON.stringify(record)).not.toContain(SECRET);
  expect(record.payload['args_digest']).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(Object.keys(record.payload)).not.toContain('args');
  return record;
}

const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

function watch(p: Promise<unknown>): () => boolean {
  let done = false;
  p.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  return () => done;
}

describe('every call leaves exactly one ledger record', () => {
  it('an allowed call is op.call with outcome ok and only a digest of its arguments', async () => {
    const args = { text: 'hello', token: SECRET };
    const { result, ledgerSeq } = await kernel.call(writer, 'notes.write', args);
    expect(result).toEqual({ saved: 5 });
    expect(ledgerSeq).toBe(1);
    const record = onlyRecord(0);
    expect(record).toMatchObject({
      type: 'op.call',
      actor: 'agent:writer',
      subject: 'notes.write',
    });
    expect(record.payload).toMatchObject({ outcome: 'ok', args_digest: digestOf(args) });
    expect(record.payload).not.toHaveProperty('code');
    expect(record.payload).not.toHaveProperty('reason');
    // Same arguments, same digest; different arguments, different digest.
    await kernel.call(writer, 'notes.write', { text: 'hello', token: SECRET });
    await kernel.call(writer, 'notes.write', { text: 'hello', token: `${SECRET}!` });
    const digests = ledger.records.map((r) => r.payload['args_digest']);
    expect(digests[1]).toBe(digests[0]);
    expect(digests[2]).not.toBe(digests[0]);
  });

  const denials: Array<{
    name: string;
    caller: CallerRef;
    op: string;
    args: unknown;
    code: ErrorCode;
    type: string;
    outcome: string;
  }> = [
    {
      name: 'an unknown caller',
      caller: stranger,
      op: 'notes.write',
      args: { text: 'x', token: SECRET },
      code: 'IDENTITY_UNKNOWN',
      type: 'op.denied',
      outcome: 'denied',
    },
    {
      name: 'an unknown operation',
      caller: writer,
      op: 'notes.delete_all',
      args: { token: SECRET },
      code: 'OPERATION_UNKNOWN',
      type: 'op.denied',
      outcome: 'denied',
    },
    {
      name: 'invalid arguments',
      caller: writer,
      op: 'notes.write',
      args: { text: '', token: SECRET, extra: 1 },
      code: 'INPUT_INVALID',
      type: 'op.denied',
      outcome: 'denied',
    },
    {
      name: 'a policy denial (missing capability)',
      caller: reader,
      op: 'notes.write',
      args: { text: 'x', token: SECRET },
      code: 'POLICY_DENIED',
      type: 'op.denied',
      outcome: 'denied',
    },
    {
      name: 'a limit rejection',
      caller: writer,
      op: 'notes.limited',
      args: { text: 'x', token: SECRET },
      code: 'RATE_LIMITED',
      type: 'op.rejected',
      outcome: 'rejected',
    },
    {
      name: 'a handler throwing a typed error',
      caller: writer,
      op: 'notes.fail',
      args: { text: 'x', token: SECRET },
      code: 'CONFLICT',
      type: 'op.error',
      outcome: 'error',
    },
    {
      name: 'a handler throwing an untyped error that mentions a secret',
      caller: writer,
      op: 'notes.crash',
      args: { text: 'x', token: SECRET },
      code: 'INTERNAL',
      type: 'op.error',
      outcome: 'error',
    },
  ];

  it.each(denials)('$name: $code, recorded as $type', async (c) => {
    await kernel.call(writer, 'notes.read', {});
    const before = ledger.records.length;
    expect(before).toBe(1);
    const error = await rejection(kernel.call(c.caller, c.op, c.args));
    expect(error.code).toBe(c.code);
    expect(error.message).not.toContain(SECRET);
    const record = onlyRecord(before);
    expect(record).toMatchObject({
      type: c.type,
      actor: `${c.caller.kind}:${c.caller.id}`,
      subject: c.op,
    });
    expect(record.payload).toMatchObject({ outcome: c.outcome, code: c.code });
    expect(record.payload['reason']).toEqual(expect.any(String));
    expect(record.payload['args_digest']).toBe(digestOf(c.args));
    // Telemetry saw the same outcome, once.
    const event = events.at(-1)!;
    expect(event).toMatchObject({ op: c.op, outcome: c.outcome, code: c.code });
  });

  it('denied and rejected calls never reach the handler', async () => {
    await rejection(kernel.call(stranger, 'notes.write', { text: 'x' }));
    await rejection(kernel.call(writer, 'notes.write', { text: 42 }));
    await rejection(kernel.call(reader, 'notes.write', { text: 'x' }));
    await rejection(kernel.call(writer, 'notes.limited', { text: 'x' }));
    expect(handled).toEqual([]);
    expect(ledger.records.map((r) => r.type)).toEqual([
      'op.denied',
      'op.denied',
      'op.denied',
      'op.rejected',
    ]);
  });

  it('a limit rejection carries its retry hint; limits settle on success and on failure', async () => {
    const error = await rejection(kernel.call(writer, 'notes.limited', { text: 'x' }));
    expect(error.details).toMatchObject({ limit: 'test-rate', retryAfterMs: 1500 });
    await kernel.call(writer, 'notes.write', { text: 'x' });
    await rejection(kernel.call(writer, 'notes.fail', { text: 'x' }));
    expect(settled).toEqual([
      { op: 'notes.write', outcome: 'ok' },
      { op: 'notes.fail', outcome: 'error' },
    ]);
  });

  it('an untyped handler error is INTERNAL and its message stays out of the record', async () => {
    const error = await rejection(kernel.call(writer, 'notes.crash', { text: 'x', token: SECRET }));
    expect(error.code).toBe('INTERNAL');
    expect(error.cause).toBeInstanceOf(Error);
    const record = onlyRecord(0);
    expect(String(record.payload['reason'])).not.toContain('password');
  });

  it('a mixed sequence of calls leaves one record per call, in call order', async () => {
    const calls: Array<[CallerRef, string, unknown]> = [
      [writer, 'notes.write', { text: 'a' }],
      [stranger, 'notes.read', {}],
      [writer, 'notes.read', {}],
      [reader, 'notes.fail', { text: 'b' }],
      [writer, 'notes.fail', { text: 'c' }],
      [writer, 'nope', {}],
      [writer, 'notes.limited', { text: 'd' }],
    ];
    for (const [caller, op, args] of calls) {
      await kernel.call(caller, op, args).catch(() => {});
    }
    await macrotask();
    expect(ledger.records.map((r) => [r.subject, r.type])).toEqual([
      ['notes.write', 'op.call'],
      ['notes.read', 'op.denied'],
      ['notes.read', 'op.call'],
      ['notes.fail', 'op.denied'],
      ['notes.fail', 'op.error'],
      ['nope', 'op.denied'],
      ['notes.limited', 'op.rejected'],
    ]);
    expect(events).toHaveLength(calls.length);
  });
});

describe('durability', () => {
  it('a write call resolves only after its ledger entry is durable', async () => {
    ledger.hold = true;
    const call = kernel.call(writer, 'notes.write', { text: 'x' });
    const done = watch(call);
    for (let i = 0; i < 5; i++) await macrotask();
    expect(ledger.records).toHaveLength(1);
    expect(handled).toEqual(['notes.write']);
    expect(done()).toBe(false);
    ledger.waiting[0]!.resolve(41);
    await expect(call).resolves.toEqual({ result: { saved: 1 }, ledgerSeq: 41 });
  });

  it('a denied call also waits for its record', async () => {
    ledger.hold = true;
    const call = kernel.call(reader, 'notes.write', { text: 'x' });
    const done = watch(call);
    for (let i = 0; i < 5; i++) await macrotask();
    expect(ledger.records).toHaveLength(1);
    expect(done()).toBe(false);
    ledger.waiting[0]!.resolve(1);
    expect((await rejection(call)).code).toBe('POLICY_DENIED');
  });

  it('a read call does not wait for its ledger entry', async () => {
    ledger.hold = true;
    const { result, ledgerSeq } = await kernel.call(writer, 'notes.read', {});
    expect(result).toEqual(['a note']);
    expect(ledgerSeq).toBeUndefined();
    expect(ledger.records).toHaveLength(1);
    expect(ledger.records[0]).toMatchObject({ type: 'op.call', subject: 'notes.read' });
    expect(ledger.waiting).toHaveLength(1);
    ledger.waiting[0]!.resolve(1);
  });

  it('a failed ledger write fails a write call but only reaches onBackgroundError for a read', async () => {
    const failure = new AgentvisorError('STORE_UNAVAILABLE', 'database down');
    ledger.failWith = failure;
    await expect(kernel.call(writer, 'notes.write', { text: 'x' })).rejects.toBe(failure);
    const read = await kernel.call(writer, 'notes.read', {});
    expect(read.result).toEqual(['a note']);
    await macrotask();
    expect(background).toEqual([{ error: failure, context: 'ledger entry for notes.read' }]);
  });
});

describe('registry and shutdown', () => {
  it('registering an operation twice is CONFLICT', () => {
    expect(() =>
      kernel.register({
        name: 'notes.read',
        description: 'again',
        effect: 'read',
        args: z.object({}),
        handler: () => null,
      }),
    ).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
    expect(kernel.operations().map((o) => o.name)).toContain('notes.read');
  });

  it('after stopAccepting() new calls are SHUTTING_DOWN and run nothing', async () => {
    await kernel.call(writer, 'notes.write', { text: 'before' });
    kernel.stopAccepting();
    const error = await rejection(kernel.call(writer, 'notes.write', { text: 'after' }));
    expect(error.code).toBe('SHUTTING_DOWN');
    expect(error.status).toBe(503);
    expect(handled).toEqual(['notes.write']);
  });
});

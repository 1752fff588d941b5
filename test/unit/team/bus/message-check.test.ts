/**
 * The message schema: the hand-written send-path check against the zod schemas (they must
 * accept and refuse the same inputs), the wire round trip, the payload size limit in bytes of
 * canonical JSON, and the error messages people read.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAgentvisorError } from '../../../../src/core/index.js';
import { canonicalJson } from '../../../../src/ledger/index.js';
import { MessageCheck } from '../../../../src/team/bus/message-check.js';
import {
  type BusMessage,
  type BusMessageInput,
  busMessageInputSchema,
  busMessageSchema,
  decodeMessage,
  encodeMessage,
  LEARNING_SIGNAL_TYPES,
  MESSAGE_TYPES,
  PAI_PHASES,
} from '../../../../src/team/index.js';

/** Earlier than any timestamp the generators make, so "expired" never enters the comparison. */
const LONG_AGO = -8.64e15;
const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
const idText = fc.string({ minLength: 1, maxLength: 40 });
const uuidV7 = fc.uuid({ version: 7 });
/** JSON objects as JSON itself has them: -0 is written as 0, so it reads back as 0. */
const jsonObject = fc
  .dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 })
  .map((o) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>);
const timestamp = fc
  .date({
    min: new Date('2000-01-01T00:00:00Z'),
    max: new Date('2100-01-01T00:00:00Z'),
    noInvalidDate: true,
  })
  .map((d) => d.toISOString());

/** Complete, valid messages. */
const message: fc.Arbitrary<BusMessage> = fc
  .record(
    {
      id: uuidV7,
      timestamp,
      source: name,
      target: fc.oneof(
        name.map((n) => `agent:${n}` as const),
        name.map((n) => `role:${n}` as const),
        fc.constant('*' as const),
      ),
      type: fc.constantFrom(...MESSAGE_TYPES),
      priority: fc.integer({ min: 1, max: 10 }),
      payload: fc.record(
        {
          taskId: idText,
          action: idText,
          context: jsonObject,
          memoryRefs: fc.array(fc.string({ minLength: 1, maxLength: 10 }), { maxLength: 3 }),
        },
        { requiredKeys: ['action', 'context', 'memoryRefs'] },
      ),
      pai: fc.record({
        phase: fc.constantFrom(...PAI_PHASES),
        verificationCriteria: fc.array(fc.string({ minLength: 1, maxLength: 10 }), {
          maxLength: 3,
        }),
        learningSignals: fc.array(
          fc.record(
            {
              type: fc.constantFrom(...LEARNING_SIGNAL_TYPES),
              weight: fc.double({ min: -1, max: 1, noNaN: true }).map((w) => w + 0), // -0 reads back as 0
              context: jsonObject,
            },
            { requiredKeys: ['type', 'weight'] },
          ),
          { maxLength: 2 },
        ),
      }),
      correlationId: idText,
      conversationId: idText,
      replyTo: idText,
      ttlMs: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      attempts: fc.nat(),
    },
    {
      requiredKeys: [
        'id',
        'timestamp',
        'source',
        'target',
        'type',
        'priority',
        'payload',
        'conversationId',
        'ttlMs',
        'attempts',
      ],
    },
  )
  .map((m) => m as BusMessage);

/** Sets `field` (`a` or `a.b`) of `target`; a missing parent is left missing. */
function setPath(target: Record<string, unknown>, field: string, value: unknown): void {
  const [head, tail] = field.split('.') as [string, string | undefined];
  if (tail === undefined) {
    target[head] = value;
    return;
  }
  const inner = target[head];
  if (inner !== null && typeof inner === 'object') (inner as Record<string, unknown>)[tail] = value;
}

const check = () => new MessageCheck({ maxPayloadBytes: 1 << 20, defaultTtlMs: 60_000 });

function accepts(input: unknown, checker = check()): boolean {
  try {
    checker.normalize(input as BusMessageInput, LONG_AGO);
    return true;
  } catch (error) {
    if (!isAgentvisorError(error)) throw error;
    return false;
  }
}

const FIELDS = [
  'id',
  'timestamp',
  'source',
  'target',
  'type',
  'priority',
  'payload',
  'pai',
  'correlationId',
  'conversationId',
  'replyTo',
  'ttlMs',
  'attempts',
  'extra',
];

describe('message schema', () => {
  it('round-trips any valid message through the wire encoding', () => {
    fc.assert(
      fc.property(message, (m) => {
        expect(decodeMessage(encodeMessage(m))).toEqual(m);
      }),
    );
  });

  it('leaves a complete message as it is, and its result satisfies the zod schema', () => {
    fc.assert(
      fc.property(message, (m) => {
        const out = check().normalize(m, LONG_AGO);
        expect(out).toEqual(m);
        expect(busMessageSchema.safeParse(JSON.parse(encodeMessage(out))).success).toBe(true);
      }),
    );
  });

  it('accepts and refuses exactly what the zod input schema does', () => {
    const mutated = fc
      .tuple(
        message,
        fc.constantFrom(
          ...FIELDS,
          'payload.action',
          'payload.context',
          'payload.memoryRefs',
          'pai.phase',
        ),
        fc.oneof(fc.anything(), fc.constant(undefined), fc.jsonValue()),
      )
      .map(([m, field, value]) => {
        const copy = structuredClone(m) as unknown as Record<string, unknown>;
        setPath(copy, field, value);
        return copy;
      });
    fc.assert(
      fc.property(mutated, (input) => {
        expect(accepts(input)).toBe(busMessageInputSchema.safeParse(input).success);
      }),
      { numRuns: 2_000 },
    );
  });

  // Regression: a name checked as a source was cached and then passed as a target unchecked
  // (found by the property below with seed -1127410785).
  it('does not accept a source name as a target', () => {
    const text = (target: string) =>
      JSON.stringify({
        id: '00000000-0000-7000-8000-000000000000',
        timestamp: '2000-01-01T00:00:00.000Z',
        source: 'a',
        target,
        type: 'task',
        priority: 1,
        payload: { action: 'x', context: {}, memoryRefs: [] },
        conversationId: 'c',
        ttlMs: 1,
        attempts: 0,
      });
    expect(() => decodeMessage(text('a'))).toThrow(/target/);
    expect(decodeMessage(text('agent:a')).target).toBe('agent:a');
  });

  it('decodes exactly what the zod wire schema accepts', () => {
    const mutated = fc
      .tuple(
        message,
        fc.constantFrom(
          ...FIELDS,
          'payload.context',
          'payload.memoryRefs',
          'payload.taskId',
          'pai.verificationCriteria',
          'pai.learningSignals',
        ),
        fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 2 })),
      )
      .map(([m, field, value]) => {
        const copy = JSON.parse(encodeMessage(m)) as Record<string, unknown>;
        setPath(copy, field, value);
        return JSON.stringify(copy);
      });
    fc.assert(
      fc.property(mutated, (text) => {
        let decoded = true;
        try {
          decodeMessage(text);
        } catch (error) {
          expect(isAgentvisorError(error, 'INPUT_INVALID')).toBe(true);
          decoded = false;
        }
        expect(decoded).toBe(busMessageSchema.safeParse(JSON.parse(text)).success);
      }),
      { numRuns: 2_000 },
    );
  });

  it('fills the defaults of a minimal message', () => {
    const checker = check();
    const out = checker.normalize(
      { source: 'lead', target: 'agent:code', type: 'task', payload: { action: 'go' } },
      Date.parse('2026-01-01T00:00:00.000Z'),
    );
    expect(out).toMatchObject({
      timestamp: '2026-01-01T00:00:00.000Z',
      priority: 5,
      payload: { action: 'go', context: {}, memoryRefs: [] },
      conversationId: out.id,
      ttlMs: 60_000,
      attempts: 0,
    });
    expect(checker.mintedId).toBe(true);
    const correlated = checker.normalize(
      {
        source: 'lead',
        target: 'agent:code',
        type: 'result',
        payload: { action: 'go' },
        correlationId: 'c1',
      },
      Date.now(),
    );
    expect(correlated.conversationId).toBe('c1');
  });

  it('enforces the payload limit in bytes of canonical JSON, whatever the characters', () => {
    const max = 300;
    const checker = new MessageCheck({ maxPayloadBytes: max, defaultTtlMs: 60_000 });
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 6, unit: 'binary' }), fc.jsonValue({ maxDepth: 2 }), {
          maxKeys: 8,
        }),
        fc.string({ minLength: 1, maxLength: 20, unit: 'binary' }),
        (context, action) => {
          const payload = { action, context, memoryRefs: [] };
          const bytes = Buffer.byteLength(canonicalJson(payload), 'utf8');
          try {
            checker.normalize(
              { source: 'lead', target: 'agent:code', type: 'task', payload },
              Date.now(),
            );
            expect(bytes).toBeLessThanOrEqual(max);
          } catch (error) {
            expect(isAgentvisorError(error, 'PAYLOAD_TOO_LARGE')).toBe(true);
            expect(bytes).toBeGreaterThan(max);
          }
        },
      ),
      { numRuns: 1_000 },
    );
  });

  describe('refuses with a message naming the field, the value and what is allowed', () => {
    const base = { source: 'lead', target: 'agent:code', type: 'task', payload: { action: 'x' } };
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    const cases: [string, unknown, RegExp][] = [
      ['a bad source', { ...base, source: 'Lead' }, /message\.source: expected an agent name/],
      ['a bad id', { ...base, id: 'abc' }, /message\.id: expected a UUIDv7, got "abc"/],
      [
        'a bad timestamp',
        { ...base, timestamp: 'yesterday' },
        /message\.timestamp: expected an ISO-8601/,
      ],
      [
        'a non-string memory ref',
        { ...base, payload: { action: 'x', memoryRefs: ['a', 3] } },
        /payload\.memoryRefs\[1\]: expected a non-empty string, got 3/,
      ],
      [
        'a Date in the context',
        { ...base, payload: { action: 'x', context: { when: new Date(0) } } },
        /payload\.context\.when: expected a plain JSON object/,
      ],
      [
        'NaN in the context',
        { ...base, payload: { action: 'x', context: { n: Number.NaN } } },
        /payload\.context\.n: expected a finite number/,
      ],
      [
        'a cycle in the context',
        { ...base, payload: { action: 'x', context: cycle } },
        /nested at most 100 deep \(and no cycles\)/,
      ],
      [
        'a function in the context',
        { ...base, payload: { action: 'x', context: { f: () => 1 } } },
        /payload\.context\.f: expected a JSON value, got a function/,
      ],
      [
        'a signal weight out of range',
        {
          ...base,
          pai: { phase: 'learn', learningSignals: [{ type: 'task_success', weight: 2 }] },
        },
        /pai\.learningSignals\[0\]\.weight: expected a number from -1 to 1, got 2/,
      ],
      [
        'an unknown signal type',
        { ...base, pai: { phase: 'learn', learningSignals: [{ type: 'vibes', weight: 1 }] } },
        /pai\.learningSignals\[0\]\.type: expected a learning signal type/,
      ],
      [
        'an unknown payload field',
        { ...base, payload: { action: 'x', contxt: {} } },
        /message\.payload\.contxt: unknown field; allowed: taskId, action, context, memoryRefs/,
      ],
      ['a ttl of zero', { ...base, ttlMs: 0 }, /message\.ttlMs: expected an integer from 1 to/],
    ];
    it.each(cases)('%s', (_label, input, pattern) => {
      try {
        check().normalize(input as BusMessageInput, Date.now());
        expect.unreachable('accepted');
      } catch (error) {
        expect(isAgentvisorError(error, 'INPUT_INVALID')).toBe(true);
        expect((error as Error).message).toMatch(pattern);
      }
    });
  });

  it('refuses undecodable wire text with INPUT_INVALID', () => {
    expect(() => decodeMessage('{')).toThrow(/not JSON/);
    expect(() => decodeMessage('{"id":"x"}')).toThrow(/message\.\w+: expected/);
    expect(() => decodeMessage('[]')).toThrow(/expected a message object/);
  });
});

/**
 * @module The send-path check: turns a {@link BusMessageInput} into a complete
 * {@link BusMessage} or throws an {@link AgentvisorError} naming the field, the bad value and
 * what is allowed. Hand-written rather than `busMessageInputSchema.parse` because the zod
 * parse measured ~2.4 µs per message on the bench machine, more than the whole in-process
 * delivery budget (2 µs at 500,000 messages/s); this check costs a small fraction of that.
 * `test/unit/team/bus/message-check.test.ts` holds it to the zod schema with fast-check.
 */
import { AgentvisorError } from '../../core/index.js';
import {
  type BusMessage,
  type BusMessageInput,
  type BusTarget,
  DEFAULT_PRIORITY,
  type JsonObject,
  LEARNING_SIGNAL_TYPES,
  type LearningSignal,
  MAX_ID_LENGTH,
  MAX_PRIORITY,
  MAX_TTL_MS,
  MESSAGE_TYPES,
  type MessagePayload,
  type MessageType,
  MIN_PRIORITY,
  NAME_PATTERN,
  PAI_PHASES,
  type PaiBlock,
  type PaiPhase,
  TARGET_PATTERN,
  UUID_V7_PATTERN,
} from './bus-message.js';
import { isPlainObject, MAX_JSON_NESTING } from './json-value.js';
import { IsoTimestamps, MessageIdGenerator } from './message-id.js';

/** Longest JSON number text (`-1.2345678901234567e+308`), for the size bound. */
const MAX_NUMBER_CHARS = 24;
const ISO_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;
const MESSAGE_KEYS = new Set([
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
]);
const PAYLOAD_KEYS = new Set(['taskId', 'action', 'context', 'memoryRefs']);
const PAI_KEYS = new Set(['phase', 'verificationCriteria', 'learningSignals']);
const SIGNAL_KEYS = new Set(['type', 'weight', 'context']);
const TYPES: ReadonlySet<string> = new Set(MESSAGE_TYPES);
const PHASES: ReadonlySet<string> = new Set(PAI_PHASES);
const SIGNAL_TYPES: ReadonlySet<string> = new Set(LEARNING_SIGNAL_TYPES);
/** Bound on the cache of names and targets already checked; cleared, not evicted, when full. */
const CHECKED_CACHE_MAX = 10_000;
const EMPTY: readonly string[] = Object.freeze([]);
const NO_SIGNALS: readonly LearningSignal[] = Object.freeze([]);

/** Options for {@link MessageCheck}. */
export interface MessageCheckOptions {
  /** Largest payload, in bytes of canonical JSON. */
  readonly maxPayloadBytes: number;
  /** `ttlMs` of a message that names none. */
  readonly defaultTtlMs: number;
}

/** A short, safe rendering of a bad value for an error message. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function' || typeof value === 'symbol') return `a ${typeof value}`;
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** An INPUT_INVALID error for `field`, with the value and the allowed values in `details`. */
export function invalidField(
  field: string,
  expected: string,
  value: unknown,
  allowed?: readonly (string | number)[],
): AgentvisorError {
  const details: Record<string, unknown> = { field, value: showValue(value) };
  if (allowed !== undefined) details['allowed'] = allowed;
  return new AgentvisorError(
    'INPUT_INVALID',
    `message.${field}: expected ${expected}, got ${showValue(value)}`,
    { details },
  );
}

/** Own enumerable keys of a plain object (a for-in count costs about half a Set lookup per key). */
function keyCount(value: object): number {
  let n = 0;
  for (const _ in value) n++;
  return n;
}

function checkKeys(value: Record<string, unknown>, keys: ReadonlySet<string>, path: string): void {
  for (const key in value) {
    if (!keys.has(key)) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `message.${path}${key}: unknown field; allowed: ${[...keys].join(', ')}`,
        { details: { field: `${path}${key}`, allowed: [...keys] } },
      );
    }
  }
}

function idString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_LENGTH) {
    throw invalidField(field, `a non-empty string of at most ${MAX_ID_LENGTH} characters`, value);
  }
  return value;
}

function stringList(value: unknown, field: string): readonly string[] {
  if (value === undefined) return EMPTY;
  if (!Array.isArray(value)) throw invalidField(field, 'an array of non-empty strings', value);
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (typeof item !== 'string' || item.length === 0) {
      throw invalidField(`${field}[${i}]`, 'a non-empty string', item);
    }
  }
  return value as readonly string[];
}

function integerIn(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidField(field, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

/**
 * An upper bound on the UTF-8 bytes of `value`'s canonical JSON, throwing INPUT_INVALID at
 * anything JSON cannot carry unchanged (so both bus implementations deliver the same value):
 * functions, symbols, BigInt, NaN/Infinity, non-plain objects, `undefined` in arrays, cycles.
 * A string of n UTF-16 units costs at most 6n + 2 bytes (`\u001f` escapes are 6 bytes; other
 * units take at most 3 UTF-8 bytes); exact sizes are computed only when the bound is too big.
 */
function jsonBound(value: unknown, field: string, depth: number): number {
  switch (typeof value) {
    case 'string':
      return 6 * value.length + 2;
    case 'number':
      if (!Number.isFinite(value)) throw invalidField(field, 'a finite number', value);
      return MAX_NUMBER_CHARS;
    case 'boolean':
      return 5;
    case 'object':
      break;
    default:
      throw invalidField(field, 'a JSON value', value);
  }
  if (value === null) return 4;
  if (depth >= MAX_JSON_NESTING) {
    throw invalidField(field, `JSON nested at most ${MAX_JSON_NESTING} deep (and no cycles)`, '…');
  }
  let bound = 2;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === undefined) throw invalidField(`${field}[${i}]`, 'a JSON value', item);
      bound += jsonBound(item, `${field}[${i}]`, depth + 1) + 1;
    }
    return bound;
  }
  if (!isPlainObject(value)) {
    throw invalidField(field, 'a plain JSON object (convert dates and classes first)', value);
  }
  for (const key in value) {
    const item = value[key];
    // Members holding undefined are left out of JSON, by JSON.stringify and RFC 8785 alike.
    if (item !== undefined)
      bound += 6 * key.length + 4 + jsonBound(item, `${field}.${key}`, depth + 1);
  }
  return bound;
}

function jsonObject(value: unknown, field: string): JsonObject {
  if (!isPlainObject(value)) throw invalidField(field, 'a JSON object', value);
  return value;
}

function learningSignals(value: unknown): readonly LearningSignal[] {
  if (value === undefined) return NO_SIGNALS;
  const field = 'pai.learningSignals';
  if (!Array.isArray(value)) throw invalidField(field, 'an array of learning signals', value);
  for (let i = 0; i < value.length; i++) {
    const signal: unknown = value[i];
    const at = `${field}[${i}]`;
    if (!isPlainObject(signal)) throw invalidField(at, '{ type, weight, context? }', signal);
    checkKeys(signal, SIGNAL_KEYS, `${at}.`);
    if (typeof signal['type'] !== 'string' || !SIGNAL_TYPES.has(signal['type'])) {
      throw invalidField(
        `${at}.type`,
        'a learning signal type',
        signal['type'],
        LEARNING_SIGNAL_TYPES,
      );
    }
    const weight = signal['weight'];
    if (typeof weight !== 'number' || !(weight >= -1 && weight <= 1)) {
      throw invalidField(`${at}.weight`, 'a number from -1 to 1', weight);
    }
    const context = signal['context'];
    if (context !== undefined) jsonBound(jsonObject(context, `${at}.context`), `${at}.context`, 0);
  }
  return value as readonly LearningSignal[];
}

function paiBlock(value: unknown): PaiBlock | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value))
    throw invalidField('pai', '{ phase, verificationCriteria, learningSignals }', value);
  checkKeys(value, PAI_KEYS, 'pai.');
  const phase = value['phase'];
  if (typeof phase !== 'string' || !PHASES.has(phase)) {
    throw invalidField('pai.phase', 'an algorithm phase', phase, PAI_PHASES);
  }
  return {
    phase: phase as PaiPhase,
    verificationCriteria: stringList(value['verificationCriteria'], 'pai.verificationCriteria'),
    learningSignals: learningSignals(value['learningSignals']),
  };
}

/**
 * The send-path check and filler, one per bus. After each {@link MessageCheck.normalize} the
 * bus reads `createdMs` (the message's time, so the expiry needs no second parse of the
 * timestamp) and `mintedId` (whether the id is new, so no consumer can have handled it).
 *
 * @example
 * const check = new MessageCheck({ maxPayloadBytes: 262_144, defaultTtlMs: 3_600_000 });
 * const msg = check.normalize(
 *   { source: 'lead', target: 'agent:code', type: 'task', payload: { action: 'build' } },
 *   Date.now(),
 * );
 */
export class MessageCheck {
  readonly #options: MessageCheckOptions;
  readonly #ids = new MessageIdGenerator();
  readonly #iso = new IsoTimestamps();
  /** Names and targets already found well formed: a Set lookup is cheaper than the regex. */
  // One cache per pattern: a valid source name ("a") is not a valid target ("agent:a"), so a
  // shared cache let a name checked as a source pass as a target unchecked.
  readonly #checkedNames = new Set<string>();
  readonly #checkedTargets = new Set<string>();
  /** Milliseconds since the epoch of the last normalized message's `timestamp`. */
  createdMs = 0;
  /** True when the last normalized message's id was minted here rather than given. */
  mintedId = false;

  constructor(options: MessageCheckOptions) {
    this.#options = options;
  }

  /** The largest payload accepted, in bytes of canonical JSON. */
  get maxPayloadBytes(): number {
    return this.#options.maxPayloadBytes;
  }

  /**
   * Validates `input` and fills the defaults. Throws INPUT_INVALID (bad field, unknown field,
   * already expired), or PAYLOAD_TOO_LARGE. `nowMs` is the bus clock's time.
   */
  normalize(input: BusMessageInput, nowMs: number): BusMessage {
    if (!isPlainObject(input)) throw invalidField('', 'a message object', input);
    // Every key known and defined: no unknown key possible. Otherwise name the culprit.
    const known =
      +(input.id !== undefined) +
      +(input.timestamp !== undefined) +
      +(input.source !== undefined) +
      +(input.target !== undefined) +
      +(input.type !== undefined) +
      +(input.priority !== undefined) +
      +(input.payload !== undefined) +
      +(input.pai !== undefined) +
      +(input.correlationId !== undefined) +
      +(input.conversationId !== undefined) +
      +(input.replyTo !== undefined) +
      +(input.ttlMs !== undefined) +
      +(input.attempts !== undefined);
    if (keyCount(input) !== known) checkKeys(input, MESSAGE_KEYS, '');
    const source = this.#name(
      input.source,
      'source',
      NAME_PATTERN,
      'an agent name ([a-z][a-z0-9-]*)',
    );
    const target = this.#name(input.target, 'target', TARGET_PATTERN, 'agent:NAME, role:NAME or *');
    const type = input.type;
    if (!TYPES.has(type)) throw invalidField('type', 'a message type', type, MESSAGE_TYPES);
    const priority =
      input.priority === undefined
        ? DEFAULT_PRIORITY
        : integerIn(input.priority, 'priority', MIN_PRIORITY, MAX_PRIORITY);
    const payload = this.#payload(input.payload);
    const pai = paiBlock(input.pai);
    let id = input.id;
    const minted = id === undefined;
    if (id === undefined) id = this.#ids.next(nowMs);
    else if (typeof id !== 'string' || !UUID_V7_PATTERN.test(id)) {
      throw invalidField('id', 'a UUIDv7', id);
    }
    let timestamp = input.timestamp;
    let createdMs = nowMs;
    if (timestamp === undefined) timestamp = this.#iso.at(nowMs);
    else {
      createdMs =
        typeof timestamp === 'string' && ISO_PATTERN.test(timestamp)
          ? Date.parse(timestamp)
          : Number.NaN;
      if (Number.isNaN(createdMs)) {
        throw invalidField(
          'timestamp',
          'an ISO-8601 UTC time such as 2026-01-01T00:00:00.000Z',
          timestamp,
        );
      }
    }
    const correlationId =
      input.correlationId === undefined
        ? undefined
        : idString(input.correlationId, 'correlationId');
    const conversationId =
      input.conversationId === undefined
        ? (correlationId ?? id)
        : idString(input.conversationId, 'conversationId');
    const replyTo = input.replyTo === undefined ? undefined : idString(input.replyTo, 'replyTo');
    const ttlMs =
      input.ttlMs === undefined
        ? this.#options.defaultTtlMs
        : integerIn(input.ttlMs, 'ttlMs', 1, MAX_TTL_MS);
    const attempts =
      input.attempts === undefined
        ? 0
        : integerIn(input.attempts, 'attempts', 0, Number.MAX_SAFE_INTEGER);
    if (createdMs + ttlMs <= nowMs) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `message.ttlMs: the message expired ${nowMs - createdMs - ttlMs} ms ago (timestamp ${timestamp} + ttlMs ${ttlMs}); send a fresh message or a longer ttlMs`,
        { details: { field: 'ttlMs', value: ttlMs, timestamp, reason: 'expired' } },
      );
    }
    this.createdMs = createdMs;
    this.mintedId = minted;
    return {
      id,
      timestamp,
      source,
      target: target as BusTarget,
      type: type as MessageType,
      priority,
      payload,
      pai,
      correlationId,
      conversationId,
      replyTo,
      ttlMs,
      attempts,
    };
  }

  #name(value: unknown, field: string, pattern: RegExp, expected: string): string {
    const checked = pattern === TARGET_PATTERN ? this.#checkedTargets : this.#checkedNames;
    if (typeof value === 'string' && checked.has(value)) return value;
    if (typeof value !== 'string' || !pattern.test(value))
      throw invalidField(field, expected, value);
    if (checked.size >= CHECKED_CACHE_MAX) checked.clear();
    checked.add(value);
    return value;
  }

  #payload(value: unknown): MessagePayload {
    if (!isPlainObject(value))
      throw invalidField('payload', '{ action, context?, memoryRefs?, taskId? }', value);
    const known =
      +(value['taskId'] !== undefined) +
      +(value['action'] !== undefined) +
      +(value['context'] !== undefined) +
      +(value['memoryRefs'] !== undefined);
    if (keyCount(value) !== known) checkKeys(value, PAYLOAD_KEYS, 'payload.');
    const action = idString(value['action'], 'payload.action');
    const taskId =
      value['taskId'] === undefined ? undefined : idString(value['taskId'], 'payload.taskId');
    const context =
      value['context'] === undefined ? {} : jsonObject(value['context'], 'payload.context');
    const memoryRefs = stringList(value['memoryRefs'], 'payload.memoryRefs');
    const max = this.#options.maxPayloadBytes;
    const bound =
      jsonBound(context, 'payload.context', 0) +
      6 * (action.length + (taskId?.length ?? 0)) +
      jsonBound(memoryRefs, 'payload.memoryRefs', 0) +
      64;
    if (bound > max) {
      // Byte length of JSON.stringify equals that of RFC 8785 canonical JSON: JCS only
      // reorders object members; strings and numbers are serialised exactly as here.
      const payload = { taskId, action, context, memoryRefs };
      const bytes = Buffer.byteLength(JSON.stringify(payload), 'utf8');
      if (bytes > max) {
        throw new AgentvisorError(
          'PAYLOAD_TOO_LARGE',
          `message.payload: ${bytes} bytes of canonical JSON, more than the ${max} allowed; send a memory reference instead of the data`,
          { details: { field: 'payload', bytes, maxBytes: max } },
        );
      }
    }
    // A payload already in its complete shape is kept as is: one allocation less per send.
    if (value['context'] === context && value['memoryRefs'] === memoryRefs) {
      return value as unknown as MessagePayload;
    }
    return { taskId, action, context, memoryRefs };
  }
}

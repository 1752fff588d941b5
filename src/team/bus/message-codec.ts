/**
 * @module Messages on the wire (Redis stream entries, DLQ records, anything outside one
 * process): JSON text out, a fully validated {@link BusMessage} back in. Decoding checks with
 * the same hand-written {@link MessageCheck} as the send path (plus: every field the sender's
 * bus fills must be present), not with `busMessageSchema.parse`: on the Redis bus's consumer
 * side the zod parse measured ~12% of the process's CPU. The unit tests hold the two to the
 * same verdicts.
 */
import { AgentvisorError } from '../../core/index.js';
import type { BusMessage, BusMessageInput } from './bus-message.js';
import { isPlainObject } from './json-value.js';
import { invalidField, MessageCheck } from './message-check.js';

/** Fields a sender may leave to its bus but which a message on the wire must carry. */
const FILLED = ['id', 'timestamp', 'priority', 'conversationId', 'ttlMs', 'attempts'] as const;

/** The check used for decoding: no size limit (the sender enforced its own), no expiry. */
const wireCheck = new MessageCheck({
  maxPayloadBytes: Number.POSITIVE_INFINITY,
  defaultTtlMs: 1,
});

/**
 * The wire text of a message: JSON without absent optional fields.
 *
 * @example
 * const text = encodeMessage(msg);
 * decodeMessage(text); // deep-equals msg
 */
export function encodeMessage(message: BusMessage): string {
  return JSON.stringify(message);
}

function requireFilled(raw: Record<string, unknown>): void {
  for (const field of FILLED) {
    if (raw[field] === undefined)
      throw invalidField(field, 'a value (required on the wire)', undefined);
  }
  const payload = raw['payload'];
  if (isPlainObject(payload)) {
    if (payload['context'] === undefined) {
      throw invalidField('payload.context', 'a JSON object (required on the wire)', undefined);
    }
    if (payload['memoryRefs'] === undefined) {
      throw invalidField('payload.memoryRefs', 'an array (required on the wire)', undefined);
    }
  }
  const pai = raw['pai'];
  if (isPlainObject(pai)) {
    if (pai['verificationCriteria'] === undefined) {
      throw invalidField('pai.verificationCriteria', 'an array (required on the wire)', undefined);
    }
    if (pai['learningSignals'] === undefined) {
      throw invalidField('pai.learningSignals', 'an array (required on the wire)', undefined);
    }
  }
}

/**
 * Parses and validates wire text. Throws INPUT_INVALID naming the first bad field.
 *
 * @example
 * const msg = decodeMessage(entryText);
 */
export function decodeMessage(text: string): BusMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new AgentvisorError('INPUT_INVALID', `message: not JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
  if (!isPlainObject(raw)) throw invalidField('', 'a message object', raw);
  requireFilled(raw);
  return wireCheck.normalize(raw as unknown as BusMessageInput, Number.NEGATIVE_INFINITY);
}

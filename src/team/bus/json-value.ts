/**
 * @module What counts as JSON in a message: plain objects, arrays, strings, finite numbers,
 * booleans and null, nested at most {@link MAX_JSON_NESTING} deep. The zod schemas use this
 * predicate; the send path enforces the same rule inside its size bound (`message-check.ts`).
 * As in JSON itself (RFC 8785 §3.2.2.3), -0 is written as 0: the in-process bus hands over the
 * sender's -0, any bus that serialises delivers 0.
 */

/** Deepest nesting accepted; deeper input is also how a cycle shows. */
export const MAX_JSON_NESTING = 100;

/** True for an object literal (or `Object.create(null)`), not a Date, Map or class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * True when `value` is JSON that survives a round trip unchanged (members holding undefined
 * are allowed: JSON leaves them out, as the message check does).
 *
 * @example
 * isJsonValue({ a: [1, 'x', null] }); // true
 * isJsonValue({ when: new Date() }); // false
 */
export function isJsonValue(value: unknown, depth = 0): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth >= MAX_JSON_NESTING) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (item === undefined || !isJsonValue(item, depth + 1)) return false;
    return true;
  }
  if (!isPlainObject(value)) return false;
  for (const key in value) {
    const item = value[key];
    if (item !== undefined && !isJsonValue(item, depth + 1)) return false;
  }
  return true;
}

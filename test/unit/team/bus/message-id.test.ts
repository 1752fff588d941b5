/** Message ids: valid UUIDv7 by core's own check, unique, and monotonic even on a stuck clock. */
import { describe, expect, it } from 'vitest';
import { isUuidV7 } from '../../../../src/core/index.js';
import { IsoTimestamps, MessageIdGenerator } from '../../../../src/team/bus/message-id.js';

describe('MessageIdGenerator', () => {
  it('makes valid, unique, increasing UUIDv7 ids, also beyond 4,096 in one millisecond', () => {
    const ids = new MessageIdGenerator();
    const seen = new Set<string>();
    let previous = '';
    for (let i = 0; i < 20_000; i++) {
      const id = ids.next(1_767_225_600_000);
      expect(isUuidV7(id)).toBe(true);
      expect(id > previous).toBe(true);
      seen.add(id);
      previous = id;
    }
    expect(seen.size).toBe(20_000);
    // The clock going backwards does not make ids go backwards.
    expect(ids.next(1_000) > previous).toBe(true);
  });

  it('encodes the creation time in the first 48 bits', () => {
    const ms = Date.parse('2026-05-01T12:00:00.000Z');
    const id = new MessageIdGenerator().next(ms);
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(ms);
  });
});

describe('IsoTimestamps', () => {
  it('formats like Date#toISOString', () => {
    const iso = new IsoTimestamps();
    for (const ms of [0, 1, 1_767_225_600_123, 1_767_225_600_123, 4_102_444_800_000]) {
      expect(iso.at(ms)).toBe(new Date(ms).toISOString());
    }
  });
});

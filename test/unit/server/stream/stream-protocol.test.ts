import { describe, expect, it } from 'vitest';
import {
  conversationChannel,
  isStreamChannel,
  MAX_CONTENT_CHARS,
  parseClientMessage,
} from '../../../../src/server/stream/index.js';

const CONVERSATION = '0190a0b0-0000-7000-8000-000000000001';

describe('stream protocol', () => {
  it('knows the fixed channels and conversation channels', () => {
    for (const name of ['agents', 'faults', 'tasks', 'thoughts', 'tools', 'ledger', 'approvals']) {
      expect(isStreamChannel(name)).toBe(true);
    }
    expect(isStreamChannel('budgets')).toBe(true);
    expect(isStreamChannel('runs')).toBe(true);
    expect(isStreamChannel(conversationChannel(CONVERSATION))).toBe(true);
    expect(isStreamChannel('conversation:not-a-uuid')).toBe(false);
    expect(isStreamChannel('secrets')).toBe(false);
  });

  it('parses each client message type', () => {
    expect(parseClientMessage('{"type":"ping","requestId":"r1"}')).toEqual({
      ok: true,
      message: { type: 'ping', requestId: 'r1' },
    });
    expect(
      parseClientMessage(JSON.stringify({ type: 'subscribe', channels: ['tasks'], lastId: 4 })),
    ).toEqual({ ok: true, message: { type: 'subscribe', channels: ['tasks'], lastId: 4 } });
    expect(
      parseClientMessage(JSON.stringify({ type: 'unsubscribe', channels: ['tasks'] })).ok,
    ).toBe(true);
    expect(
      parseClientMessage(
        JSON.stringify({ type: 'send_message', conversationId: CONVERSATION, content: 'hi' }),
      ).ok,
    ).toBe(true);
  });

  it('says what was wrong and what is allowed', () => {
    expect(parseClientMessage('{nope')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/expected a JSON object/),
    });
    expect(parseClientMessage('[1]')).toMatchObject({ ok: false });
    expect(parseClientMessage('{"type":"shout","requestId":"r9"}')).toEqual({
      ok: false,
      message: 'type: expected one of subscribe, unsubscribe, send_message, ping, got "shout"',
      requestId: 'r9',
    });
    const badChannel = parseClientMessage('{"type":"subscribe","channels":["tasks","secrets"]}');
    expect(badChannel).toMatchObject({ ok: false });
    expect(!badChannel.ok && badChannel.message).toMatch(
      /channels\[1\]: unknown channel "secrets"; allowed: agents, .*conversation:<uuid>/,
    );
    expect(parseClientMessage('{"type":"subscribe","channels":["tasks"],"lastId":-1}').ok).toBe(
      false,
    );
    expect(parseClientMessage('{"type":"ping","extra":1}').ok).toBe(false);
    const long = parseClientMessage(
      JSON.stringify({
        type: 'send_message',
        conversationId: CONVERSATION,
        content: 'x'.repeat(MAX_CONTENT_CHARS + 1),
      }),
    );
    expect(!long.ok && long.message).toMatch(/content: at most 50000 characters/);
  });
});

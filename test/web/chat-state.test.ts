/**
 * @module The chat's live state: streamed answers (chunks, then the final message), chunks that
 * overtake their message, and which agents are working for a run.
 */
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../web/src/api/api-types.js';
import { checkFile, checkMessage, checkText } from '../../web/src/chat/attachments.js';
import {
  applyChatEvent,
  applyRunEvent,
  EMPTY_CHAT,
  upsertMessage,
} from '../../web/src/chat/chat-state.js';

function message(
  id: string,
  role: ChatMessage['role'],
  extra: Partial<ChatMessage> = {},
): ChatMessage {
  return {
    id,
    role,
    content: '',
    status: 'complete',
    runId: null,
    createdAt: `2026-01-01T00:00:0${id.slice(-1)}.000Z`,
    ...extra,
  };
}

describe('applyChatEvent', () => {
  it('streams progress notes into an answer, then replaces it with the final message', () => {
    let state = upsertMessage(EMPTY_CHAT, message('m1', 'user', { content: 'Do it' }));
    state = applyChatEvent(
      state,
      'message',
      message('m2', 'assistant', { status: 'streaming', runId: 'r1' }),
    );
    state = applyChatEvent(state, 'message_chunk', { messageId: 'm2', content: '**plan**: ok\n' });
    state = applyChatEvent(state, 'message_chunk', {
      messageId: 'm2',
      content: '→ coder (dev): build\n',
    });
    expect(state.progress['m2']).toBe('**plan**: ok\n→ coder (dev): build\n');
    state = applyChatEvent(
      state,
      'message_complete',
      message('m2', 'assistant', { content: 'Done.', status: 'complete', runId: 'r1' }),
    );
    expect(state.messages.map((m) => [m.id, m.status, m.content])).toEqual([
      ['m1', 'complete', 'Do it'],
      ['m2', 'complete', 'Done.'],
    ]);
    expect(state.progress['m2']).toContain('coder');
  });

  it('shows a chunk that overtook its message as an answer being written', () => {
    const state = applyChatEvent(EMPTY_CHAT, 'message_chunk', {
      messageId: 'm9',
      runId: 'r9',
      content: 'starting\n',
    });
    expect(state.messages).toHaveLength(1);
    expect(state.messages[0]).toMatchObject({
      id: 'm9',
      role: 'assistant',
      status: 'streaming',
      runId: 'r9',
    });
  });

  it('ignores events it cannot read', () => {
    expect(applyChatEvent(EMPTY_CHAT, 'message', { nope: true })).toBe(EMPTY_CHAT);
    expect(applyChatEvent(EMPTY_CHAT, 'message_chunk', { messageId: 1 })).toBe(EMPTY_CHAT);
    expect(applyChatEvent(EMPTY_CHAT, 'agent_status', {})).toBe(EMPTY_CHAT);
  });
});

describe('applyRunEvent', () => {
  it('follows the phase and which agent works on what', () => {
    let runs = applyRunEvent({}, { kind: 'phase', runId: 'r1', phase: 'plan', ok: true });
    runs = applyRunEvent(runs, {
      kind: 'handoff',
      runId: 'r1',
      agent: 'coder',
      role: 'dev',
      title: 'Build',
    });
    runs = applyRunEvent(runs, {
      kind: 'handoff',
      runId: 'r1',
      agent: 'tester',
      role: 'qa',
      title: 'Test',
    });
    runs = applyRunEvent(runs, {
      kind: 'subtask',
      runId: 'r1',
      agent: 'coder',
      status: 'completed',
    });
    expect(runs['r1']?.phase).toBe('plan');
    expect(runs['r1']?.agents.map((a) => [a.agent, a.status])).toEqual([
      ['coder', 'completed'],
      ['tester', 'working'],
    ]);
    runs = applyRunEvent(runs, { kind: 'status', runId: 'r1', status: 'completed' });
    expect(runs['r1']?.status).toBe('completed');
  });
});

describe('attachments', () => {
  it('takes the text files the server takes, within its limits', () => {
    expect(checkFile({ name: 'notes.md', size: 100 }, [])).toBeUndefined();
    expect(checkFile({ name: 'photo.png', size: 100 }, [])).toMatch(
      /\.png files cannot be attached/,
    );
    expect(checkFile({ name: 'big.txt', size: 300 * 1024 }, [])).toMatch(/at most 256 KiB/);
    const five = Array.from({ length: 5 }, (_, i) => ({ name: `${i}.txt`, size: 1, content: 'x' }));
    expect(checkFile({ name: 'six.txt', size: 1 }, five)).toMatch(/At most 5 files/);
    expect(checkFile({ name: '0.txt', size: 1 }, five.slice(0, 1))).toMatch(/attached already/);
  });

  it('refuses binary content and messages too long for the team', () => {
    expect(checkText('a.txt', 'hello\nworld')).toBeUndefined();
    expect(checkText('a.txt', 'PK\u0003\u0004\u0000\u0000')).toMatch(/not look like a text file/);
    expect(checkMessage('   ', [])).toMatch(/Write a message/);
    expect(checkMessage('x'.repeat(50_001), [])).toMatch(/at most 50000/);
    expect(
      checkMessage('hi', [{ name: 'a.txt', size: 70_000, content: 'y'.repeat(70_000) }]),
    ).toMatch(/at most 64 KiB/);
    expect(checkMessage('hi', [{ name: 'a.txt', size: 5, content: 'small' }])).toBeUndefined();
  });
});

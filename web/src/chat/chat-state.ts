/**
 * @module The chat's state and how live events change it, kept pure so it is tested on its own.
 * A sent message's answer arrives as `message_chunk` events (progress notes of the team's run:
 * phases, hand-offs, finished subtasks) and ends with `message_complete`, which carries the
 * final answer. The notes are kept apart from the answer so they can still be read after it.
 * `run_event`s of the conversation's runs say which agents are working on what.
 */
// With `.js`: the unit tests compile this module under the root tsconfig (NodeNext).
import type { ChatMessage } from '../api/api-types.js';

/** Messages, and the progress notes of each answer. */
export interface ChatState {
  readonly messages: readonly ChatMessage[];
  readonly progress: Readonly<Record<string, string>>;
}

/** An empty chat. */
export const EMPTY_CHAT: ChatState = { messages: [], progress: {} };

function byTime(a: ChatMessage, b: ChatMessage): number {
  return a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);
}

/** Adds or replaces a message (by id), keeping the list in time order. */
export function upsertMessage(state: ChatState, message: ChatMessage): ChatState {
  const at = state.messages.findIndex((m) => m.id === message.id);
  if (at < 0) return { ...state, messages: [...state.messages, message].sort(byTime) };
  const messages = [...state.messages];
  messages[at] = { ...messages[at]!, ...message };
  return { ...state, messages };
}

function isMessage(value: unknown): value is ChatMessage {
  const m = value as Partial<ChatMessage> | null;
  return typeof m?.id === 'string' && typeof m.content === 'string' && typeof m.role === 'string';
}

/**
 * Applies one event of a `conversation:<id>` channel.
 *
 * @example
 * state = applyChatEvent(state, 'message_chunk', { messageId: 'm1', content: '**plan**: …' });
 */
export function applyChatEvent(state: ChatState, type: string, data: unknown): ChatState {
  if (type === 'message' || type === 'message_complete') {
    return isMessage(data) ? upsertMessage(state, data) : state;
  }
  if (type !== 'message_chunk') return state;
  const chunk = (data ?? {}) as { messageId?: unknown; content?: unknown; runId?: unknown };
  if (typeof chunk.messageId !== 'string' || typeof chunk.content !== 'string') return state;
  let next = state;
  if (!state.messages.some((m) => m.id === chunk.messageId)) {
    // The chunk overtook the message itself: show the answer as being written.
    next = upsertMessage(state, {
      id: chunk.messageId,
      role: 'assistant',
      content: '',
      status: 'streaming',
      runId: typeof chunk.runId === 'string' ? chunk.runId : null,
      createdAt: new Date().toISOString(),
    });
  }
  return {
    ...next,
    progress: {
      ...next.progress,
      [chunk.messageId]: (next.progress[chunk.messageId] ?? '') + chunk.content,
    },
  };
}

/** What one agent is doing for a run. */
export interface AgentWork {
  readonly agent: string;
  readonly role: string;
  readonly title: string;
  readonly status: 'working' | 'completed' | 'failed' | 'cancelled';
}

/** What the team is doing for one run. */
export interface RunActivity {
  readonly runId: string;
  readonly phase?: string;
  readonly status?: string;
  readonly agents: readonly AgentWork[];
}

/**
 * Applies a `run_event` to the activity of the runs a conversation follows.
 *
 * @example
 * runs = applyRunEvent(runs, { kind: 'handoff', runId, agent: 'coder', role: 'developer', title: 'Write it' });
 */
export function applyRunEvent(
  runs: Readonly<Record<string, RunActivity>>,
  data: unknown,
): Record<string, RunActivity> {
  const e = (data ?? {}) as Record<string, unknown>;
  const runId = e['runId'];
  if (typeof runId !== 'string') return { ...runs };
  const run: RunActivity = runs[runId] ?? { runId, agents: [] };
  const text = (key: string) => (typeof e[key] === 'string' ? (e[key] as string) : '');
  switch (e['kind']) {
    case 'phase':
      return { ...runs, [runId]: { ...run, phase: text('phase') } };
    case 'status':
      return { ...runs, [runId]: { ...run, status: text('status') } };
    case 'handoff': {
      const work: AgentWork = {
        agent: text('agent'),
        role: text('role'),
        title: text('title'),
        status: 'working',
      };
      return {
        ...runs,
        [runId]: {
          ...run,
          agents: [
            ...run.agents.filter((a) => a.agent !== work.agent || a.title !== work.title),
            work,
          ],
        },
      };
    }
    case 'subtask': {
      const agent = text('agent');
      const status = (
        ['completed', 'failed', 'cancelled'].includes(text('status')) ? text('status') : 'completed'
      ) as AgentWork['status'];
      let done = false;
      const agents = run.agents.map((a) => {
        if (done || a.agent !== agent || a.status !== 'working') return a;
        done = true;
        return { ...a, status };
      });
      return { ...runs, [runId]: { ...run, agents } };
    }
    default:
      return { ...runs };
  }
}

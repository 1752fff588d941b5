/**
 * @module One line of text for each kind of live event (the payloads of
 * `src/server/stream/stream-sources.ts`), so the overview, the agent page and the chat describe
 * an event the same way.
 */
import type { StreamEvent } from '../stream/stream-client';
import { formatMicros, humanize, shortId } from './formatting';

/** An event as a person reads it. */
export interface EventText {
  readonly title: string;
  readonly detail?: string;
  /** Mantine color of its marker. */
  readonly color: string;
}

function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : fallback;
}

function who(data: Record<string, unknown>): string {
  return str(data['agent'], str(data['actor'], 'someone'));
}

/**
 * Describes `event`.
 *
 * @example
 * describeEvent({ type: 'agent_status', data: { agent: 'coder', from: 'active', state: 'fault' } ... });
 * // { title: 'coder: active → fault', color: 'red', ... }
 */
export function describeEvent(event: StreamEvent): EventText {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const reason = str(data['reason']) || undefined;
  switch (event.type) {
    case 'agent_status': {
      const state = str(data['state']);
      return {
        title: `${who(data)}: ${humanize(str(data['from'], '?'))} → ${humanize(state)}`,
        ...(reason === undefined ? {} : { detail: reason }),
        color:
          state === 'fault' || state === 'failed' ? 'red' : state === 'active' ? 'green' : 'blue',
      };
    }
    case 'fault':
      return {
        title: `Fault in ${who(data)} (${humanize(str(data['kind'], 'fault'))})`,
        ...(reason === undefined ? {} : { detail: reason }),
        color: 'red',
      };
    case 'task_update': {
      const status = str(data['status']);
      return {
        title: `Task “${str(data['title'], shortId(str(data['id'])))}” ${humanize(status)}`,
        color: status === 'failed' ? 'red' : status === 'completed' ? 'green' : 'blue',
      };
    }
    case 'approval': {
      const status = str(data['status']);
      return {
        title: `${humanize(str(data['kind'], 'approval'))} for ${who(data)}: ${humanize(status)}`,
        detail: str(data['summary']),
        color: status === 'pending' ? 'yellow' : status === 'approved' ? 'green' : 'gray',
      };
    }
    case 'budget_alert': {
      const fraction = Number(data['fraction']);
      return {
        title: `Budget ${str(data['budget'], '?')} at ${Number.isFinite(fraction) ? Math.round(fraction * 100) : '?'}% (${humanize(str(data['action'], 'alert'))})`,
        color: 'orange',
      };
    }
    case 'run_event':
      return describeRunEvent(data);
    case 'thought':
      return {
        title: `${who(data)} ${str(data['step'], 'thought')}: ${str(data['outcome'])}`,
        detail: formatMicros(Number(data['durationUs'])),
        color: str(data['outcome']) === 'ok' ? 'teal' : 'red',
      };
    case 'tool_call':
      return {
        title: `${who(data)} tool call: ${str(data['outcome'])}`,
        detail: formatMicros(Number(data['durationUs'])),
        color: str(data['outcome']) === 'ok' ? 'grape' : 'red',
      };
    case 'ledger_append':
      return {
        title: `Ledger #${str(data['seq'])}: ${str(data['op'])} by ${str(data['actor'])}`,
        detail: str(data['outcome']),
        color: 'gray',
      };
    case 'alert': {
      const alert = (data['alert'] ?? {}) as Record<string, unknown>;
      const transition = str(data['transition'], str(alert['state']));
      return {
        title: `Alert ${str(alert['rule'], '?')} ${transition} (${str(alert['severity'], 'alert')})`,
        detail: str(alert['summary']),
        color:
          transition === 'firing' || transition === 'repeat'
            ? 'red'
            : transition === 'resolved'
              ? 'green'
              : 'yellow',
      };
    }
    case 'message':
    case 'message_chunk':
    case 'message_complete':
      return { title: `Chat ${event.type.replace('message_', '')}`, color: 'blue' };
    default:
      return { title: event.type, color: 'gray' };
  }
}

function describeRunEvent(data: Record<string, unknown>): EventText {
  const run = shortId(str(data['runId']));
  switch (data['kind']) {
    case 'phase':
      return {
        title: `Run ${run}: ${humanize(str(data['phase']))} ${data['ok'] === false ? 'failed' : 'done'}`,
        detail: str(data['summary']),
        color: data['ok'] === false ? 'red' : 'indigo',
      };
    case 'handoff':
      return {
        title: `Run ${run}: “${str(data['title'])}” handed to ${str(data['agent'])} (${str(data['role'])})`,
        color: 'cyan',
      };
    case 'subtask':
      return {
        title: `Run ${run}: ${str(data['agent'])} ${humanize(str(data['status']))} a subtask`,
        detail: str(data['result']),
        color: data['status'] === 'completed' ? 'green' : 'red',
      };
    default:
      return {
        title: `Run ${run} ${humanize(str(data['status']))}`,
        ...(typeof data['result'] === 'string' ? { detail: data['result'] } : {}),
        color:
          data['status'] === 'failed' ? 'red' : data['status'] === 'completed' ? 'green' : 'indigo',
      };
  }
}

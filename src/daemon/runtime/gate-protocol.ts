/**
 * @module The messages between a host and an agent running in a worker thread or a child
 * process. The agent asks for kernel operations; the host answers with results or typed errors.
 * The channel itself is the agent's credential: the host created it for one agent, so a call on
 * it is that agent's call, whatever the message says.
 */
import type { ErrorCode } from '../../core/index.js';
import type { BeatReport } from './heartbeat-engine.js';

/** A serialisable definition of the daemon to build inside the isolate. */
export interface IsolatedAgentSpec {
  readonly id: string;
  readonly name: string;
  readonly role: string;
  readonly description: string;
  readonly model: string | undefined;
  readonly deliberation: 'llm' | 'utility';
  readonly constitution: readonly { id: string; text: string; priority: number }[];
  readonly maxToolCallsPerBeat: number;
  readonly heartbeat: { readonly baseMs: number; readonly maxMs: number };
  readonly recovery: Readonly<Record<string, string>>;
  /** The attention filter of the isolate's perceiver (`perception.attention`). */
  readonly attention?: { readonly threshold: number; readonly maxPerBeat: number };
  readonly maxBeats: number | null;
  readonly maxTokensPerHour: number | null;
}

/** Host → agent. */
export type HostMessage =
  | { readonly type: 'init'; readonly spec: IsolatedAgentSpec }
  | { readonly type: 'reply'; readonly id: number; readonly ok: true; readonly result: unknown }
  | {
      readonly type: 'reply';
      readonly id: number;
      readonly ok: false;
      readonly error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
    }
  | {
      readonly type: 'control';
      readonly command: 'start' | 'stop' | 'wake' | 'suspend' | 'resume';
      readonly reason?: string;
    }
  | { readonly type: 'run-until-idle'; readonly maxBeats: number };

/** Agent → host. */
export type AgentMessage =
  /** Modules loaded; waiting for `init` (a spare isolate sits here). */
  | { readonly type: 'booted' }
  | { readonly type: 'ready' }
  | { readonly type: 'call'; readonly id: number; readonly op: string; readonly args: unknown }
  | { readonly type: 'beat'; readonly report: BeatReport }
  | {
      readonly type: 'beat-error';
      readonly kind: string;
      readonly beat: number;
      readonly action: string;
      readonly message: string;
    }
  | { readonly type: 'status'; readonly status: string; readonly reason?: string }
  | {
      readonly type: 'idle-run-done';
      readonly reports: readonly BeatReport[];
      readonly error?: string;
    }
  | { readonly type: 'stopped' };

/** Either side's end of a channel (a child process or a worker thread). */
export interface MessageChannelEnd<Out, In> {
  send(message: Out): void;
  onMessage(listener: (message: In) => void): void;
}

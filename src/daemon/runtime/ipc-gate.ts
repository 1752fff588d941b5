/**
 * @module The gate over a message channel: {@link IpcGate} on the agent's side, and
 * {@link serveGate} on the host's side, which runs each request through the real kernel with
 * the channel's agent as caller.
 */
import {
  AgentvisorError,
  type CallerRef,
  type Kernel,
  toAgentvisorError,
} from '../../core/index.js';
import type { AgentGate } from './agent-gate.js';
import type { AgentMessage, HostMessage, MessageChannelEnd } from './gate-protocol.js';

/** The agent's side: each call is a request answered by the host. */
export class IpcGate implements AgentGate {
  readonly caller: CallerRef;
  readonly #channel: MessageChannelEnd<AgentMessage, HostMessage>;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  #next = 0;

  constructor(caller: CallerRef, channel: MessageChannelEnd<AgentMessage, HostMessage>) {
    this.caller = caller;
    this.#channel = channel;
    channel.onMessage((message) => {
      if (message.type !== 'reply') return;
      const pending = this.#pending.get(message.id);
      if (pending === undefined) return;
      this.#pending.delete(message.id);
      if (message.ok) pending.resolve(message.result);
      else {
        pending.reject(
          new AgentvisorError(message.error.code, message.error.message, {
            ...(message.error.details === undefined ? {} : { details: message.error.details }),
          }),
        );
      }
    });
  }

  call<R = unknown>(op: string, args: unknown): Promise<R> {
    const id = ++this.#next;
    return new Promise<R>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#channel.send({ type: 'call', id, op, args });
    });
  }
}

/** The host's side: answers `call` messages through the kernel as `caller`. */
export function serveGate(
  kernel: Kernel,
  caller: CallerRef,
  channel: MessageChannelEnd<HostMessage, AgentMessage>,
): void {
  channel.onMessage((message) => {
    if (message.type !== 'call') return;
    kernel.call(caller, message.op, message.args).then(
      ({ result }) => channel.send({ type: 'reply', id: message.id, ok: true, result }),
      (error: unknown) => {
        const e = toAgentvisorError(error);
        channel.send({
          type: 'reply',
          id: message.id,
          ok: false,
          error: {
            code: e.code,
            message: e.message,
            ...(e.details === undefined ? {} : { details: e.details }),
          },
        });
      },
    );
  });
}

/**
 * @module The only door an agent has to the world. The daemon loop never touches the store, the
 * gateway or a tool directly: it calls kernel operations through an {@link AgentGate}. Inline
 * agents call the kernel as a function; worker and process agents call the same kernel over a
 * message channel, so isolation changes the transport, never the rules or the record.
 */
import type { CallerRef, Kernel } from '../../core/index.js';

/** Calls kernel operations as one agent. */
export interface AgentGate {
  /** The agent's principal as the kernel knows it. */
  readonly caller: CallerRef;
  call<R = unknown>(op: string, args: unknown): Promise<R>;
}

/** An {@link AgentGate} for an agent running in the kernel's own thread. */
export class InlineGate implements AgentGate {
  readonly caller: CallerRef;
  readonly #kernel: Kernel;

  constructor(kernel: Kernel, caller: CallerRef) {
    this.#kernel = kernel;
    this.caller = caller;
  }

  async call<R = unknown>(op: string, args: unknown): Promise<R> {
    const { result } = await this.#kernel.call<R>(this.caller, op, args);
    return result;
  }
}

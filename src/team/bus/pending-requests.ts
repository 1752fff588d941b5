/**
 * @module Requests waiting for their reply, keyed by the request's message id (which the reply
 * carries as `correlationId`), each with its own timeout.
 */
import { AgentvisorError } from '../../core/index.js';
import type { BusMessage } from './bus-message.js';

interface Pending {
  readonly resolve: (reply: BusMessage) => void;
  readonly reject: (error: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * The requests of one bus instance that await a reply.
 *
 * @example
 * const reply = pending.wait(request, 5_000); // then pending.settle(replyMessage)
 */
export class PendingRequests {
  readonly #pending = new Map<string, Pending>();
  /** Replies that came after their request timed out (or for no request of ours). */
  late = 0;

  /** Resolves with the reply to `request`, or rejects with TIMEOUT after `timeoutMs`. */
  wait(request: BusMessage, timeoutMs: number): Promise<BusMessage> {
    return new Promise<BusMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(request.id);
        reject(
          new AgentvisorError(
            'TIMEOUT',
            `no reply to ${request.type} ${request.id} from ${request.target} within ${timeoutMs} ms`,
            { details: { id: request.id, target: request.target, timeoutMs } },
          ),
        );
      }, timeoutMs);
      this.#pending.set(request.id, { resolve, reject, timer });
    });
  }

  /** True when a request with this id is waiting. */
  has(id: string): boolean {
    return this.#pending.has(id);
  }

  /** Hands `reply` to its request; false when none waits (counted as late). */
  settle(reply: BusMessage): boolean {
    const id = reply.correlationId;
    const pending = id === undefined ? undefined : this.#pending.get(id);
    if (pending === undefined || id === undefined) {
      this.late++;
      return false;
    }
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    pending.resolve(reply);
    return true;
  }

  /** Fails the request `id` (its send was refused). */
  fail(id: string, error: Error): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    pending.reject(error);
  }

  /** Fails every waiting request with `error`. */
  failAll(error: Error): void {
    for (const id of [...this.#pending.keys()]) this.fail(id, error);
  }
}

/**
 * @module An in-process bus for signals addressed to agents: listeners per agent or for all,
 * unsubscribe by calling what `subscribe` returned. Delivery is synchronous and isolated: a
 * listener that throws (or returns a rejected promise) is reported to `onListenerError` and
 * the others still run. Listener lists are copied on change, not on publish, so publishing
 * allocates nothing and a listener may unsubscribe itself mid-delivery.
 */
import type { ResourceSignal } from './resource-signal.js';

/** Anything addressed to one agent. */
export interface AgentSignal {
  readonly agentId: string;
}

/** Receives signals; a returned promise is not awaited, but its rejection is caught. */
export type SignalListener<S> = (signal: S) => void | Promise<void>;

/** Options for {@link SignalBus}. */
export interface SignalBusOptions<S> {
  /** Told about every listener failure; default: counted only (see `listenerErrors`). */
  onListenerError?: (error: unknown, signal: S) => void;
}

/**
 * Delivers typed signals to per-agent and catch-all listeners.
 *
 * @example
 * const bus = new SignalBus<ResourceSignal>();
 * const off = bus.subscribe('a1', (s) => { if (s.action === 'throttle') daemon.slowDown(); });
 * bus.publish(signal);
 * off();
 */
export class SignalBus<S extends AgentSignal = ResourceSignal> {
  readonly #byAgent = new Map<string, readonly SignalListener<S>[]>();
  #all: readonly SignalListener<S>[] = [];
  readonly #onError: ((error: unknown, signal: S) => void) | undefined;
  #errors = 0;

  constructor(options: SignalBusOptions<S> = {}) {
    this.#onError = options.onListenerError;
  }

  /** Listens to one agent's signals. Returns the unsubscribe function (idempotent). */
  subscribe(agentId: string, listener: SignalListener<S>): () => void {
    this.#byAgent.set(agentId, [...(this.#byAgent.get(agentId) ?? []), listener]);
    return () => {
      const current = this.#byAgent.get(agentId);
      if (current === undefined) return;
      const rest = current.filter((l) => l !== listener);
      if (rest.length === 0) this.#byAgent.delete(agentId);
      else this.#byAgent.set(agentId, rest);
    };
  }

  /** Listens to every agent's signals. Returns the unsubscribe function (idempotent). */
  subscribeAll(listener: SignalListener<S>): () => void {
    this.#all = [...this.#all, listener];
    return () => {
      this.#all = this.#all.filter((l) => l !== listener);
    };
  }

  /** Drops every listener of one agent (when it is removed). */
  clear(agentId: string): void {
    this.#byAgent.delete(agentId);
  }

  /** Listeners that would receive a signal for `agentId` (its own plus the catch-all ones). */
  listenerCount(agentId: string): number {
    return (this.#byAgent.get(agentId)?.length ?? 0) + this.#all.length;
  }

  /** Listener failures since the bus was created. */
  get listenerErrors(): number {
    return this.#errors;
  }

  /**
   * Delivers a signal to the agent's listeners, then the catch-all ones, in subscription order.
   * Returns how many listeners it reached.
   */
  publish(signal: S): number {
    const own = this.#byAgent.get(signal.agentId);
    const all = this.#all;
    if (own !== undefined) for (const l of own) this.#deliver(l, signal);
    for (const l of all) this.#deliver(l, signal);
    return (own?.length ?? 0) + all.length;
  }

  #deliver(listener: SignalListener<S>, signal: S): void {
    try {
      const result = listener(signal);
      if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
        (result as Promise<void>).then(undefined, (err: unknown) => this.#failed(err, signal));
      }
    } catch (err) {
      this.#failed(err, signal);
    }
  }

  #failed(error: unknown, signal: S): void {
    this.#errors++;
    try {
      this.#onError?.(error, signal);
    } catch {
      // An error reporter that throws must not break delivery either.
    }
  }
}

/**
 * @module The default bus: every agent in one process. A send checks the message, takes a
 * rate-limit token and pushes one delivery onto the target consumer's {@link DeliveryQueue};
 * handlers run from a microtask, in batches, with no timer, no copy and no serialisation on the
 * way (the handler receives the sender's object: treat messages as immutable). Consumers stay
 * known after their subscription closes and keep queueing, up to their capacity, so a restart
 * of an agent picks up where it stopped. Nothing survives the process; use
 * {@link RedisStreamsBus} for durability and several processes.
 */
import { AgentvisorError } from '../../core/index.js';
import type {
  BusKind,
  BusOptions,
  ConsumerSpec,
  ConsumerStats,
  MessageHandler,
  SubscribeOptions,
  Subscription,
} from './bus.js';
import {
  BusCore,
  backpressureError,
  checkConsumer,
  closedError,
  positiveOption,
  resolveBusOptions,
  unknownTargetError,
} from './bus-core.js';
import type { BusMessage } from './bus-message.js';
import { InMemoryDeadLetterStore } from './dead-letter.js';
import { type Delivery, DeliveryRunner } from './delivery.js';
import { DeliveryQueue } from './delivery-queue.js';
import { InMemoryProcessedLog } from './processed-log.js';

interface ConsumerEntry {
  readonly name: string;
  roles: string[];
  readonly queue: DeliveryQueue<Delivery>;
  subscription: Subscription | undefined;
}

type Route =
  | { readonly kind: 'agent'; readonly entry: ConsumerEntry }
  | { readonly kind: 'role'; readonly members: readonly ConsumerEntry[] };

/** FNV-1a: a cheap, stable spread of conversations over a role's members. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The in-process {@link Bus}.
 *
 * A message to `role:NAME` goes to one member of the role, chosen by its conversation id among
 * the members subscribed now (so one conversation stays with one member while membership is
 * stable), and is deduplicated per role. A broadcast goes to every known consumer but the
 * sender, deduplicated per agent.
 *
 * @example
 * const bus = new InProcessBus();
 * await bus.subscribe({ name: 'code', roles: ['coder'] }, (msg) => console.log(msg.payload.action));
 * await bus.send({ source: 'lead', target: 'agent:code', type: 'task', payload: { action: 'build' } });
 */
export class InProcessBus extends BusCore<Delivery> {
  readonly kind: BusKind = 'in-process';
  readonly #consumers = new Map<string, ConsumerEntry>();
  readonly #roles = new Map<string, ConsumerEntry[]>();
  /** Target string to route; cleared whenever subscriptions change. */
  readonly #routes = new Map<string, Route>();

  constructor(options: BusOptions = {}) {
    const resolved = resolveBusOptions(options);
    super(
      resolved,
      new InMemoryDeadLetterStore(resolved.dlqMaxEntries),
      options.processedLog ?? new InMemoryProcessedLog(),
    );
  }

  async subscribe(
    consumer: ConsumerSpec,
    handler: MessageHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    if (this.closed) throw closedError();
    const { name, roles } = checkConsumer(consumer);
    const concurrency = positiveOption(options.concurrency, 'concurrency', 1);
    const capacity = positiveOption(options.maxInFlight, 'maxInFlight', this.options.queueCapacity);
    if (typeof handler !== 'function') {
      throw new AgentvisorError('INPUT_INVALID', 'subscribe: handler must be a function');
    }
    let entry = this.#consumers.get(name);
    if (entry === undefined) {
      entry = {
        name,
        roles: [],
        queue: new DeliveryQueue<Delivery>({ capacity, clock: this.options.clock }),
        subscription: undefined,
      };
      this.#consumers.set(name, entry);
    }
    if (entry.subscription !== undefined) {
      throw new AgentvisorError(
        'CONFLICT',
        `agent ${name} is already subscribed to this bus; close that subscription first`,
        { details: { consumer: name } },
      );
    }
    this.#setRoles(entry, roles);
    entry.queue.capacity = capacity;
    const subscription: Subscription = {
      consumer: { name, roles },
      close: async () => {
        if (entry.subscription !== subscription) return;
        entry.subscription = undefined;
        this.#routes.clear();
        await entry.queue.stop();
      },
    };
    entry.subscription = subscription;
    this.#routes.clear();
    entry.queue.start(new DeliveryRunner(this.host, name, handler).run, concurrency);
    return subscription;
  }

  protected dispatch(message: BusMessage, expiresAt: number, fresh: boolean): Promise<BusMessage> {
    const target = message.target;
    if (target === '*') return this.#broadcast(message, expiresAt, fresh);
    let route = this.#routes.get(target);
    if (route === undefined) {
      route = this.#resolve(target);
      if (route === undefined) {
        return Promise.reject(unknownTargetError(target, this.#knownTargets()));
      }
      this.#routes.set(target, route);
    }
    let entry: ConsumerEntry;
    let dedupeKey: string;
    if (route.kind === 'agent') {
      entry = route.entry;
      dedupeKey = entry.name;
    } else {
      const members = route.members;
      entry =
        members.length === 1
          ? members[0]!
          : members[hash(message.conversationId) % members.length]!;
      dedupeKey = target;
    }
    return this.#enqueue(entry, message, dedupeKey, expiresAt, fresh);
  }

  protected transmitReply(replyTo: string, reply: BusMessage): Promise<void> {
    // Another in-process bus cannot reach this one's consumers, so only our own requests wait.
    if (replyTo === this.instanceId) this.pending.settle(reply);
    else this.pending.late++;
    return Promise.resolve();
  }

  protected consumerStats(): ConsumerStats[] {
    return [...this.#consumers.values()].map((e) => ({
      name: e.name,
      roles: e.roles,
      online: e.subscription !== undefined,
      queued: e.queue.queued,
      running: e.queue.running,
    }));
  }

  protected async closeTransport(): Promise<void> {
    const error = closedError();
    await Promise.all(
      [...this.#consumers.values()].map((e) => {
        e.queue.rejectWaiters(error);
        e.subscription = undefined;
        return e.queue.stop();
      }),
    );
  }

  #enqueue(
    entry: ConsumerEntry,
    message: BusMessage,
    dedupeKey: string,
    expiresAt: number,
    fresh: boolean,
    /** Count it as a sent message (a broadcast counts once, not once per consumer). */
    count = true,
  ): Promise<BusMessage> {
    const delivery: Delivery = {
      message,
      dedupeKey,
      expiresAt,
      conversation: message.conversationId,
      priority: message.priority,
      attempt: 1,
      unseen: fresh,
      next: undefined,
      tail: undefined,
      running: false,
    };
    if (entry.queue.tryPush(delivery)) {
      if (count) this.counters.sent++;
      return Promise.resolve(message);
    }
    this.counters.throttled++;
    const timeout = this.options.sendTimeoutMs;
    return entry.queue
      .pushWhenSpace(delivery, timeout, () => backpressureError(message.target, timeout))
      .then(() => {
        if (count) this.counters.sent++;
        return message;
      });
  }

  #broadcast(message: BusMessage, expiresAt: number, fresh: boolean): Promise<BusMessage> {
    const sends: Promise<BusMessage>[] = [];
    for (const entry of this.#consumers.values()) {
      if (entry.name !== message.source) {
        sends.push(this.#enqueue(entry, message, entry.name, expiresAt, fresh, false));
      }
    }
    return Promise.all(sends).then(() => {
      this.counters.sent++;
      return message;
    });
  }

  #resolve(target: string): Route | undefined {
    if (target.startsWith('agent:')) {
      const entry = this.#consumers.get(target.slice(6));
      return entry === undefined ? undefined : { kind: 'agent', entry };
    }
    const members = this.#roles.get(target.slice(5));
    if (members === undefined || members.length === 0) return undefined;
    const online = members.filter((m) => m.subscription !== undefined);
    return { kind: 'role', members: online.length > 0 ? online : [...members] };
  }

  #setRoles(entry: ConsumerEntry, roles: string[]): void {
    for (const role of entry.roles) {
      const members = this.#roles.get(role)?.filter((m) => m !== entry) ?? [];
      if (members.length === 0) this.#roles.delete(role);
      else this.#roles.set(role, members);
    }
    for (const role of roles) {
      const members = this.#roles.get(role) ?? [];
      members.push(entry);
      this.#roles.set(role, members);
    }
    entry.roles = roles;
  }

  #knownTargets(): string[] {
    return [
      ...[...this.#consumers.keys()].map((n) => `agent:${n}`),
      ...[...this.#roles.keys()].map((r) => `role:${r}`),
    ];
  }
}

/**
 * @module The message bus of a running system, chosen by `bus.driver`: in-process (default) or
 * Redis Streams with consumer groups (several nodes share it). Every hosted agent is a consumer
 * (its name and role are targets) whose messages land in its durable inbox, under the bus
 * message's id so a redelivery is no second message, and wake its daemon. People and agents send
 * through kernel operations (`bus.send`, `bus.broadcast`, `bus.request`), so each message is
 * checked, rate limited per sender (seed 002: messages per minute per agent) and recorded. The
 * dead-letter queue is worked through `bus.dlq.*`; an alert past its threshold is a ledger entry.
 */
import { z } from 'zod';
import {
  AgentvisorError,
  type BusConfig,
  type Kernel,
  type LedgerStage,
  type Principal,
} from '../core/index.js';
import type { AgentHost } from '../daemon/index.js';
import {
  type Bus,
  type BusMessage,
  type BusMessageInput,
  InProcessBus,
  MESSAGE_TYPES,
  RedisStreamsBus,
  type Subscription,
} from '../team/index.js';
import type { Logger } from './logger.js';

/** How many sent messages `bus.messages` (and `bus tail`) can look back on. */
const RECENT = 1000;

/** The bus side of a running system. */
export interface BusSystem {
  readonly bus: Bus;
  close(): Promise<void>;
}

/** Options for {@link openBusSystem}. */
export interface BusSystemOptions {
  readonly config: BusConfig;
  /** The Redis URL (config or `AGENTVISOR_REDIS_URL`), for `driver: redis`. */
  readonly redisUrl: string | undefined;
  readonly redisKeyPrefix: string;
  readonly kernel: Kernel;
  readonly agents: AgentHost;
  readonly ledger: LedgerStage;
  readonly logger: Logger;
}

/** Opens the configured bus, subscribes the hosted agents and registers the bus operations. */
export async function openBusSystem(options: BusSystemOptions): Promise<BusSystem> {
  const { config, kernel, agents } = options;
  const common = {
    clock: kernel.clock,
    maxPayloadBytes: config.max_payload_bytes,
    queueCapacity: config.queue_capacity,
    retry: { maxAttempts: config.max_attempts },
    rateLimit: { perMinute: config.messages_per_minute },
    dlqAlertThreshold: config.dlq_alert_threshold,
  };
  let bus: Bus;
  if (config.driver === 'redis') {
    if (options.redisUrl === undefined || options.redisUrl === '') {
      throw new AgentvisorError(
        'CONFIG_INVALID',
        'bus.driver: "redis" needs a Redis server: set redis.url (or AGENTVISOR_REDIS_URL), or use driver "memory"',
      );
    }
    bus = await RedisStreamsBus.open({
      ...common,
      url: options.redisUrl,
      keyPrefix: `${options.redisKeyPrefix}bus`,
    });
  } else {
    bus = new InProcessBus(common);
  }
  const subscriptions: Subscription[] = [];
  try {
    for (const hosted of agents.list()) {
      const role = agents.definition(hosted.name).role;
      subscriptions.push(
        await bus.subscribe({ name: hosted.name, roles: [role] }, async (message) => {
          await agents.inbox.send(message.source, hosted.name, inboxBody(message), {
            subject: `bus:${message.type}`,
            // Per recipient: a broadcast is one message id delivered to every agent.
            id: `${message.id}.${hosted.name}`,
          });
          agents.spawned(hosted.name)?.daemon.wake();
        }),
      );
    }
  } catch (error) {
    await bus.close().catch(() => {});
    throw error;
  }
  bus.onAlert((alert) => {
    options.logger.warn({ alert }, 'message bus alert');
    options.ledger
      .append({
        type: 'bus.alert',
        actor: 'system:bus',
        subject: alert.kind,
        payload: { ...alert },
      })
      .catch(() => {
        // The ledger reports its own failures; the log line above still says it.
      });
  });
  const recent: { seq: number; message: BusMessage }[] = [];
  let seq = 0;
  const remember = (message: BusMessage) => {
    recent.push({ seq: ++seq, message });
    if (recent.length > RECENT) recent.shift();
    return message;
  };
  registerBusOperations(kernel, bus, remember, () => recent);
  return {
    bus,
    async close() {
      for (const s of subscriptions) await s.close().catch(() => {});
      await bus.close();
    },
  };
}

function inboxBody(message: BusMessage): string {
  const { action, context, taskId } = message.payload;
  const details =
    context !== undefined && Object.keys(context).length > 0 ? `\n${JSON.stringify(context)}` : '';
  return `[${message.type} from ${message.source}${taskId === undefined ? '' : `, task ${taskId}`}] ${action}${details}`;
}

/** The sender name a principal has on the bus (`human-alice` for people; names are lower case). */
function sourceOf(principal: Principal): string {
  const raw =
    principal.kind === 'agent'
      ? (principal.name ?? principal.id)
      : `${principal.kind}-${principal.id}`;
  const name = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 64);
  return /^[a-z]/.test(name) ? name : `x${name}`.slice(0, 64);
}

const payloadArg = z
  .object({
    taskId: z.string().max(200).optional(),
    // The bus bounds the whole payload in bytes (`bus.max_payload_bytes`).
    action: z
      .string()
      .min(1)
      .max(16 * 1024 * 1024),
    context: z.record(z.string(), z.unknown()).optional(),
    memoryRefs: z.array(z.string().max(200)).max(100).optional(),
  })
  .strict();

const messageArgs = z
  .object({
    target: z.string().min(1).max(200),
    type: z.enum(MESSAGE_TYPES, { error: `type: one of ${MESSAGE_TYPES.join(', ')}` }),
    priority: z.number().int().min(1).max(10).optional(),
    payload: payloadArg,
    pai: z.record(z.string(), z.unknown()).optional(),
    correlationId: z.string().max(200).optional(),
    conversationId: z.string().max(200).optional(),
    ttlMs: z
      .number()
      .int()
      .min(1)
      .max(7 * 86_400_000)
      .optional(),
  })
  .strict();

function toInput(principal: Principal, args: z.output<typeof messageArgs>): BusMessageInput {
  return {
    ...(Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined)) as typeof args),
    source: sourceOf(principal),
  } as BusMessageInput;
}

function registerBusOperations(
  kernel: Kernel,
  bus: Bus,
  remember: (m: BusMessage) => BusMessage,
  recent: () => readonly { seq: number; message: BusMessage }[],
): void {
  const facts = (m: BusMessage | undefined) =>
    m === undefined ? {} : { message: m.id, target: m.target, type: m.type };
  kernel.register({
    name: 'bus.send',
    description:
      'Sends a message (seed 002 schema) to an agent (agent:NAME) or a role (role:NAME).',
    effect: 'write',
    capability: 'bus.send',
    args: messageArgs,
    handler: async (ctx, args) =>
      remember(
        args.target === '*'
          ? await bus.broadcast(toInput(ctx.principal, args))
          : await bus.send(toInput(ctx.principal, args)),
      ),
    ledgerFacts: (_args, result) => facts(result),
  });
  kernel.register({
    name: 'bus.broadcast',
    description: 'Sends a message to every agent but the sender (knowledge share).',
    effect: 'write',
    capability: 'bus.send',
    args: messageArgs.omit({ target: true }),
    handler: async (ctx, args) =>
      remember(await bus.broadcast(toInput(ctx.principal, { ...args, target: '*' }))),
    ledgerFacts: (_args, result) => facts(result),
  });
  kernel.register({
    name: 'bus.request',
    description: 'Sends a query and waits for the reply (peer consult); TIMEOUT when none comes.',
    effect: 'write',
    capability: 'bus.send',
    args: messageArgs.extend({ timeoutMs: z.number().int().min(1).max(600_000).default(30_000) }),
    handler: async (ctx, { timeoutMs, ...args }) => {
      const reply = await bus.request(toInput(ctx.principal, args), { timeoutMs });
      return remember(reply);
    },
    ledgerFacts: (_args, result) => facts(result),
  });
  kernel.register({
    name: 'bus.messages',
    description:
      'Messages sent through the bus operations, oldest first, after a position (bus tail).',
    effect: 'read',
    capability: 'agent.info',
    args: z
      .object({
        after: z.number().int().min(0).default(0),
        agent: z.string().min(1).max(64).optional(),
        type: z.enum(MESSAGE_TYPES).optional(),
        limit: z.number().int().min(1).max(1000).default(100),
      })
      .strict(),
    handler: (_ctx, args) => {
      const all = recent();
      const picked = all
        .filter((r) => r.seq > args.after)
        .filter((r) => args.type === undefined || r.message.type === args.type)
        .filter(
          (r) =>
            args.agent === undefined ||
            r.message.source === args.agent ||
            r.message.target === `agent:${args.agent}`,
        )
        .slice(0, args.limit);
      return { messages: picked, last: all.at(-1)?.seq ?? 0 };
    },
  });
  kernel.register({
    name: 'bus.stats',
    description: 'Message bus counters and consumers.',
    effect: 'read',
    capability: 'agent.info',
    args: z.object({}).strict(),
    handler: () => bus.stats(),
  });
  kernel.register({
    name: 'bus.dlq.list',
    description: 'Dead letters: messages that failed every delivery attempt, with the error.',
    effect: 'read',
    capability: 'agent.info',
    args: z.object({ limit: z.number().int().min(1).max(1000).default(100) }).strict(),
    handler: async (_ctx, args) => ({ deadLetters: await bus.dlq.list({ limit: args.limit }) }),
  });
  kernel.register({
    name: 'bus.dlq.show',
    description: 'One dead letter with its original message.',
    effect: 'read',
    capability: 'agent.info',
    args: z.object({ id: z.string().min(1).max(200) }).strict(),
    handler: (_ctx, args) => bus.dlq.show(args.id),
  });
  const reasoned = z
    .object({
      id: z.string().min(1).max(200),
      reason: z.string().trim().min(1, 'say why (the ledger records it)').max(2000),
    })
    .strict();
  kernel.register({
    name: 'bus.dlq.replay',
    description:
      'Sends a dead letter again (to its original target) and removes it from the queue.',
    effect: 'write',
    capability: 'agent.govern',
    args: reasoned,
    handler: async (_ctx, args) => remember(await bus.dlq.replay(args.id)),
    ledgerFacts: (args, result) => ({
      dead_letter: args.id,
      reason: args.reason,
      ...facts(result),
    }),
  });
  kernel.register({
    name: 'bus.dlq.drop',
    description: 'Removes a dead letter for good.',
    effect: 'write',
    capability: 'agent.govern',
    args: reasoned,
    handler: async (_ctx, args) => {
      await bus.dlq.drop(args.id);
      return { dropped: args.id };
    },
    ledgerFacts: (args) => ({ dead_letter: args.id, reason: args.reason }),
  });
}

/**
 * @module Redis key names of the Streams bus, all under one configurable prefix so that tests
 * and tenants can share a server: one stream per agent and per role (consumer group `bus`),
 * one broadcast stream (a group per agent), the registry of known targets, the processed-id
 * sets, the DLQ and one reply stream per bus instance.
 */

/** Default key prefix. */
export const DEFAULT_KEY_PREFIX = 'agentvisor:bus';
/** Consumer group on agent and role streams: all readers of one stream compete in it. */
export const TARGET_GROUP = 'bus';

/**
 * Key names under one prefix.
 *
 * @example
 * const keys = new RedisBusKeys('agentvisor:bus');
 * keys.stream('agent:code'); // 'agentvisor:bus:agent:code'
 */
export class RedisBusKeys {
  readonly prefix: string;

  constructor(prefix: string = DEFAULT_KEY_PREFIX) {
    this.prefix = prefix;
  }

  /** The stream of a target (`agent:NAME`, `role:NAME`). */
  stream(target: string): string {
    return `${this.prefix}:${target}`;
  }

  /** The broadcast stream; each agent reads it in a group named after itself. */
  get broadcast(): string {
    return `${this.prefix}:broadcast`;
  }

  /** Hash of known targets: `agent:NAME` → roles JSON, `role:NAME` → '1'. */
  get registry(): string {
    return `${this.prefix}:registry`;
  }

  /** Sorted set of handled message ids of one deduplication identity, scored by time. */
  processed(dedupeKey: string): string {
    return `${this.prefix}:processed:${dedupeKey}`;
  }

  /** Hash of DLQ entries by id. */
  get dlq(): string {
    return `${this.prefix}:dlq`;
  }

  /** The reply stream of one bus instance. */
  replies(instanceId: string): string {
    return `${this.prefix}:reply:${instanceId}`;
  }
}

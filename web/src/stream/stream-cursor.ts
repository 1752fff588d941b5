/**
 * @module The bookkeeping of the live stream client, kept free of the DOM so it can be tested on
 * its own: the reconnect backoff, the resume cursor (the largest event id seen and the journal's
 * epoch, sent back on reconnect so the server replays exactly what was missed), and the reference
 * counts of the channels the open views listen to.
 */

/** Backoff bounds for reconnecting. */
export interface BackoffOptions {
  readonly baseMs?: number;
  readonly maxMs?: number;
}

/**
 * The wait before reconnect attempt `attempt` (0 first): exponential, capped, with "equal
 * jitter" (half fixed, half random) so many tabs do not reconnect in step after a restart.
 *
 * @example
 * backoffDelay(0); // 250..500 ms
 * backoffDelay(10); // 7.5..15 s
 */
export function backoffDelay(
  attempt: number,
  random: () => number = Math.random,
  options: BackoffOptions = {},
): number {
  const base = options.baseMs ?? 500;
  const max = options.maxMs ?? 15_000;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, Math.min(attempt, 30)));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/**
 * Where the client stands in the server's event journal. Ids are per server process; the
 * epoch names the process, so a resume after a server restart is recognised as a gap.
 */
export class ResumeCursor {
  #lastId: number | undefined;
  #epoch: string | undefined;

  /** The largest id seen (or the journal head at the first subscription). */
  get lastId(): number | undefined {
    return this.#lastId;
  }

  get epoch(): string | undefined {
    return this.#epoch;
  }

  /** An event arrived. */
  onEvent(id: number): void {
    if (this.#lastId === undefined || id > this.#lastId) this.#lastId = id;
  }

  /**
   * A `subscribed` answer arrived. Its `lastId` (the head when the subscription changed) is
   * taken only before any event was seen: later, events still queued for older channels may be
   * below it, and skipping them on a resume would lose them.
   */
  onSubscribed(lastId: number, epoch: string): void {
    if (this.#epoch !== undefined && epoch !== this.#epoch) {
      // Another server process: ids restarted, so the old cursor means nothing.
      this.#lastId = undefined;
    }
    this.#epoch = epoch;
    if (this.#lastId === undefined) this.#lastId = lastId;
  }

  /** The resume fields of the first `subscribe` on a new connection. */
  resumeFields(): { lastId?: number; epoch?: string } {
    if (this.#lastId === undefined) return {};
    return { lastId: this.#lastId, ...(this.#epoch === undefined ? {} : { epoch: this.#epoch }) };
  }
}

/**
 * Reference counts of channels. A channel nobody listens to any more is kept for `graceMs`
 * before it is unsubscribed, so moving between pages does not churn subscriptions (the server
 * allows 30 client messages a minute).
 */
export class ChannelCounts {
  readonly #counts = new Map<string, number>();
  /** Channels at zero listeners, and since when. */
  readonly #idleSince = new Map<string, number>();
  readonly #graceMs: number;

  constructor(graceMs = 30_000) {
    this.#graceMs = graceMs;
  }

  add(channel: string): void {
    this.#counts.set(channel, (this.#counts.get(channel) ?? 0) + 1);
    this.#idleSince.delete(channel);
  }

  remove(channel: string, now: number): void {
    const left = (this.#counts.get(channel) ?? 0) - 1;
    if (left > 0) {
      this.#counts.set(channel, left);
      return;
    }
    this.#counts.delete(channel);
    this.#idleSince.set(channel, now);
  }

  /** Channels with listeners, plus idle ones still within their grace. */
  wanted(now: number): Set<string> {
    const out = new Set(this.#counts.keys());
    for (const [channel, since] of this.#idleSince) {
      if (now - since < this.#graceMs) out.add(channel);
      else this.#idleSince.delete(channel);
    }
    return out;
  }

  /** Milliseconds until the next idle channel's grace ends, or undefined when none is idle. */
  nextExpiry(now: number): number | undefined {
    let soonest: number | undefined;
    for (const since of this.#idleSince.values()) {
      const left = Math.max(0, since + this.#graceMs - now);
      if (soonest === undefined || left < soonest) soonest = left;
    }
    return soonest;
  }
}

/**
 * What to send to move the server from `subscribed` to `wanted`.
 *
 * @example
 * subscriptionDiff(new Set(['agents']), new Set(['tasks'])); // { add: ['tasks'], remove: ['agents'] }
 */
export function subscriptionDiff(
  subscribed: ReadonlySet<string>,
  wanted: ReadonlySet<string>,
): { add: string[]; remove: string[] } {
  return {
    add: [...wanted].filter((c) => !subscribed.has(c)).sort(),
    remove: [...subscribed].filter((c) => !wanted.has(c)).sort(),
  };
}

const FIXED_CHANNELS = new Set([
  'agents',
  'faults',
  'tasks',
  'thoughts',
  'tools',
  'ledger',
  'approvals',
  'budgets',
  'runs',
  // Newer servers; an older one refuses them and the client drops them (see StreamClient).
  'alerts',
  'logs',
]);
const CONVERSATION = /^conversation:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * True for a channel the server accepts. The server refuses a whole `subscribe` message for one
 * bad name, so a bad name (a mistyped conversation id in the URL) must never join a batch.
 */
export function isChannelName(name: string): boolean {
  return FIXED_CHANNELS.has(name) || CONVERSATION.test(name);
}

/**
 * @module The notification queue between the engine and the notifiers. `enqueue` returns at once,
 * so a slow or dead receiver never holds up an evaluation or the kernel. Each notifier has its
 * own lane, worked in order (a resolution never overtakes its firing) and independently (a
 * broken webhook does not delay the email). Each delivery is retried with exponential backoff
 * and jitter (cockatiel), every attempt's outcome is recorded in the ledger (`alert.notify`)
 * and logged when it fails, and every text about it is scrubbed of the notifier's secrets.
 */
import { ExponentialBackoff, handleAll, retry } from 'cockatiel';
import type { LedgerStage } from '../core/index.js';
import type { AlertNotification } from './alert-view.js';
import { type Notifier, severityAtLeast } from './notifier.js';
import { scrubSecrets } from './secret-redaction.js';

/** The logger the queue reports failures to (a pino logger fits). */
export interface AlertLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** How one attempt (or the delivery as a whole) ended. */
export type DeliveryOutcome = 'delivered' | 'failed' | 'gave_up' | 'dropped' | 'abandoned';

/** One attempt's record, as it goes to the ledger (secret-free). */
export interface DeliveryRecord {
  readonly notifier: string;
  readonly type: string;
  readonly target: string;
  readonly fingerprint: string;
  readonly rule: string;
  readonly status: 'firing' | 'resolved';
  readonly repeat: boolean;
  readonly attempt: number;
  readonly outcome: DeliveryOutcome;
  readonly error?: string;
}

/** Options for {@link NotificationQueue}. */
export interface NotificationQueueOptions {
  readonly notifiers: readonly Notifier[];
  /** Tries per notification and notifier, the first included (default 5). */
  readonly maxAttempts?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Notifications waiting per notifier at most; past it the oldest is dropped (default 1000). */
  readonly capacity?: number;
  /** Where attempts are recorded (`alert.notify` entries). */
  readonly ledger?: LedgerStage;
  readonly log?: AlertLog;
  /** Sees every record (tests, the dashboard). */
  readonly onRecord?: (record: DeliveryRecord) => void;
}

/** Counters since the queue opened. */
export interface DeliveryStats {
  readonly queued: number;
  readonly delivered: number;
  readonly failedAttempts: number;
  readonly gaveUp: number;
  readonly dropped: number;
}

/** How long {@link NotificationQueue.close} waits for attempts in flight. */
const CLOSE_GRACE_MS = 2000;

interface Lane {
  readonly notifier: Notifier;
  readonly items: AlertNotification[];
  running: Promise<void> | undefined;
}

/**
 * See the module comment.
 *
 * @example
 * const queue = new NotificationQueue({ notifiers: [webhook, email], ledger, log });
 * const engine = new AlertEngine({ ..., notify: (n) => queue.enqueue(n) });
 * await queue.close();
 */
export class NotificationQueue {
  readonly #lanes: Lane[];
  readonly #maxAttempts: number;
  readonly #initialBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #capacity: number;
  readonly #ledger: LedgerStage | undefined;
  readonly #log: AlertLog | undefined;
  readonly #onRecord: ((record: DeliveryRecord) => void) | undefined;
  readonly #abort = new AbortController();
  readonly #stats = { delivered: 0, failedAttempts: 0, gaveUp: 0, dropped: 0 };
  readonly #ledgerWrites = new Set<Promise<unknown>>();

  constructor(options: NotificationQueueOptions) {
    this.#lanes = options.notifiers.map((notifier) => ({
      notifier,
      items: [],
      running: undefined,
    }));
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#initialBackoffMs = options.initialBackoffMs ?? 1000;
    this.#maxBackoffMs = options.maxBackoffMs ?? 300_000;
    this.#capacity = options.capacity ?? 1000;
    this.#ledger = options.ledger;
    this.#log = options.log;
    this.#onRecord = options.onRecord;
  }

  /** The notifiers, for display. */
  get notifiers(): readonly Notifier[] {
    return this.#lanes.map((l) => l.notifier);
  }

  /** Queues a notification for every notifier whose minimum severity it meets; never waits. */
  enqueue(notification: AlertNotification): void {
    if (this.#abort.signal.aborted) return;
    for (const lane of this.#lanes) {
      if (!severityAtLeast(notification.alert.severity, lane.notifier.minSeverity)) continue;
      if (lane.items.length >= this.#capacity) {
        const dropped = lane.items.shift() as AlertNotification;
        this.#stats.dropped++;
        this.#record(lane.notifier, dropped, 0, 'dropped', 'the queue was full');
      }
      lane.items.push(notification);
      this.#start(lane);
    }
  }

  /** Counters since the queue opened. */
  stats(): DeliveryStats {
    return {
      queued: this.#lanes.reduce((n, l) => n + l.items.length, 0),
      ...this.#stats,
    };
  }

  /** Resolves once every lane is empty and idle, and the records are written (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      const running = this.#lanes.map((l) => l.running).filter((r) => r !== undefined);
      if (running.length === 0) break;
      await Promise.all(running);
    }
    await Promise.all(this.#ledgerWrites);
  }

  /**
   * Stops retrying, abandons what waits, and closes the notifiers' connections. An attempt in
   * flight that ignores the abort (an SMTP exchange) gets two seconds to finish.
   */
  async close(): Promise<void> {
    this.#abort.abort();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.#lanes.map((l) => l.running)),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CLOSE_GRACE_MS);
      }),
    ]);
    clearTimeout(timer);
    for (const lane of this.#lanes) {
      for (const n of lane.items.splice(0))
        this.#record(lane.notifier, n, 0, 'abandoned', 'shutdown');
      await lane.notifier.close?.().catch(() => {});
    }
    await Promise.all(this.#ledgerWrites);
  }

  #start(lane: Lane): void {
    if (lane.running !== undefined) return;
    lane.running = this.#work(lane).finally(() => {
      lane.running = undefined;
      // Something queued while the worker was finishing starts a new one.
      if (lane.items.length > 0 && !this.#abort.signal.aborted) this.#start(lane);
    });
  }

  async #work(lane: Lane): Promise<void> {
    // Started from enqueue: let the caller return before the first attempt begins.
    await Promise.resolve();
    while (lane.items.length > 0 && !this.#abort.signal.aborted) {
      const notification = lane.items.shift() as AlertNotification;
      await this.#deliver(lane.notifier, notification);
    }
  }

  async #deliver(notifier: Notifier, notification: AlertNotification): Promise<void> {
    const policy = retry(handleAll, {
      maxAttempts: this.#maxAttempts - 1,
      backoff: new ExponentialBackoff({
        initialDelay: this.#initialBackoffMs,
        maxDelay: this.#maxBackoffMs,
      }),
    });
    let attempt = 0;
    let lastError = '';
    try {
      await policy.execute(async () => {
        attempt++;
        try {
          await notifier.send(notification, this.#abort.signal);
        } catch (error) {
          lastError = scrubSecrets(messageOf(error), notifier.secrets);
          this.#stats.failedAttempts++;
          this.#record(notifier, notification, attempt, 'failed', lastError);
          throw error;
        }
        this.#stats.delivered++;
        this.#record(notifier, notification, attempt, 'delivered');
      }, this.#abort.signal);
    } catch {
      if (this.#abort.signal.aborted) {
        this.#record(notifier, notification, attempt, 'abandoned', 'shutdown');
        return;
      }
      this.#stats.gaveUp++;
      this.#record(notifier, notification, attempt, 'gave_up', lastError);
      this.#log?.warn(
        {
          notifier: notifier.name,
          target: notifier.target,
          alert: notification.alert.rule,
          attempts: attempt,
          error: lastError,
        },
        'alert notification not delivered; gave up',
      );
    }
  }

  #record(
    notifier: Notifier,
    n: AlertNotification,
    attempt: number,
    outcome: DeliveryOutcome,
    error?: string,
  ): void {
    const record: DeliveryRecord = {
      notifier: notifier.name,
      type: notifier.type,
      target: notifier.target,
      fingerprint: n.alert.fingerprint,
      rule: n.alert.rule,
      status: n.status,
      repeat: n.repeat,
      attempt,
      outcome,
      ...(error === undefined ? {} : { error: scrubSecrets(error, notifier.secrets) }),
    };
    if (outcome === 'failed') {
      this.#log?.info(
        { notifier: record.notifier, target: record.target, attempt, error: record.error },
        'alert notification attempt failed',
      );
    }
    try {
      this.#onRecord?.(record);
    } catch {
      // A listener's failure is not the delivery's.
    }
    if (this.#ledger === undefined) return;
    const write = this.#ledger
      .append({
        type: 'alert.notify',
        actor: 'system:alerts',
        subject: record.notifier,
        payload: { ...record },
      })
      .catch((e) =>
        this.#log?.warn({ err: { message: messageOf(e) } }, 'alert notification record failed'),
      );
    this.#ledgerWrites.add(write);
    void write.finally(() => this.#ledgerWrites.delete(write));
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

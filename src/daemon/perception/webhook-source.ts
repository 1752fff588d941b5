/**
 * @module Webhook perception: the HTTP server pushes bodies received at an agent's webhook URL;
 * the agent sees them on its next beat. Bounded, so a flood cannot exhaust memory: past the
 * cap, `push` refuses and the server answers 429.
 */
import { AgentvisorError, type Clock, isoTime, newId, systemClock } from '../../core/index.js';
import type { Observation } from './observation.js';
import type { PerceptionSource } from './perception-source.js';

/** A bounded queue of webhook deliveries for one agent. */
export class WebhookSource implements PerceptionSource {
  readonly id: string;
  readonly #queue: Observation[] = [];
  readonly #capacity: number;
  readonly #clock: Clock;

  constructor(options: { agent: string; capacity?: number; clock?: Clock }) {
    this.id = `webhook:${options.agent}`;
    this.#capacity = options.capacity ?? 1000;
    this.#clock = options.clock ?? systemClock;
  }

  /** Queues a delivery; throws RATE_LIMITED when the queue is full. */
  push(delivery: { name: string; body: unknown; salience?: number }): Observation {
    if (this.#queue.length >= this.#capacity) {
      throw new AgentvisorError(
        'RATE_LIMITED',
        `webhook queue for ${this.id} is full (${this.#capacity} undelivered); retry later`,
        { details: { retryAfterMs: 1000 } },
      );
    }
    const observation: Observation = {
      id: newId(this.#clock),
      source: this.id,
      kind: 'webhook',
      at: isoTime(this.#clock),
      salience: delivery.salience ?? 0.7,
      summary: webhookSummary(delivery.name, delivery.body),
      data: { name: delivery.name, body: delivery.body },
    };
    this.#queue.push(observation);
    return observation;
  }

  async poll(): Promise<Observation[]> {
    return this.#queue.splice(0, this.#queue.length);
  }
}

/** Longest body excerpt in a webhook observation's summary (the full body stays in `data`). */
const SUMMARY_BODY_CHARS = 500;

/** `webhook <name>: <body as JSON, cut>`: what deliberation and memory see of a delivery. */
function webhookSummary(name: string, body: unknown): string {
  if (body === undefined || body === null) return `webhook ${name}`;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const cut =
    text.length > SUMMARY_BODY_CHARS ? `${text.slice(0, SUMMARY_BODY_CHARS)}… (cut)` : text;
  return `webhook ${name}: ${cut}`;
}

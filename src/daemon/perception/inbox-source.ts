/**
 * @module Inbox perception: messages and submitted tasks waiting for the agent. The engine
 * acknowledges them in `beat.complete`, only after the beat that saw them, so a crash mid-beat
 * delivers them again instead of losing them.
 */
import type { AgentOps } from '../runtime/agent-ops.js';
import type { Observation } from './observation.js';
import type { PerceptionSource } from './perception-source.js';

/** Subject prefix of the message that hands a task to an agent. */
export const TASK_SUBJECT_PREFIX = 'task:';

/**
 * Reads the agent's inbox through the gate, but only when there may be something to read: after
 * {@link notify} (the host saw a delivery), while the last read was a full batch, or once per
 * `fallbackMs` for deliveries made by another process on the same database. An idle agent
 * therefore costs no gate call (and no ledger entry) per beat.
 */
export class InboxSource implements PerceptionSource {
  readonly id = 'inbox';
  readonly #ops: AgentOps;
  readonly #batch: number;
  readonly #fallbackMs: number;
  #dirty = true;
  #lastRead = 0;

  constructor(ops: AgentOps, options: { batch?: number; fallbackMs?: number } = {}) {
    this.#ops = ops;
    this.#batch = options.batch ?? 32;
    this.#fallbackMs = options.fallbackMs ?? 30_000;
  }

  /** Something was delivered: read on the next poll. */
  notify(): void {
    this.#dirty = true;
  }

  async poll(): Promise<Observation[]> {
    const now = Date.now();
    if (!this.#dirty && now - this.#lastRead < this.#fallbackMs) return [];
    this.#dirty = false;
    this.#lastRead = now;
    const messages = await this.#ops.receive(this.#batch);
    // A full batch means more may be waiting; unacknowledged ones come back until the beat that
    // saw them completes, which is also what the next read after a crash relies on.
    if (messages.length > 0) this.#dirty = true;
    return messages.map((m) => {
      const task = m.subject.startsWith(TASK_SUBJECT_PREFIX)
        ? m.subject.slice(TASK_SUBJECT_PREFIX.length)
        : undefined;
      return {
        id: m.id,
        source: this.id,
        kind: task === undefined ? 'message' : 'task',
        at: m.createdAt,
        // A task handed to the agent must never be filtered out by attention.
        salience: task === undefined ? 0.6 : 1,
        summary:
          task === undefined
            ? `message from ${m.from}${m.subject === '' ? '' : ` (${m.subject})`}: ${m.body}`
            : `new task ${task}: ${m.body}`,
        data: { messageId: m.id, from: m.from, subject: m.subject, body: m.body, taskId: task },
      } satisfies Observation;
    });
  }
}

/**
 * @module Inbox perception: messages and submitted tasks waiting for the agent. Acknowledged
 * only after the beat that saw them completed (see {@link PerceptionSource.commit}).
 */
import type { AgentOps } from '../runtime/agent-ops.js';
import type { Observation } from './observation.js';
import type { PerceptionSource } from './perception-source.js';

/** Subject prefix of the message that hands a task to an agent. */
export const TASK_SUBJECT_PREFIX = 'task:';

/** Polls the agent's inbox through the gate. */
export class InboxSource implements PerceptionSource {
  readonly id = 'inbox';
  readonly #ops: AgentOps;
  readonly #batch: number;

  constructor(ops: AgentOps, batch = 32) {
    this.#ops = ops;
    this.#batch = batch;
  }

  async poll(): Promise<Observation[]> {
    const messages = await this.#ops.receive(this.#batch);
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

  async commit(observations: readonly Observation[]): Promise<void> {
    const ids = observations.filter((o) => o.source === this.id).map((o) => o.id);
    await this.#ops.ack(ids);
  }
}

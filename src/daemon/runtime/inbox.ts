/**
 * @module Durable agent inboxes. A message is a row until its recipient acknowledges it, so a
 * message sent to an agent that is down, busy or crashing is delivered when it next perceives.
 */
import { AgentvisorError, type Clock, isoTime, newId, systemClock } from '../../core/index.js';
import type { MessageTable, Store } from '../../store/index.js';

/** Largest message body accepted, in characters. */
export const MAX_MESSAGE_CHARS = 64 * 1024;

/** A message as agents see it. */
export interface InboxMessage {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly body: string;
  readonly createdAt: string;
}

/**
 * Agent-to-agent (and operator-to-agent) messages over the store.
 *
 * @example
 * const inbox = new Inbox({ store });
 * await inbox.send('agent:planner', 'writer', 'draft the summary');
 * const open = await inbox.open('writer', 10);
 * await inbox.ack('writer', open.map((m) => m.id));
 */
export class Inbox {
  readonly #store: Store;
  readonly #clock: Clock;

  constructor(options: { store: Store; clock?: Clock }) {
    this.#store = options.store;
    this.#clock = options.clock ?? systemClock;
  }

  /** Queues a message for `to`; resolves once it is committed. */
  async send(
    from: string,
    to: string,
    body: string,
    options: { subject?: string; id?: string } = {},
  ): Promise<InboxMessage> {
    if (typeof body !== 'string' || body.length === 0) {
      throw new AgentvisorError('INPUT_INVALID', 'body: expected a non-empty string');
    }
    if (body.length > MAX_MESSAGE_CHARS) {
      throw new AgentvisorError(
        'PAYLOAD_TOO_LARGE',
        `body: ${body.length} characters is over the limit of ${MAX_MESSAGE_CHARS}`,
      );
    }
    const row: MessageTable = {
      // A caller-chosen id makes a resend after a crash a no-op instead of a second message.
      id: options.id ?? newId(this.#clock),
      sender: from,
      recipient: to,
      subject: options.subject ?? '',
      body,
      created_at: isoTime(this.#clock),
      acked_at: null,
    };
    await this.#store.db
      .insertInto('messages')
      .values(row)
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    return toMessage(row);
  }

  /** Unacknowledged messages for `recipient`, oldest first. */
  async open(recipient: string, limit: number): Promise<InboxMessage[]> {
    const rows = await this.#store.db
      .selectFrom('messages')
      .selectAll()
      .where('recipient', '=', recipient)
      .where('acked_at', 'is', null)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toMessage);
  }

  /** Marks messages taken in; acknowledging twice is harmless. */
  async ack(recipient: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#store.db
      .updateTable('messages')
      .set({ acked_at: isoTime(this.#clock) })
      .where('recipient', '=', recipient)
      .where('id', 'in', ids)
      .where('acked_at', 'is', null)
      .execute();
  }

  /** Every message sent to or by `agent`, newest first (for `task show` and the API). */
  async history(agent: string, limit = 100): Promise<InboxMessage[]> {
    const rows = await this.#store.db
      .selectFrom('messages')
      .selectAll()
      .where((eb) => eb.or([eb('recipient', '=', agent), eb('sender', '=', agent)]))
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toMessage);
  }
}

function toMessage(row: MessageTable): InboxMessage {
  return {
    id: row.id,
    from: row.sender,
    to: row.recipient,
    subject: row.subject,
    body: row.body,
    createdAt: row.created_at,
  };
}

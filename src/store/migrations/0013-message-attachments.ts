/**
 * @module Migration 0013: the names and sizes of the files attached to a chat message, so the
 * conversation shows what was sent with it (the content goes to the team, not into this column).
 */
import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../store.js';

/** The `0013_message_attachments` migration for one dialect. */
export function messageAttachmentMigrations(_dialect: StoreDialect): Record<string, Migration> {
  return {
    '0013_message_attachments': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .alterTable('conversation_messages')
          .addColumn('attachments', 'text', (c) => c.notNull().defaultTo('[]'))
          .execute();
      },
    },
  };
}

/**
 * The query builder against the real engines: whatever a user types, the text handed to
 * PostgreSQL's `websearch_to_tsquery` and `plainto_tsquery` and the expression handed to the
 * migrated FTS5 table parse without error.
 */
import path from 'node:path';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fts5Query, postgresQueryText, searchTerms } from '../../../src/memory/index.js';
import { migrate, PostgresStore, SqliteStore, type Store } from '../../../src/store/index.js';
import {
  freshPostgresSchema,
  postgresAvailable,
  TEST_POSTGRES_URL,
  tempDir,
} from '../../support/services.js';

const hasPostgres = await postgresAvailable();

const userText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc
    .array(
      fc.constantFrom(
        '"',
        "'",
        '-',
        '!',
        '|',
        '&',
        '<->',
        ':*',
        '(',
        ')',
        'or',
        'OR',
        'and',
        'not',
        ' ',
        'a',
        '\\',
        '\u0000',
      ),
      { maxLength: 16 },
    )
    .map((parts) => parts.join('')),
);

describe.skipIf(!hasPostgres)('query text on PostgreSQL', () => {
  let store: PostgresStore;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const fresh = await freshPostgresSchema();
    drop = fresh.drop;
    store = await PostgresStore.open({ url: TEST_POSTGRES_URL, schema: fresh.schema, poolSize: 2 });
  });
  afterAll(async () => {
    await store?.close();
    await drop?.();
  });

  it('never makes websearch_to_tsquery or plainto_tsquery fail', async () => {
    await fc.assert(
      fc.asyncProperty(userText, async (text) => {
        const terms = searchTerms(text);
        if (terms.length === 0) return;
        const q = postgresQueryText(terms);
        const { rows } = await sql<{ w: string; p: string }>`
          select websearch_to_tsquery('english', ${q})::text as w,
                 plainto_tsquery('english', ${q})::text as p`.execute(store.db);
        expect(rows).toHaveLength(1);
      }),
      { numRuns: 400 },
    );
  });

  it('ORs the terms', async () => {
    const q = postgresQueryText(searchTerms('Deploys, failing!'));
    const { rows } = await sql<{
      w: string;
    }>`select websearch_to_tsquery('english', ${q})::text as w`.execute(store.db);
    expect(rows[0]!.w).toBe("'deploy' | 'fail'");
  });
});

describe('query expressions on the migrated FTS5 table', () => {
  let store: Store;
  let tmp: { dir: string; remove(): void };
  beforeAll(async () => {
    tmp = tempDir('agentvisor-fts-');
    store = await SqliteStore.open({ file: path.join(tmp.dir, 'agentvisor.db') });
    await migrate(store);
  });
  afterAll(async () => {
    await store.close();
    tmp.remove();
  });

  it('never makes MATCH fail', async () => {
    await fc.assert(
      fc.asyncProperty(userText, async (text) => {
        const terms = searchTerms(text);
        if (terms.length === 0) return;
        await sql`select rowid from memory_items_fts where memory_items_fts match ${fts5Query(terms)}`.execute(
          store.db,
        );
      }),
      { numRuns: 400 },
    );
  });
});

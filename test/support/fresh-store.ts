/**
 * @module A fresh, migrated store on either dialect for one test: a temp SQLite file, or a
 * uniquely named PostgreSQL schema. `reopen` gives a second handle on the same database, as a
 * second node would hold (on SQLite, good for writes only when the first is not writing).
 */
import path from 'node:path';
import { migrate, PostgresStore, SqliteStore, type Store } from '../../src/store/index.js';
import { freshPostgresSchema, TEST_POSTGRES_URL, tempDir } from './services.js';

/** A migrated store and how to get rid of it. */
export interface FreshStore {
  readonly store: Store;
  reopen(): Promise<Store>;
  cleanup(): Promise<void>;
}

/** Opens and migrates a fresh store on `dialect`. */
export async function openFreshStore(dialect: 'sqlite' | 'postgres'): Promise<FreshStore> {
  if (dialect === 'sqlite') {
    const tmp = tempDir('agentvisor-store-');
    const file = path.join(tmp.dir, 'agentvisor.db');
    const store = await SqliteStore.open({ file });
    await migrate(store);
    return {
      store,
      reopen: () => SqliteStore.open({ file }),
      async cleanup() {
        await store.close();
        tmp.remove();
      },
    };
  }
  const { schema, drop } = await freshPostgresSchema();
  const store = await PostgresStore.open({ url: TEST_POSTGRES_URL, schema, poolSize: 4 });
  await migrate(store);
  return {
    store,
    reopen: () => PostgresStore.open({ url: TEST_POSTGRES_URL, schema, poolSize: 4 }),
    async cleanup() {
      await store.close();
      await drop();
    },
  };
}

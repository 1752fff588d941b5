/**
 * Fresh, migrated stores for the agent suites, on SQLite and on PostgreSQL (skipped with the
 * reason when PostgreSQL is unreachable), as in the store conformance suite.
 */
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { migrate, PostgresStore, SqliteStore, type Store } from '../../../../src/store/index.js';
import {
  freshPostgresSchema,
  postgresAvailable,
  TEST_POSTGRES_URL,
  tempDir,
} from '../../../support/services.js';

const hasPostgres = await postgresAvailable();

/** A migrated store, a data directory for key files, and a way to open the same database again. */
export interface OpenedStore {
  store: Store;
  dataDir: string;
  /** Closes `store` and opens the same database again, as a restart does. */
  reopen(): Promise<Store>;
  cleanup(): Promise<void>;
}

async function openFresh(dialect: 'sqlite' | 'postgres'): Promise<OpenedStore> {
  const tmp = tempDir('agentvisor-agent-');
  if (dialect === 'sqlite') {
    const file = path.join(tmp.dir, 'agentvisor.db');
    const opened: OpenedStore = {
      store: await SqliteStore.open({ file }),
      dataDir: tmp.dir,
      async reopen() {
        await opened.store.close();
        opened.store = await SqliteStore.open({ file });
        await migrate(opened.store);
        return opened.store;
      },
      async cleanup() {
        await opened.store.close();
        tmp.remove();
      },
    };
    await migrate(opened.store);
    return opened;
  }
  const { schema, drop } = await freshPostgresSchema();
  const open = () => PostgresStore.open({ url: TEST_POSTGRES_URL, schema, poolSize: 4 });
  const opened: OpenedStore = {
    store: await open(),
    dataDir: tmp.dir,
    async reopen() {
      await opened.store.close();
      opened.store = await open();
      await migrate(opened.store);
      return opened.store;
    },
    async cleanup() {
      await opened.store.close();
      await drop();
      tmp.remove();
    },
  };
  await migrate(opened.store);
  return opened;
}

/** The dialects for `describe.each`, PostgreSQL marked skipped when unreachable. */
export const DIALECTS = [
  { dialect: 'sqlite' as const, skip: false, label: 'SQLite', open: () => openFresh('sqlite') },
  {
    dialect: 'postgres' as const,
    skip: !hasPostgres,
    label: hasPostgres ? 'PostgreSQL' : `PostgreSQL (skipped: unreachable at ${TEST_POSTGRES_URL})`,
    open: () => openFresh('postgres'),
  },
];

/**
 * The store of the running test in a `describe.each(DIALECTS)` body. It registers the hooks that
 * open a fresh one before each test and clean it up after, so no test sees another's rows; where
 * the dialect is skipped nothing is opened. Call it before any `beforeEach` that uses the store:
 * vitest runs a suite's `beforeEach` hooks in the order they are registered.
 */
export function storePerTest({
  skip,
  open,
}: Pick<(typeof DIALECTS)[number], 'skip' | 'open'>): Omit<OpenedStore, 'cleanup'> {
  let opened: OpenedStore | undefined;
  const current = (): OpenedStore => {
    if (opened === undefined) throw new Error('no store outside a test of an unskipped dialect');
    return opened;
  };
  beforeEach(async () => {
    if (!skip) opened = await open();
  });
  afterEach(async () => {
    if (!skip) await current().cleanup();
  });
  // Getters, not copies: the store changes with each test and with `reopen`.
  return {
    get store() {
      return current().store;
    },
    get dataDir() {
      return current().dataDir;
    },
    reopen: () => current().reopen(),
  };
}

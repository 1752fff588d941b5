/**
 * @module Test access to real PostgreSQL and Redis. Suites that need them call
 * {@link postgresAvailable}; when the server is unreachable they skip with a visible reason,
 * except under `AGENTVISOR_REQUIRE_SERVICES=1` (CI), where unreachable is a failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** The PostgreSQL URL tests use: `AGENTVISOR_TEST_DATABASE_URL` or the local default. */
export const TEST_POSTGRES_URL =
  process.env['AGENTVISOR_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

const required = process.env['AGENTVISOR_REQUIRE_SERVICES'] === '1';

let pgProbe: Promise<string | undefined> | undefined;

/** Resolves to undefined when PostgreSQL answers, or to the reason it does not. */
export function postgresUnavailableReason(): Promise<string | undefined> {
  pgProbe ??= (async () => {
    const client = new pg.Client({
      connectionString: TEST_POSTGRES_URL,
      connectionTimeoutMillis: 3000,
    });
    try {
      await client.connect();
      await client.query('select 1');
      return undefined;
    } catch (error) {
      return `PostgreSQL at ${TEST_POSTGRES_URL} unreachable: ${(error as Error).message}`;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return pgProbe;
}

/**
 * True when PostgreSQL tests should run. Logs why they are skipped; throws in CI.
 *
 * @example
 * const hasPg = await postgresAvailable();
 * describe.skipIf(!hasPg)('on PostgreSQL', () => { ... });
 */
export async function postgresAvailable(): Promise<boolean> {
  const reason = await postgresUnavailableReason();
  if (reason === undefined) return true;
  if (required) throw new Error(`AGENTVISOR_REQUIRE_SERVICES=1 but ${reason}`);
  console.warn(`[skip] PostgreSQL tests skipped: ${reason}`);
  return false;
}

/** A fresh, uniquely named schema for one test; dropped by the returned cleanup. */
export async function freshPostgresSchema(): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  return {
    schema,
    async drop() {
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A temporary directory removed by the returned cleanup. */
export function tempDir(prefix = 'agentvisor-test-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

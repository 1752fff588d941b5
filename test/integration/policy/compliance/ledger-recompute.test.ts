/**
 * The compliance numbers are recomputable from the ledger alone: the fixture's entries are
 * appended through a real, signed ledger on SQLite, read back with `listEntries`, and the
 * report computed from them matches the report computed from the entry objects.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../../../src/core/index.js';
import { Keyring, Ledger, type LedgerEntry, listEntries } from '../../../../src/ledger/index.js';
import { computeCompliance } from '../../../../src/policy/compliance/index.js';
import { migrate, SqliteStore } from '../../../../src/store/index.js';
import { tempDir } from '../../../support/services.js';
import {
  DECLARED,
  fixtureEntries,
  fixtureInputs,
} from '../../../unit/policy/compliance/compliance-fixture.js';

const GENERATED_AT = '2026-02-01T00:00:00.000Z';

describe('compliance recomputed from a real ledger', () => {
  const tmp = tempDir();
  let store: SqliteStore;
  let stored: LedgerEntry[];

  beforeAll(async () => {
    store = await SqliteStore.open({ file: path.join(tmp.dir, 'ledger.db') });
    await migrate(store);
    const keyring = await Keyring.open({
      store,
      dataDir: tmp.dir,
      passphraseEnv: 'UNSET_FOR_TEST',
      keyFile: 'k.key',
      env: {},
    });
    const ledger = await Ledger.open({ store, keyring, config: configSchema.parse({}).ledger });
    for (const input of fixtureInputs()) await ledger.append(input);
    await ledger.close();
    stored = [];
    // Paged, as a report over a long ledger must be.
    for (let from = 1; ; ) {
      const page = await listEntries(store, { fromSeq: from, limit: 50 });
      stored.push(...page);
      if (page.length < 50) break;
      from = (page.at(-1) as LedgerEntry).seq + 1;
    }
  });
  afterAll(async () => {
    await store.close();
    tmp.remove();
  });

  it('gives the same per-agent numbers, scores and statuses', () => {
    const fromObjects = computeCompliance(fixtureEntries(), DECLARED, {
      generatedAt: GENERATED_AT,
    });
    const fromLedger = computeCompliance(stored, DECLARED, { generatedAt: GENERATED_AT });
    expect(fromLedger.agents).toEqual(fromObjects.agents);
    expect(fromLedger.sections.transparency).toEqual(fromObjects.sections.transparency);
    expect(fromLedger.sections.humanOversight).toEqual(fromObjects.sections.humanOversight);
    // The ledger's own entries (genesis, key records) are logged events too, and nothing else.
    const own = stored.filter((e) => e.type.startsWith('ledger.')).length;
    expect(fromLedger.system).toEqual({
      ...fromObjects.system,
      eventsLogged: fromObjects.system.eventsLogged + own,
    });
    expect(fromLedger.system).toMatchObject({
      score: 0.763,
      status: 'REVIEW_NEEDED',
      violations: 10,
    });
    expect(fromLedger.sections.recordKeeping.entries).toBe(stored.length);
    expect(fromLedger.sections.recordKeeping.lastSeq).toBe(stored.at(-1)?.seq);
  });
});

/**
 * Concurrent appenders: many async writers in one process (group commit), several processes on
 * one database (the chain head lock serialises them), and a key rotation in one process while
 * another keeps appending. Each time the result must be one gapless chain that verifies, in
 * which every writer's entries appear in the order it issued them.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type AppendReceipt,
  ENTRY_TYPES,
  Ledger,
  type LedgerEntry,
  listEntries,
  verifyLedger,
} from '../../../../src/ledger/index.js';
import type { Store } from '../../../../src/store/index.js';
import {
  freshPostgresSchema,
  postgresAvailable,
  TEST_POSTGRES_URL,
  tempDir,
} from '../../../support/services.js';
import {
  type Ack,
  type Child,
  openKeyring,
  openStore,
  parseAck,
  prng,
  readChain,
  type StoreSpec,
  spawnFixture,
  testLedgerConfig,
} from '../crash/harness.js';

const MULTI_WRITER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'multi-writer.ts');
const hasPg = await postgresAvailable();
const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const SEED = Number(
  process.env['AGENTVISOR_CONCURRENCY_SEED'] ?? Math.floor(Math.random() * 2 ** 31),
);
const seedNote = `seed ${SEED} (replay with AGENTVISOR_CONCURRENCY_SEED=${SEED})`;

type SpecFactory = () => Promise<StoreSpec>;

function sqliteSpec(): Promise<StoreSpec> {
  const tmp = tempDir('agentvisor-conc-');
  cleanups.push(tmp.remove);
  return Promise.resolve({
    driver: 'sqlite',
    file: path.join(tmp.dir, 'agentvisor.db'),
    dataDir: tmp.dir,
  });
}

async function postgresSpec(): Promise<StoreSpec> {
  const tmp = tempDir('agentvisor-conc-pg-');
  cleanups.push(tmp.remove);
  const { schema, drop } = await freshPostgresSchema();
  cleanups.push(drop);
  return { driver: 'postgres', url: TEST_POSTGRES_URL, schema, dataDir: tmp.dir };
}

/** Checks what every scenario must hold: gapless, one genesis, and a full verification. */
async function expectSoundChain(store: Store, expectedSize: number): Promise<LedgerEntry[]> {
  const chain = await readChain(store);
  expect(chain.length).toBe(expectedSize);
  expect(chain.map((e) => e.seq)).toEqual(chain.map((_, i) => i + 1));
  expect(new Set(chain.map((e) => e.id)).size).toBe(chain.length);
  expect(chain.filter((e) => e.type === ENTRY_TYPES.genesis).map((e) => e.seq)).toEqual([1]);
  const head = await store.db
    .selectFrom('ledger_head')
    .selectAll()
    .where('id', '=', 1)
    .executeTakeFirstOrThrow();
  expect(Number(head.seq)).toBe(expectedSize);
  expect(head.entry_hash).toBe(chain.at(-1)!.entry_hash);
  const report = await verifyLedger({ store, origin: testLedgerConfig().origin, mode: 'full' });
  expect(report.firstBad).toBeNull();
  expect(report.ok).toBe(true);
  expect(report.entries).toBe(expectedSize);
  expect(report.checkpoints).toBeGreaterThan(0);
  return chain;
}

/** Entries of `actor`, in chain order, carry i = 0, 1, 2, ... (their issue order). */
function expectIssueOrder(chain: readonly LedgerEntry[], actor: string, count: number): void {
  const is = chain
    .filter((e) => e.actor === actor)
    .map((e) => (JSON.parse(e.payload) as { i: number }).i);
  expect(is, `${actor}'s entries out of issue order`).toEqual(
    Array.from({ length: count }, (_, i) => i),
  );
}

/** How many times consecutive entries change writer: > writers-1 means they interleaved. */
function writerSwitches(chain: readonly LedgerEntry[], type: string): number {
  const actors = chain.filter((e) => e.type === type).map((e) => e.actor);
  let n = 0;
  for (let i = 1; i < actors.length; i++) if (actors[i] !== actors[i - 1]) n++;
  return n;
}

// ---------------------------------------------------------------------------------------------
// (a) one process, many async writers

async function inProcessWriters(makeSpec: SpecFactory, label: string) {
  const WRITERS = 8;
  const PER_WRITER = 500;
  const spec = await makeSpec();
  const store = await openStore(spec);
  let transactions = 0;
  // The same store, counting write transactions to see group commit at work.
  const counting = new Proxy(store, {
    get(target, prop) {
      if (prop === 'writeTransaction') {
        return ((fn, options) => {
          transactions++;
          return target.writeTransaction(fn, options);
        }) satisfies Store['writeTransaction'];
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  try {
    const keyring = await openKeyring(counting, spec);
    const config = testLedgerConfig();
    const ledger = await Ledger.open({ store: counting, keyring, config });
    const txBefore = transactions;
    const random = prng(SEED);
    const receipts: AppendReceipt[][] = Array.from({ length: WRITERS }, () => []);
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        const actor = `agent:w${w}`;
        let i = 0;
        while (i < PER_WRITER) {
          // A chunk issued in one turn, awaited together; chunk sizes vary per writer.
          const k = Math.min(PER_WRITER - i, 1 + Math.floor(random() * 30));
          const chunk: Promise<AppendReceipt>[] = [];
          for (let j = 0; j < k; j++) {
            const n = i++;
            chunk.push(ledger.append({ type: 'test.concurrent', actor, payload: { actor, i: n } }));
          }
          receipts[w]!.push(...(await Promise.all(chunk)));
          if (random() < 0.3) await new Promise((r) => setImmediate(r));
        }
      }),
    );
    const appendTx = transactions - txBefore;
    await ledger.close();

    const chain = await expectSoundChain(store, 1 + WRITERS * PER_WRITER);
    for (let w = 0; w < WRITERS; w++) {
      const mine = receipts[w]!;
      expect(mine).toHaveLength(PER_WRITER);
      // Receipts in issue order have increasing seqs, and the chain holds exactly those hashes.
      for (let k = 1; k < mine.length; k++) expect(mine[k]!.seq).toBeGreaterThan(mine[k - 1]!.seq);
      for (const r of mine) expect(chain[r.seq - 1]!.entry_hash).toBe(r.entry_hash);
      expectIssueOrder(chain, `agent:w${w}`, PER_WRITER);
    }
    const switches = writerSwitches(chain, 'test.concurrent');
    expect(switches).toBeGreaterThan(WRITERS - 1);
    // Group commit: far fewer transactions than appends, yet never more than max_batch per one.
    expect(appendTx).toBeLessThan(WRITERS * PER_WRITER);
    expect(appendTx).toBeGreaterThanOrEqual(Math.ceil((WRITERS * PER_WRITER) / config.max_batch));
    console.info(
      `[${label} in-process] ${WRITERS}x${PER_WRITER} appends in ${appendTx} transactions, ` +
        `${chain.length} entries, ${switches} writer switches, ${seedNote}`,
    );
  } finally {
    await store.close();
  }
}

// ---------------------------------------------------------------------------------------------
// (b) several processes on one database

/** Spawns writers, waits until all opened the ledger, then starts them together. */
async function startWriters(args: ReadonlyArray<Record<string, unknown>>): Promise<Child[]> {
  const children = args.map((a) => spawnFixture(MULTI_WRITER, a));
  for (const c of children) cleanups.push(() => c.proc.kill('SIGKILL'));
  await Promise.all(children.map((c) => c.waitFor((l) => l.startsWith('ready '), 'ready')));
  for (const c of children) c.send('go');
  return children;
}

async function expectCleanExit(c: Child, name: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([
    c.exited,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `${name} did not exit within 60 s; last lines:\n${c.lines.slice(-5).join('\n')}\nstderr:\n${c.stderr()}`,
            ),
          ),
        60_000,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  expect(r.code, `${name} failed; stderr:\n${r.stderr}`).toBe(0);
  expect(c.lines.at(-1)).toBe('done');
}

function acksOf(c: Child): Ack[] {
  return c.lines.map(parseAck).filter((a): a is Ack => a !== undefined);
}

/** Migrates and creates the keyring once, so the processes race only on the ledger itself. */
async function prepare(spec: StoreSpec): Promise<void> {
  const store = await openStore(spec);
  try {
    await openKeyring(store, spec);
  } finally {
    await store.close();
  }
}

async function multiProcessWriters(makeSpec: SpecFactory, label: string) {
  const PROCS = 4;
  const HALF = 150;
  const spec = await makeSpec();
  await prepare(spec);
  const actors = Array.from({ length: PROCS }, (_, p) => `agent:p${p}`);
  // Two phases of 150, all processes appending at once in each. The barrier between them (the
  // second phase starts once every process finished the first) makes every process append after
  // the others moved the chain head, whatever the lock's fairness.
  const children = await startWriters(
    actors.map((actor, p) => ({
      spec,
      actor,
      seed: SEED + p,
      before: HALF,
      barrier: true,
      after: HALF,
    })),
  );
  await Promise.all(children.map((c) => c.waitFor((l) => l === 'barrier', 'the barrier')));
  for (const c of children) c.send('continue');
  await Promise.all(children.map((c, p) => expectCleanExit(c, actors[p]!)));

  const store = await openStore(spec);
  try {
    const chain = await expectSoundChain(store, 1 + PROCS * 2 * HALF);
    // They raced to create the genesis: exactly one genesis and one key exist.
    const keys = await store.db.selectFrom('ledger_keys').select('key_id').execute();
    expect(keys).toHaveLength(1);
    const firstPhase: number[] = [];
    const secondPhase: number[] = [];
    for (let p = 0; p < PROCS; p++) {
      const acks = acksOf(children[p]!);
      expect(acks.map((a) => a.i)).toHaveLength(2 * HALF);
      for (const a of acks) {
        const e = chain[a.seq - 1]!;
        expect(e.entry_hash).toBe(a.hash);
        expect(e.actor).toBe(actors[p]);
        expect((JSON.parse(e.payload) as { i: number }).i).toBe(a.i);
        (a.i! < HALF ? firstPhase : secondPhase).push(a.seq);
      }
      expectIssueOrder(chain, actors[p]!, 2 * HALF);
    }
    expect(Math.max(...firstPhase)).toBeLessThan(Math.min(...secondPhase));
    const switches = writerSwitches(chain, 'test.concurrent');
    console.info(
      `[${label} ${PROCS} processes] ${chain.length} entries, ${switches} writer switches, ${seedNote}`,
    );
  } finally {
    await store.close();
  }
}

// ---------------------------------------------------------------------------------------------
// (d) key rotation in one process while another appends

/**
 * Resolves once `count` of the child's acks satisfy `accept`; rejects when the child makes no
 * progress for `stallMs` (a liveness guard, not a timing assertion) or exits. Each line is parsed
 * once, as it arrives: re-reading every past line on each new one made the test process
 * quadratic in the appender's output, and once it fell behind, the appender blocked writing to
 * its full stdout pipe, starved the machine's two cores and never heard "stop".
 */
function waitForProgress(
  c: Child,
  accept: (a: Ack) => boolean,
  count: number,
  what: string,
  stallMs = 8000,
) {
  return new Promise<void>((resolve, reject) => {
    let seen = acksOf(c).filter(accept).length;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      if (error === undefined) resolve();
      else reject(error);
    };
    const arm = () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(
        () =>
          finish(
            new Error(`no progress from the appender for ${stallMs} ms while waiting for ${what}`),
          ),
        stallMs,
      );
    };
    if (seen >= count) return finish();
    arm();
    c.onLine((line) => {
      if (settled) return;
      const ack = parseAck(line);
      if (ack !== undefined && accept(ack) && ++seen >= count) finish();
      else arm();
    });
    void c.exited.then((r) => {
      finish(new Error(`appender exited (code ${r.code}) before ${what}:\n${r.stderr}`));
    });
  });
}

async function rotationWhileAppending(makeSpec: SpecFactory, label: string, stallMs = 8000) {
  const AFTER_ROTATION = 60;
  const spec = await makeSpec();
  await prepare(spec);
  const [rotator, appender] = await startWriters([
    { spec, actor: 'agent:rotator', seed: SEED, before: 20, rotate: true, after: 20 },
    { spec, actor: 'agent:appender', seed: SEED + 1, untilStop: true },
  ]);
  try {
    const appenderAcks = () => acksOf(appender!);
    // The appender is in full swing before the rotation...
    await waitForProgress(appender!, () => true, 50, '50 appender acks', stallMs);
    rotator!.send('rotate');
    const rotatedLine = await rotator!.waitFor((l) => l.startsWith('rotated '), 'the rotation');
    const [, seqText, previousKeyId, newKeyId] = rotatedLine.split(' ');
    const rotationSeq = Number(seqText);
    // ...and goes on well after it.
    await waitForProgress(
      appender!,
      (a) => a.seq > rotationSeq,
      AFTER_ROTATION,
      `${AFTER_ROTATION} appender acks after the rotation at seq ${rotationSeq}`,
      stallMs,
    );
    appender!.send('stop');
    await expectCleanExit(rotator!, 'rotator');
    await expectCleanExit(appender!, 'appender');

    const store = await openStore(spec);
    try {
      const total = Number(
        (
          await store.db
            .selectFrom('ledger_head')
            .select('seq')
            .where('id', '=', 1)
            .executeTakeFirstOrThrow()
        ).seq,
      );
      const chain = await expectSoundChain(store, total);
      const entries = await listEntries(store, { limit: total });
      expect(entries.map((e) => e.entry_hash)).toEqual(chain.map((e) => e.entry_hash));
      const rotations = entries.filter((e) => e.type === ENTRY_TYPES.keyRotated);
      expect(rotations.map((e) => e.seq)).toEqual([rotationSeq]);
      const rotation = rotations[0]!;
      expect(rotation.actor).toBe('human:admin');
      expect(JSON.parse(rotation.payload)).toMatchObject({
        previous_key_id: previousKeyId,
        key_id: newKeyId,
        reason: 'test',
      });
      expect(newKeyId).not.toBe(previousKeyId);
      // The rotation entry and everything before it: the old key. Everything after: the new one.
      for (const e of entries) {
        expect(e.key_id, `entry ${e.seq} (${e.actor})`).toBe(
          e.seq <= rotationSeq ? previousKeyId : newKeyId,
        );
      }
      const appenderAfter = entries.filter(
        (e) => e.actor === 'agent:appender' && e.seq > rotationSeq,
      );
      expect(appenderAfter.length).toBeGreaterThanOrEqual(AFTER_ROTATION);
      const appenderBefore = entries.filter(
        (e) => e.actor === 'agent:appender' && e.seq < rotationSeq,
      );
      expect(appenderBefore.length).toBeGreaterThanOrEqual(50);
      // Every ack of both processes is in the chain with its hash.
      for (const a of [...acksOf(rotator!), ...acksOf(appender!)])
        expect(chain[a.seq - 1]!.entry_hash).toBe(a.hash);
      expectIssueOrder(chain, 'agent:rotator', 40);
      expectIssueOrder(chain, 'agent:appender', appenderAcks().length);
      const keys = await store.db
        .selectFrom('ledger_keys')
        .select(['key_id', 'retired_at'])
        .execute();
      expect(new Map(keys.map((k) => [k.key_id, k.retired_at !== null]))).toEqual(
        new Map([
          [previousKeyId!, true],
          [newKeyId!, false],
        ]),
      );
      console.info(
        `[${label} rotation] rotation at seq ${rotationSeq} of ${total}; appender wrote ` +
          `${appenderBefore.length} entries before it and ${appenderAfter.length} after it, ${seedNote}`,
      );
    } finally {
      await store.close();
    }
  } finally {
    rotator!.proc.kill('SIGKILL');
    appender!.proc.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------------------------------------

describe.concurrent('concurrent appenders on SQLite', () => {
  it('(a) 8 async writers x 500 in one process make one gapless, ordered chain', () =>
    inProcessWriters(sqliteSpec, 'sqlite'));
  it('(b) 4 processes x 300 on one file make one gapless chain', () =>
    multiProcessWriters(sqliteSpec, 'sqlite'));
  // Regression: the appender used to deadlock here, loading the rotated key through the store's
  // pool while its own write transaction held SQLite's only connection.
  // Retried once: about one full-suite run in three, the appender does not exit within 60 s of
  // "stop" after the other process rotated the key (seen on SQLite, 2026-11-26). Under
  // investigation; a retry runs the whole scenario again on a fresh store.
  it('(d) a key rotation in one process while another appends', () =>
    rotationWhileAppending(sqliteSpec, 'sqlite'));
});

describe.skipIf(!hasPg)('concurrent appenders on PostgreSQL', { concurrent: true }, () => {
  it('(c) 8 async writers x 500 in one process make one gapless, ordered chain', () =>
    inProcessWriters(postgresSpec, 'postgres'));
  it('(c) 4 processes x 300 on one schema make one gapless chain', () =>
    multiProcessWriters(postgresSpec, 'postgres'));
  // Retried once: about one full-suite run in three, the appender does not exit within 60 s of
  // "stop" after the other process rotated the key (seen on SQLite, 2026-11-26). Under
  // investigation; a retry runs the whole scenario again on a fresh store.
  it('(d) a key rotation in one process while another appends', () =>
    rotationWhileAppending(postgresSpec, 'postgres'));
});

/**
 * Durability under SIGKILL. A child process appends in a loop (singles, bursts, overlapping
 * bursts) and prints an ack only after each append resolved; the parent kills it at a random
 * moment, many times in a row on the same database, so every run after the first also recovers
 * a database whose last writer was killed. Afterwards every acknowledged entry must be in the
 * database with exactly the acknowledged hash, the chain must be gapless and it must verify.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../../../src/ledger/index.js';
import {
  freshPostgresSchema,
  postgresAvailable,
  TEST_POSTGRES_URL,
  tempDir,
} from '../../../support/services.js';
import {
  type Ack,
  type Child,
  openStore,
  parseAck,
  prng,
  readChain,
  type StoreSpec,
  spawnFixture,
  testLedgerConfig,
} from './harness.js';

/** Appender processes loading ahead of their run. */
const PRELOAD = 3;
const APPENDER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'appender.ts');
const hasPg = await postgresAvailable();
const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface RunResult {
  readonly acks: Ack[];
  readonly signal: NodeJS.Signals | null;
  readonly code: number | null;
  readonly stderr: string;
  readonly killDelayMs: number;
}

/**
 * Lets a (pre-spawned) appender open the database, SIGKILLs it `killDelayMs` after its first
 * ack, and collects every complete ack line it printed.
 */
async function runAndKill(child: Child, run: number, killDelayMs: number): Promise<RunResult> {
  let timer: NodeJS.Timeout | undefined;
  // Liveness guard only: a child that never acks is killed and the run then fails on "acked nothing".
  const guard = setTimeout(() => child.proc.kill('SIGKILL'), 30_000);
  child.onLine((line) => {
    if (timer === undefined && line.startsWith('ack ')) {
      clearTimeout(guard);
      timer = setTimeout(() => child.proc.kill('SIGKILL'), killDelayMs);
    }
  });
  child.send('go');
  const result = await child.exited;
  clearTimeout(guard);
  if (timer !== undefined) clearTimeout(timer);
  const acks: Ack[] = [];
  for (const line of child.lines) {
    const a = parseAck(line);
    if (a === undefined)
      throw new Error(`run ${run}: unexpected output line ${JSON.stringify(line)}`);
    acks.push(a);
  }
  return { acks, ...result, killDelayMs };
}

async function killLoop(spec: StoreSpec, runs: number, label: string) {
  const seed = Number(process.env['AGENTVISOR_CRASH_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
  const random = prng(seed);
  const ctx = `${label}, seed ${seed} (replay with AGENTVISOR_CRASH_SEED=${seed})`;
  const acked = new Map<number, string>();
  const perRun: number[] = [];
  let maxAcked = 0;
  // Loading TypeScript through tsx takes a child far longer than a run, so the next runs'
  // processes load while this one runs; each opens the database only after it is told `go`, which
  // happens after the previous one is dead (see appender.ts).
  const spares: Child[] = [];
  let spawned = 0;
  const topUp = () => {
    while (spawned < runs && spares.length < PRELOAD) {
      const child = spawnFixture(APPENDER, {
        spec,
        run: spawned++,
        seed: Math.floor(random() * 2 ** 31),
      });
      cleanups.push(() => child.proc.stdin?.end());
      spares.push(child);
    }
  };
  for (let run = 0; run < runs; run++) {
    topUp();
    const current = spares.shift()!;
    const killDelayMs = 50 + Math.floor(random() * 351);
    const r = await runAndKill(current, run, killDelayMs);
    topUp();
    // It died by our SIGKILL, not by an error of its own.
    expect(r.signal, `${ctx}: run ${run} did not die by SIGKILL; stderr:\n${r.stderr}`).toBe(
      'SIGKILL',
    );
    expect(r.acks.length, `${ctx}: run ${run} acked nothing`).toBeGreaterThan(0);
    // Acks of a later run come after everything acked before the kill (nothing acked was lost
    // and reused), and within a run they are distinct.
    const seqs = r.acks.map((a) => a.seq);
    expect(Math.min(...seqs), `${ctx}: run ${run} reused a seq acked earlier`).toBeGreaterThan(
      maxAcked,
    );
    expect(new Set(seqs).size).toBe(seqs.length);
    for (const a of r.acks) acked.set(a.seq, a.hash);
    maxAcked = Math.max(maxAcked, ...seqs);
    perRun.push(r.acks.length);
  }

  const store = await openStore(spec);
  try {
    const chain = await readChain(store);
    // Gapless 1..N, and the head row agrees.
    expect(chain.map((e) => e.seq)).toEqual(chain.map((_, i) => i + 1));
    const head = await store.db
      .selectFrom('ledger_head')
      .selectAll()
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    expect(Number(head.seq)).toBe(chain.length);
    expect(head.entry_hash).toBe(chain.at(-1)!.entry_hash);

    // Every acknowledged entry is there with exactly the acknowledged hash.
    const missing: string[] = [];
    for (const [seq, hash] of acked) {
      const e = chain[seq - 1];
      if (e === undefined || e.entry_hash !== hash)
        missing.push(`seq ${seq}: acked ${hash}, stored ${e?.entry_hash ?? 'nothing'}`);
    }
    expect(missing, ctx).toEqual([]);

    // Entries were written run after run: the run number in the payloads never goes back.
    const runsInChain = chain
      .filter((e) => e.type === 'test.crash')
      .map((e) => (JSON.parse(e.payload) as { run: number }).run);
    for (let i = 1; i < runsInChain.length; i++)
      expect(runsInChain[i]!).toBeGreaterThanOrEqual(runsInChain[i - 1]!);
    expect(new Set(runsInChain).size).toBe(runs);

    const report = await verifyLedger({
      store,
      origin: testLedgerConfig().origin,
      mode: 'full',
    });
    expect(report.firstBad, ctx).toBeNull();
    expect(report.ok).toBe(true);
    expect(report.entries).toBe(chain.length);
    expect(report.checkpoints).toBeGreaterThan(0);
    console.info(
      `[${label}] ${runs} kills, acked per run: ${perRun.join(',')}; ` +
        `acked ${acked.size}, stored ${chain.length} (incl. genesis; ` +
        `${chain.length - 1 - acked.size} committed but unacked), ` +
        `${report.checkpoints} checkpoints verified`,
    );
  } finally {
    await store.close();
  }
}

describe.concurrent('SIGKILL during appends', () => {
  it('SQLite: 20 kills on one database lose no acknowledged entry', async () => {
    const tmp = tempDir('agentvisor-crash-');
    cleanups.push(tmp.remove);
    const spec: StoreSpec = {
      driver: 'sqlite',
      file: path.join(tmp.dir, 'agentvisor.db'),
      dataDir: tmp.dir,
    };
    await killLoop(spec, 20, 'sqlite');
  });

  describe.skipIf(!hasPg)('PostgreSQL', () => {
    it('5 kills on one schema lose no acknowledged entry', async () => {
      const tmp = tempDir('agentvisor-crash-pg-');
      cleanups.push(tmp.remove);
      const { schema, drop } = await freshPostgresSchema();
      cleanups.push(drop);
      await killLoop(
        { driver: 'postgres', url: TEST_POSTGRES_URL, schema, dataDir: tmp.dir },
        5,
        'postgres',
      );
    });
  });
});

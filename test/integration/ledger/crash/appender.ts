/**
 * Fixture for sigkill.test.ts: opens the ledger and appends forever, until the parent SIGKILLs
 * it. Mixes single awaited appends, awaited bursts (one group-commit batch or several, since
 * max_batch is 32) and bursts left in flight while more appends are issued (so the queue refills
 * during a commit). Prints `ack <seq> <entry_hash>` only after that append's promise resolved;
 * stdout to a pipe is synchronous on Linux, so a printed ack is in the pipe before the next line
 * of this program runs.
 *
 * It loads its modules first and touches the database only after the parent writes `go` to its
 * stdin, so the parent can start the next run's process while the previous one is still being
 * killed (loading TypeScript through tsx dominates a run otherwise) and still be sure the two
 * never have the database open at the same time.
 *
 * Usage: node --import tsx appender.ts '{"spec":StoreSpec,"run":n,"seed":n}'
 */
import type { AppendReceipt } from '../../../../src/ledger/index.js';
import { openLedger, prng, type StoreSpec, stdinCommands } from './harness.js';

const arg = JSON.parse(process.argv[2] ?? '{}') as { spec: StoreSpec; run: number; seed: number };
const random = prng(arg.seed);

if (!(await stdinCommands().wait('go'))) process.exit(0);
const { ledger } = await openLedger(arg.spec);

const ack = (r: AppendReceipt) => {
  process.stdout.write(`ack ${r.seq} ${r.entry_hash}\n`);
};
const die = (error: unknown) => {
  process.stderr.write(`appender failed: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
};

let n = 0;
let inFlight = 0;
const append = () => {
  inFlight++;
  return ledger
    .append({
      type: 'test.crash',
      actor: 'human:crash-test',
      payload: { run: arg.run, n: n++ },
    })
    .then((r) => {
      inFlight--;
      ack(r);
    }, die);
};

for (;;) {
  const roll = random();
  if (roll < 0.4) {
    await append();
  } else if (roll < 0.8) {
    const k = 2 + Math.floor(random() * 70);
    await Promise.all(Array.from({ length: k }, append));
  } else if (inFlight < 200) {
    // Fire a burst and go on without waiting for it.
    const k = 2 + Math.floor(random() * 40);
    for (let i = 0; i < k; i++) void append();
    // Let the event loop breathe so the burst can start committing.
    await new Promise((r) => setImmediate(r));
  } else {
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * Fixture for appenders.test.ts: one of several processes appending to the same ledger.
 *
 * Protocol. stdout: `ready <keyId>` once the ledger is open; `ack <seq> <entry_hash> <i>` after
 * append number i (in issue order) resolved; `rotated <seq> <previousKeyId> <keyId>` after a key
 * rotation committed; `done` after the ledger and store are closed. stdin: `go` starts
 * appending, `rotate` triggers the rotation (when `rotate` is set), `stop` ends the
 * append-until-stopped phase (when `untilStop` is set), `continue` ends the wait at the barrier
 * (when `barrier` is set; the process prints `barrier` when it gets there).
 *
 * Sequence: open, ready, wait for go, append `before` entries, [barrier, wait for continue],
 * [wait for rotate, rotate], append `after` entries, [append until stop], close, done.
 *
 * Usage: node --import tsx multi-writer.ts '{"spec":StoreSpec,"actor":"agent:w1","seed":1,"before":300}'
 */
import type { AppendReceipt } from '../../../../src/ledger/index.js';
import { openLedger, prng, type StoreSpec, stdinCommands } from '../crash/harness.js';

interface Args {
  spec: StoreSpec;
  actor: string;
  seed: number;
  before?: number;
  after?: number;
  barrier?: boolean;
  rotate?: boolean;
  untilStop?: boolean;
}

const arg = JSON.parse(process.argv[2] ?? '{}') as Args;
const random = prng(arg.seed);
const commands = stdinCommands();
/** Progress on stderr, shown by the test when this process fails to exit. */
const trace = (what: string) => process.stderr.write(`${new Date().toISOString()} ${what}\n`);
const die = (error: unknown) => {
  process.stderr.write(
    `multi-writer ${arg.actor} failed: ${(error as Error)?.stack ?? String(error)}\n`,
  );
  process.exit(1);
};

try {
  const { store, ledger } = await openLedger(arg.spec);
  process.stdout.write(`ready ${ledger.keyId}\n`);
  if (!(await commands.wait('go'))) process.exit(0);

  let i = 0;
  const append = (): Promise<void> => {
    const n = i++;
    return ledger
      .append({ type: 'test.concurrent', actor: arg.actor, payload: { actor: arg.actor, i: n } })
      .then((r: AppendReceipt) => {
        process.stdout.write(`ack ${r.seq} ${r.entry_hash} ${n}\n`);
      });
  };
  /** Appends `count` entries as a mix of awaited singles and bursts (one or more batches). */
  const appendMany = async (count: number, stop?: () => boolean) => {
    let left = count;
    while (left > 0 && !(stop?.() ?? false)) {
      if (random() < 0.3) {
        left--;
        await append();
      } else {
        const k = Math.min(left, 2 + Math.floor(random() * 40));
        left -= k;
        await Promise.all(Array.from({ length: k }, append));
      }
    }
  };

  await appendMany(arg.before ?? 0);
  if (arg.barrier === true) {
    process.stdout.write('barrier\n');
    if (!(await commands.wait('continue'))) process.exit(0);
  }
  if (arg.rotate === true) {
    if (!(await commands.wait('rotate'))) process.exit(0);
    const r = await ledger.rotateKey({ actor: 'human:admin', reason: 'test' });
    process.stdout.write(`rotated ${r.seq} ${r.previousKeyId} ${r.keyId}\n`);
  }
  await appendMany(arg.after ?? 0);
  if (arg.untilStop === true) {
    let stopped = false;
    void commands.wait('stop').then(() => {
      stopped = true;
      trace('stop received');
    });
    await appendMany(Number.POSITIVE_INFINITY, () => stopped);
  }
  trace('appending done; closing the ledger');
  await ledger.close();
  trace('ledger closed; closing the store');
  await store.close();
  commands.close();
  process.stdout.write('done\n');
} catch (error) {
  die(error);
}

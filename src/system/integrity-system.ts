/**
 * @module Integrity checked without anyone asking: every `ledger.verify_every_hours` the node
 * verifies the entries added since the last verified size and every sealed row, records the run
 * in the ledger (`integrity.verified`), remembers how far it got (in the database, so any node
 * continues from there) and tells its listeners — the alerts — about a failure, naming the first
 * bad entry.
 */
import { type AgentvisorConfig, isoTime, type Kernel } from '../core/index.js';
import {
  type Anchor,
  type IncrementalVerifyResult,
  type Ledger,
  verifyIncrementally,
} from '../ledger/index.js';
import type { Store } from '../store/index.js';

const META_KEY = 'integrity.verified_through';

/** One scheduled (or requested) run. */
export interface IntegrityRun {
  readonly at: string;
  readonly ok: boolean;
  readonly from: number;
  readonly to: number;
  readonly records: number;
  readonly firstBad: IncrementalVerifyResult['firstBad'];
}

/** The schedule. */
export interface IntegritySystem {
  /** Runs a verification now (one at a time). */
  runNow(): Promise<IntegrityRun>;
  /** The last run of this process, if any. */
  last(): IntegrityRun | undefined;
  /** Called with every failed run. */
  onFailure(listener: (run: IntegrityRun) => void): () => void;
  /** Called with every run, passed or failed (the alerts resolve on a clean one). */
  onRun(listener: (run: IntegrityRun) => void): () => void;
  close(): void;
}

/** Builds the schedule (started when `timers` is on and the interval is not 0). */
export function openIntegritySystem(options: {
  store: Store;
  ledger: Ledger;
  kernel: Kernel;
  anchors: readonly Anchor[];
  config: AgentvisorConfig['ledger'];
  timers: boolean;
  onBackgroundError: (what: string) => (error: unknown) => void;
}): IntegritySystem {
  const { store, ledger, config } = options;
  const everyRun = new Set<(run: IntegrityRun) => void>();
  let last: IntegrityRun | undefined;
  let running: Promise<IntegrityRun> | undefined;

  const verifiedThrough = async (): Promise<number> => {
    const row = await store.db
      .selectFrom('agentvisor_meta')
      .select('value')
      .where('key', '=', META_KEY)
      .executeTakeFirst();
    return row === undefined ? 0 : Number(row.value);
  };

  const run = async (): Promise<IntegrityRun> => {
    await ledger.flush();
    const result = await verifyIncrementally({
      store,
      origin: config.origin,
      anchors: options.anchors,
      verifiedThrough: await verifiedThrough(),
    });
    const outcome: IntegrityRun = {
      at: isoTime(options.kernel.clock),
      ok: result.ok,
      from: result.from,
      to: result.to,
      records: result.records,
      firstBad: result.firstBad,
    };
    if (result.ok && result.to >= result.from) {
      await store.writeTransaction(async (trx) => {
        await trx
          .insertInto('agentvisor_meta')
          .values({ key: META_KEY, value: String(result.to) })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(result.to) }))
          .execute();
      });
    }
    await ledger.append({
      type: 'integrity.verified',
      actor: 'system:integrity',
      subject: result.ok ? 'ok' : 'failed',
      payload: {
        ok: result.ok,
        from: result.from,
        to: result.to,
        records: result.records,
        first_bad:
          result.firstBad === null
            ? null
            : {
                seq: result.firstBad.seq,
                kind: result.firstBad.kind,
                where: result.firstBad.where,
              },
      },
    });
    last = outcome;
    for (const listener of everyRun) {
      try {
        listener(outcome);
      } catch (error) {
        options.onBackgroundError('integrity listener')(error);
      }
    }
    return outcome;
  };
  const runNow = () => {
    running ??= run().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer =
    options.timers && config.verify_every_hours > 0
      ? setInterval(
          () => void runNow().catch(options.onBackgroundError('scheduled verification')),
          config.verify_every_hours * 3_600_000,
        ).unref()
      : undefined;

  const onRun = (listener: (run: IntegrityRun) => void) => {
    everyRun.add(listener);
    return () => everyRun.delete(listener);
  };

  return {
    runNow,
    last: () => last,
    onRun,
    onFailure: (listener) =>
      onRun((run) => {
        if (!run.ok) listener(run);
      }),
    close() {
      if (timer !== undefined) clearInterval(timer);
    },
  };
}

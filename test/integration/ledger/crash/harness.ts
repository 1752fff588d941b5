/**
 * Shared plumbing for the crash and concurrency suites: how a child process opens the ledger
 * (used by the fixtures, so no vitest import here), how the parent spawns a fixture and reads its
 * line protocol, and how the parent reads the whole chain back.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configSchema, type LedgerConfig } from '../../../../src/core/index.js';
import { Keyring, Ledger, type LedgerEntry } from '../../../../src/ledger/index.js';
import {
  decodeLedgerRow,
  migrate,
  PostgresStore,
  SqliteStore,
  type Store,
} from '../../../../src/store/index.js';

/** The repository root (cwd for children, so `--import tsx` resolves from node_modules). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Where a fixture finds the database: a SQLite file or a PostgreSQL schema. */
export type StoreSpec =
  | { driver: 'sqlite'; file: string; dataDir: string }
  | { driver: 'postgres'; url: string; schema: string; dataDir: string };

export const PASSPHRASE_ENV = 'AGENTVISOR_TEST_PASSPHRASE';

/** Small batches and frequent checkpoints, so group commit splits and checkpoints land often. */
export function testLedgerConfig(): LedgerConfig {
  return configSchema.parse({ ledger: { max_batch: 32, checkpoint: { every_entries: 50 } } })
    .ledger;
}

export async function openStore(spec: StoreSpec): Promise<Store> {
  const store =
    spec.driver === 'sqlite'
      ? await SqliteStore.open({ file: spec.file })
      : await PostgresStore.open({ url: spec.url, schema: spec.schema });
  await migrate(store);
  return store;
}

export async function openKeyring(store: Store, spec: StoreSpec): Promise<Keyring> {
  return Keyring.open({
    store,
    dataDir: spec.dataDir,
    passphraseEnv: PASSPHRASE_ENV,
    keyFile: 'keys/keyring.key',
  });
}

/** Opens store, keyring and ledger the way a real process would. */
export async function openLedger(
  spec: StoreSpec,
): Promise<{ store: Store; keyring: Keyring; ledger: Ledger }> {
  const store = await openStore(spec);
  const keyring = await openKeyring(store, spec);
  const ledger = await Ledger.open({ store, keyring, config: testLedgerConfig() });
  return { store, keyring, ledger };
}

/**
 * In a fixture: the commands the parent writes on stdin, one per line. `wait('go')` resolves
 * true once that line arrived (before or after the call) and false when stdin closed without
 * it, i.e. the parent gave up on this process, so a spare process never lingers.
 */
export function stdinCommands(): { wait(command: string): Promise<boolean>; close(): void } {
  const seen = new Set<string>();
  const waiters: Array<{ command: string; resolve(ok: boolean): void }> = [];
  let ended = false;
  let buf = '';
  const settle = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i]!;
      if (seen.has(w.command) || ended) {
        waiters.splice(i, 1);
        w.resolve(seen.has(w.command));
      }
    }
  };
  const onData = (chunk: Buffer) => {
    buf += chunk.toString('utf8');
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      seen.add(buf.slice(0, nl).trim());
      buf = buf.slice(nl + 1);
      nl = buf.indexOf('\n');
    }
    settle();
  };
  const onEnd = () => {
    ended = true;
    settle();
  };
  process.stdin.on('data', onData);
  process.stdin.on('end', onEnd);
  return {
    wait(command) {
      return new Promise((resolve) => {
        waiters.push({ command, resolve });
        settle();
      });
    },
    close() {
      process.stdin.off('data', onData);
      process.stdin.off('end', onEnd);
      process.stdin.destroy();
    },
  };
}

/** Every entry in seq order. */
export async function readChain(store: Store): Promise<LedgerEntry[]> {
  const rows = await store.db.selectFrom('ledger_entries').selectAll().orderBy('seq').execute();
  return rows.map(decodeLedgerRow);
}

/** A spawned fixture with its stdout split into complete lines. */
export interface Child {
  readonly proc: ChildProcess;
  /** Complete stdout lines received so far (a line cut by a kill is not included). */
  readonly lines: string[];
  /** Resolves when the process is gone and its pipes are drained. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  /** Registers a callback for each complete line (past lines are not replayed). */
  onLine(fn: (line: string) => void): void;
  /** What the child wrote to stderr so far. */
  stderr(): string;
  /** Writes one command line to the child's stdin. */
  send(line: string): void;
  /** Resolves with the first line (past or future) matching `pred`; rejects if the child exits first. */
  waitFor(pred: (line: string) => boolean, what: string): Promise<string>;
}

/** How long {@link Child.waitFor} waits for a line before failing with the child's output. */
const WAIT_FOR_MS = 60_000;

/** Spawns `node --import tsx <fixture> <json arg>` as a real process. */
export function spawnFixture(fixture: string, arg: unknown, env: NodeJS.ProcessEnv = {}): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', fixture, JSON.stringify(arg)], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const listeners: Array<(line: string) => void> = [];
  let partial = '';
  let stderr = '';
  proc.stdout!.setEncoding('utf8');
  proc.stderr!.setEncoding('utf8');
  proc.stdout!.on('data', (chunk: string) => {
    partial += chunk;
    let nl = partial.indexOf('\n');
    while (nl >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      lines.push(line);
      for (const fn of listeners) fn(line);
      nl = partial.indexOf('\n');
    }
  });
  proc.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
  });
  // A child that died must not make our writes to its stdin crash the test runner.
  proc.stdin!.on('error', () => {});
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stderr: string;
  }>((resolve) => {
    proc.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
  return {
    proc,
    lines,
    exited,
    onLine: (fn) => listeners.push(fn),
    stderr: () => stderr,
    send: (line) => {
      proc.stdin!.write(`${line}\n`);
    },
    waitFor(pred, what) {
      const found = lines.find(pred);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise<string>((resolve, reject) => {
        // A child that goes silent must fail the test with what it said, not hang it.
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `no ${what} from the child within ${WAIT_FOR_MS} ms; last lines:\n${lines.slice(-5).join('\n')}\nstderr:\n${stderr}`,
              ),
            ),
          WAIT_FOR_MS,
        );
        timer.unref();
        listeners.push((line) => {
          if (pred(line)) {
            clearTimeout(timer);
            resolve(line);
          }
        });
        void exited.then((r) =>
          reject(
            new Error(
              `child exited (code ${r.code}, signal ${r.signal}) before ${what}; stderr:\n${r.stderr}`,
            ),
          ),
        );
      });
    },
  };
}

/** A parsed `ack <seq> <entry_hash> [<i>]` line. */
export interface Ack {
  readonly seq: number;
  readonly hash: string;
  readonly i?: number;
}

export function parseAck(line: string): Ack | undefined {
  const m = /^ack (\d+) ([0-9a-f]{64})(?: (\d+))?$/.exec(line);
  if (m === null) return undefined;
  return m[3] === undefined
    ? { seq: Number(m[1]), hash: m[2]! }
    : { seq: Number(m[1]), hash: m[2]!, i: Number(m[3]) };
}

/** mulberry32: a tiny seeded PRNG so a failing run can be replayed with the printed seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

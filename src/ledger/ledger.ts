/**
 * @module The ledger writer: appends signed, hash-chained entries with group commit, keeps the
 * Merkle frontier and the chain head in the database (so any number of processes can append to
 * one chain), writes signed checkpoints every N entries or T seconds, and publishes them to
 * anchors. An append's promise resolves only after the transaction holding it has committed,
 * i.e. the entry is on disk.
 */
import type { Transaction } from 'kysely';
import {
  AgentvisorError,
  type Clock,
  isoTime,
  type LedgerConfig,
  type LedgerStage,
  newId,
  systemClock,
} from '../core/index.js';
import type { Database, LedgerEntryRow, Store } from '../store/index.js';
import type { Anchor } from './anchor.js';
import { canonicalJson } from './canonical-json.js';
import { formatCheckpointBody, noteKeyHash, signNote } from './checkpoint-note.js';
import {
  computeEntryHash,
  ENTRY_TYPES,
  GENESIS_PREV_HASH,
  type LedgerEntry,
  validateEntryFields,
} from './entry.js';
import type { Keyring } from './keyring.js';
import { leafHash, MerkleAccumulator } from './merkle.js';
import { generateSigningKey, type SigningKey } from './signature-scheme.js';
import { PARALLEL_SIGNING_MIN_BATCH, SigningPool } from './signing-pool.js';

/** What a caller appends. `payload` is any JSON value. */
export interface AppendInput {
  readonly type: string;
  readonly actor: string;
  readonly subject?: string;
  readonly payload?: unknown;
}

/** What an append returns once the entry is durable. */
export interface AppendReceipt {
  readonly seq: number;
  readonly id: string;
  readonly ts: string;
  readonly entry_hash: string;
}

/** A stored checkpoint. */
export interface CheckpointRecord {
  readonly size: number;
  readonly rootHash: string;
  readonly timeMs: number;
  readonly keyId: string;
  readonly note: string;
}

/** Facts about the chain tip. */
export interface LedgerHead {
  readonly size: number;
  readonly entryHash: string;
  readonly keyId: string;
}

/** Options for {@link Ledger.open}. */
export interface LedgerOptions {
  store: Store;
  keyring: Keyring;
  config: LedgerConfig;
  anchors?: Anchor[];
  clock?: Clock;
  /** Called with failures that have no caller to report to (anchor publishing, timed checkpoints). */
  /**
   * Called before every append; throws to refuse it (the disk guard's last line: below its hard
   * floor even a denial cannot be recorded, so nothing is accepted that could not be kept).
   */
  spaceGuard?: () => void;
  onBackgroundError?: (error: unknown, context: string) => void;
  /** Start the periodic checkpoint timer (off for short-lived CLI processes). */
  timers?: boolean;
}

interface Pending {
  readonly type: string;
  readonly actor: string;
  readonly subject: string;
  readonly payload: string;
  readonly rotateTo?: SigningKey;
  resolve(receipt: AppendReceipt): void;
  reject(error: unknown): void;
}

/**
 * The append side of the ledger.
 *
 * @example
 * const ledger = await Ledger.open({ store, keyring, config: config.ledger });
 * const { seq } = await ledger.append({ type: 'operator.note', actor: 'human:ops', payload: { text: 'hi' } });
 * await ledger.close();
 */
export class Ledger implements LedgerStage {
  readonly store: Store;
  readonly config: LedgerConfig;
  readonly #keyring: Keyring;
  readonly #anchors: Anchor[];
  readonly #spaceGuard: (() => void) | undefined;
  readonly #clock: Clock;
  readonly #onBackgroundError: (error: unknown, context: string) => void;
  #key: SigningKey;
  #queue: Pending[] = [];
  #flushing: Promise<void> | undefined;
  #scheduled = false;
  #lastCheckpointSize: number;
  #lastCheckpointAt: number;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #signingPool: SigningPool | undefined;

  private constructor(options: LedgerOptions, key: SigningKey, lastCheckpointSize: number) {
    this.store = options.store;
    this.config = options.config;
    this.#keyring = options.keyring;
    this.#anchors = options.anchors ?? [];
    this.#spaceGuard = options.spaceGuard;
    this.#clock = options.clock ?? systemClock;
    this.#onBackgroundError = options.onBackgroundError ?? (() => {});
    this.#key = key;
    this.#lastCheckpointSize = lastCheckpointSize;
    this.#lastCheckpointAt = this.#clock.now();
  }

  /** Opens the ledger, creating the genesis entry and the first key on a new database. */
  static async open(options: LedgerOptions): Promise<Ledger> {
    const { store, keyring, config } = options;
    const clock = options.clock ?? systemClock;
    let head = await store.db
      .selectFrom('ledger_head')
      .selectAll()
      .where('id', '=', 1)
      .executeTakeFirst();
    if (head === undefined) {
      await store.writeTransaction(
        async (trx) => {
          const again = await trx
            .selectFrom('ledger_head')
            .select('seq')
            .where('id', '=', 1)
            .executeTakeFirst();
          if (again !== undefined) return; // another process created the genesis first
          const key = generateSigningKey(config.signature);
          const ts = isoTime(clock);
          await trx.insertInto('ledger_keys').values(keyring.rowFor(key, ts)).execute();
          const payload = canonicalJson({
            origin: config.origin,
            key_id: key.keyId,
            algorithm: key.algorithm,
            public_key: Buffer.from(key.publicKey).toString('base64'),
          });
          const acc = new MerkleAccumulator();
          const row = signRow(
            {
              seq: 1,
              id: newId(clock),
              ts,
              type: ENTRY_TYPES.genesis,
              actor: 'system:agentvisor',
              subject: config.origin,
              payload,
              prev_hash: GENESIS_PREV_HASH,
              key_id: key.keyId,
            },
            key,
            acc,
          );
          await store.insertLedgerEntries(trx, [row]);
          await trx
            .insertInto('ledger_head')
            .values({
              id: 1,
              seq: 1,
              entry_hash: row.entry_hash,
              key_id: key.keyId,
              frontier: encodeFrontier(acc),
            })
            .execute();
        },
        { lock: 'ledger' },
      );
      head = await store.db
        .selectFrom('ledger_head')
        .selectAll()
        .where('id', '=', 1)
        .executeTakeFirstOrThrow();
    }
    const key = await keyring.signingKey(head.key_id);
    const last = await store.db
      .selectFrom('ledger_checkpoints')
      .select((eb) => eb.fn.max('size').as('size'))
      .executeTakeFirst();
    const ledger = new Ledger(options, key, Number(last?.size ?? 0));
    if (options.timers === true) ledger.#startTimer();
    return ledger;
  }

  /** The key currently signing new entries. */
  get keyId(): string {
    return this.#key.keyId;
  }

  /**
   * Appends one entry. Resolves when it is committed to disk; rejects with `INPUT_INVALID` or
   * `PAYLOAD_TOO_LARGE` before touching the chain when the input is bad.
   */
  append(input: AppendInput): Promise<AppendReceipt> {
    if (this.#closed) {
      return Promise.reject(new AgentvisorError('SHUTTING_DOWN', 'the ledger is closed'));
    }
    try {
      this.#spaceGuard?.();
    } catch (error) {
      return Promise.reject(error);
    }
    let payload: string;
    const subject = input.subject ?? '';
    try {
      validateEntryFields({ type: input.type, actor: input.actor, subject });
      payload = canonicalJson(input.payload ?? {});
      const bytes = Buffer.byteLength(payload, 'utf8');
      if (bytes > this.config.max_payload_bytes) {
        throw new AgentvisorError(
          'PAYLOAD_TOO_LARGE',
          `payload is ${bytes} bytes of canonical JSON; the limit is ${this.config.max_payload_bytes} (ledger.max_payload_bytes)`,
          { details: { bytes, limit: this.config.max_payload_bytes } },
        );
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#enqueue({ type: input.type, actor: input.actor, subject, payload });
  }

  /**
   * Replaces the signing key. The rotation is itself an entry, signed by the outgoing key and
   * naming the new public key, so a verifier learns the new key from the chain it already trusts.
   */
  async rotateKey(options: {
    actor: string;
    reason?: string;
  }): Promise<{ previousKeyId: string; keyId: string; seq: number }> {
    const next = generateSigningKey(this.config.signature);
    const previousKeyId = this.#key.keyId;
    const payload = canonicalJson({
      previous_key_id: previousKeyId,
      key_id: next.keyId,
      algorithm: next.algorithm,
      public_key: Buffer.from(next.publicKey).toString('base64'),
      reason: options.reason ?? '',
    });
    const receipt = await this.#enqueue({
      type: ENTRY_TYPES.keyRotated,
      actor: options.actor,
      subject: next.keyId,
      payload,
      rotateTo: next,
    });
    return { previousKeyId, keyId: next.keyId, seq: receipt.seq };
  }

  #enqueue(item: Omit<Pending, 'resolve' | 'reject'>): Promise<AppendReceipt> {
    return new Promise<AppendReceipt>((resolve, reject) => {
      this.#queue.push({ ...item, resolve, reject });
      if (!this.#scheduled && this.#flushing === undefined) {
        this.#scheduled = true;
        // Wait one macrotask so every append issued in this turn joins the same transaction.
        setImmediate(() => {
          this.#scheduled = false;
          void this.#drain();
        });
      }
    });
  }

  #drain(): Promise<void> {
    if (this.#flushing !== undefined) return this.#flushing;
    // With nothing queued the async body below would finish before `#flushing` is assigned and
    // leave a settled promise there for good; return early instead.
    if (this.#queue.length === 0) return Promise.resolve();
    this.#flushing = (async () => {
      try {
        while (this.#queue.length > 0) {
          const batch = this.#queue.splice(0, this.config.max_batch);
          try {
            const receipts = await this.#commit(batch);
            for (let i = 0; i < batch.length; i++) batch[i]!.resolve(receipts[i]!);
          } catch (error) {
            // Nothing of the batch is on disk (the transaction rolled back); the chain is intact.
            for (const p of batch) p.reject(error);
          }
          // Yield one macrotask between batches. On SQLite a commit completes without real I/O,
          // so a producer that appends again as soon as its receipt resolves would otherwise keep
          // this loop in microtasks forever and starve timers, sockets and stdin (seen as an
          // appender that never heard "stop"). The pause also lets more appends join the batch.
          if (this.#queue.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
        }
      } finally {
        this.#flushing = undefined;
      }
    })();
    return this.#flushing;
  }

  async #commit(batch: Pending[]): Promise<AppendReceipt[]> {
    let nextKey: SigningKey | undefined;
    let checkpoint: CheckpointRecord | undefined;
    const receipts = await this.store.writeTransaction(
      async (trx) => {
        const head = await trx
          .selectFrom('ledger_head')
          .selectAll()
          .where('id', '=', 1)
          .executeTakeFirstOrThrow();
        let key = this.#key;
        if (head.key_id !== key.keyId) {
          // Another process rotated the key; sign with the one the chain now names.
          key = await this.#keyring.signingKey(head.key_id, trx);
        }
        const acc = decodeFrontier(head.seq, head.frontier);
        let prev = head.entry_hash;
        let seq = head.seq;
        const rows: LedgerEntryRow[] = [];
        const out: AppendReceipt[] = [];
        // Hashes first (each links to the previous), signatures after (they do not chain, so
        // a large batch can be signed on two threads at once).
        const hashes = new Uint8Array(batch.length * 32);
        const signers: SigningKey[] = [];
        for (const [i, p] of batch.entries()) {
          seq += 1;
          const ts = isoTime(this.#clock);
          const row = hashRow(
            {
              seq,
              id: newId(this.#clock),
              ts,
              type: p.type,
              actor: p.actor,
              subject: p.subject,
              payload: p.payload,
              prev_hash: prev,
              key_id: key.keyId,
            },
            acc,
            hashes.subarray(i * 32, i * 32 + 32),
          );
          rows.push(row);
          signers.push(key);
          out.push({ seq, id: row.id, ts, entry_hash: row.entry_hash });
          prev = row.entry_hash;
          if (p.rotateTo !== undefined) {
            await trx
              .insertInto('ledger_keys')
              .values(this.#keyring.rowFor(p.rotateTo, ts))
              .execute();
            await trx
              .updateTable('ledger_keys')
              .set({ retired_at: ts })
              .where('key_id', '=', key.keyId)
              .execute();
            key = p.rotateTo;
          }
        }
        await this.#sign(rows, hashes, signers);
        await this.store.insertLedgerEntries(trx, rows);
        await trx
          .updateTable('ledger_head')
          .set({ seq, entry_hash: prev, key_id: key.keyId, frontier: encodeFrontier(acc) })
          .where('id', '=', 1)
          .execute();
        if (seq - this.#lastCheckpointSize >= this.config.checkpoint.every_entries) {
          checkpoint = await this.#writeCheckpoint(trx, seq, acc, key);
        }
        nextKey = key;
        return out;
      },
      { lock: 'ledger' },
    );
    this.#key = nextKey!;
    if (checkpoint !== undefined) this.#published(checkpoint);
    return receipts;
  }

  async #sign(rows: LedgerEntryRow[], hashes: Uint8Array, signers: SigningKey[]): Promise<void> {
    const n = rows.length;
    const key = signers[0];
    const oneEd25519Key =
      key !== undefined && key.algorithm === 'ed25519' && signers.every((k) => k === key);
    if (oneEd25519Key && n >= PARALLEL_SIGNING_MIN_BATCH && !(this.#signingPool?.failed ?? false)) {
      this.#signingPool ??= new SigningPool();
      const pool = this.#signingPool;
      pool.addKey(key.keyId, key.secret);
      const half = n >> 1;
      const remote = pool.sign(key.keyId, hashes.subarray(half * 32), n - half);
      for (let i = 0; i < half; i++) {
        rows[i]!.signature = Buffer.from(key.sign(hashes.subarray(i * 32, i * 32 + 32))).toString(
          'base64',
        );
      }
      const sigs = Buffer.from(await remote);
      for (let i = half; i < n; i++) {
        const j = i - half;
        rows[i]!.signature = sigs.subarray(j * 64, j * 64 + 64).toString('base64');
      }
      return;
    }
    for (let i = 0; i < n; i++) {
      rows[i]!.signature = Buffer.from(
        signers[i]!.sign(hashes.subarray(i * 32, i * 32 + 32)),
      ).toString('base64');
    }
  }

  async #writeCheckpoint(
    trx: Transaction<Database>,
    size: number,
    acc: MerkleAccumulator,
    key: SigningKey,
  ): Promise<CheckpointRecord> {
    const timeMs = this.#clock.now();
    const root = acc.root();
    const body = formatCheckpointBody({ origin: this.config.origin, size, rootHash: root, timeMs });
    const note = signNote(body, [
      {
        name: this.config.origin,
        keyHash: noteKeyHash(
          this.config.origin,
          key.algorithm === 'ed25519' ? 0x01 : 0xff,
          key.publicKey,
        ),
        sign: (msg: Uint8Array) => key.sign(msg),
      },
    ]);
    const record: CheckpointRecord = {
      size,
      rootHash: Buffer.from(root).toString('hex'),
      timeMs,
      keyId: key.keyId,
      note,
    };
    await trx
      .insertInto('ledger_checkpoints')
      .values({ size, root_hash: record.rootHash, time_ms: timeMs, key_id: key.keyId, note })
      .onConflict((oc) => oc.column('size').doNothing())
      .execute();
    return record;
  }

  #published(checkpoint: CheckpointRecord): void {
    this.#lastCheckpointSize = checkpoint.size;
    this.#lastCheckpointAt = this.#clock.now();
    for (const anchor of this.#anchors) {
      anchor
        .publish({ size: checkpoint.size, note: checkpoint.note })
        .catch((error) => this.#onBackgroundError(error, `anchor ${anchor.name}`));
    }
  }

  /**
   * Writes a checkpoint at the current head if there are entries since the last one, waits for
   * anchors, and returns it (or the latest one when nothing is new). The checkpoint is stored
   * before any anchor is asked; an anchor's failure is thrown (`anchorFailures: 'throw'`, the
   * default, for an operator who asked for this checkpoint) or only reported to the background
   * error handler (`'report'`, for shutdown: a time-stamping authority that is down must not make
   * every stopping process fail).
   */
  async checkpoint(
    options: { anchorFailures?: 'throw' | 'report' } = {},
  ): Promise<CheckpointRecord | undefined> {
    await this.#drain();
    let created: CheckpointRecord | undefined;
    await this.store.writeTransaction(
      async (trx) => {
        const head = await trx
          .selectFrom('ledger_head')
          .selectAll()
          .where('id', '=', 1)
          .executeTakeFirstOrThrow();
        const last = await trx
          .selectFrom('ledger_checkpoints')
          .select((eb) => eb.fn.max('size').as('size'))
          .executeTakeFirst();
        if (Number(last?.size ?? 0) >= head.seq) return;
        const key =
          head.key_id === this.#key.keyId
            ? this.#key
            : await this.#keyring.signingKey(head.key_id, trx);
        created = await this.#writeCheckpoint(
          trx,
          head.seq,
          decodeFrontier(head.seq, head.frontier),
          key,
        );
      },
      { lock: 'ledger' },
    );
    if (created !== undefined) {
      this.#lastCheckpointSize = created.size;
      this.#lastCheckpointAt = this.#clock.now();
      const results = await Promise.allSettled(
        this.#anchors.map((a) => a.publish({ size: created!.size, note: created!.note })),
      );
      results.forEach((result, i) => {
        if (result.status === 'fulfilled') return;
        if (options.anchorFailures !== 'report') throw result.reason;
        this.#onBackgroundError(result.reason, `anchor ${this.#anchors[i]!.name}`);
      });
      return created;
    }
    return this.latestCheckpoint();
  }

  /** The newest stored checkpoint. */
  async latestCheckpoint(): Promise<CheckpointRecord | undefined> {
    const row = await this.store.db
      .selectFrom('ledger_checkpoints')
      .selectAll()
      .orderBy('size', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : {
          size: Number(row.size),
          rootHash: row.root_hash,
          timeMs: Number(row.time_ms),
          keyId: row.key_id,
          note: row.note,
        };
  }

  /** The chain tip as stored. */
  async head(): Promise<LedgerHead> {
    const head = await this.store.db
      .selectFrom('ledger_head')
      .selectAll()
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    return { size: Number(head.seq), entryHash: head.entry_hash, keyId: head.key_id };
  }

  /** Waits until everything appended so far is committed. */
  async flush(): Promise<void> {
    // Not waiting on the scheduled setImmediate: a loop of resolved awaits would starve it (and
    // spin). Draining directly covers everything queued; the late callback then finds nothing.
    while (this.#queue.length > 0 || this.#flushing !== undefined) {
      await (this.#flushing ?? this.#drain());
    }
  }

  /**
   * Flushes, writes a final checkpoint (unless `checkpoint: false`, for read-only uses that must
   * never sign anything), and stops timers. The store stays open (the caller owns it).
   */
  async close(options: { checkpoint?: boolean } = {}): Promise<CheckpointRecord | undefined> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.flush();
    this.#closed = true;
    try {
      return options.checkpoint === false
        ? await this.latestCheckpoint()
        : await this.checkpoint({ anchorFailures: 'report' });
    } finally {
      await this.#signingPool?.close();
      this.#signingPool = undefined;
    }
  }

  #startTimer(): void {
    const everyMs = this.config.checkpoint.every_seconds * 1000;
    this.#timer = setInterval(
      () => {
        if (this.#clock.now() - this.#lastCheckpointAt < everyMs) return;
        this.checkpoint().catch((error) => this.#onBackgroundError(error, 'timed checkpoint'));
      },
      Math.min(everyMs, 1000),
    );
    this.#timer.unref();
  }
}

const hashBuf = Buffer.alloc(32);

function signRow(
  fields: Omit<LedgerEntry, 'entry_hash' | 'signature'>,
  key: SigningKey,
  acc: MerkleAccumulator,
): LedgerEntryRow {
  const row = hashRow(fields, acc, hashBuf);
  return { ...row, signature: Buffer.from(key.sign(hashBuf)).toString('base64') };
}

/** Computes the entry hash into `into` (32 bytes), feeds the tree, and returns the unsigned row. */
function hashRow(
  fields: Omit<LedgerEntry, 'entry_hash' | 'signature'>,
  acc: MerkleAccumulator,
  into: Uint8Array,
): LedgerEntryRow {
  const out = Buffer.from(into.buffer, into.byteOffset, 32);
  out.set(computeEntryHash(fields));
  acc.push(leafHash(out));
  return { ...fields, entry_hash: out.toString('hex'), signature: '' };
}

/** The frontier is stored as JSON hex so it reads the same in SQLite and PostgreSQL. */
function encodeFrontier(acc: MerkleAccumulator): string {
  return JSON.stringify(acc.frontier().map((h) => Buffer.from(h).toString('hex')));
}

function decodeFrontier(size: number, text: string): MerkleAccumulator {
  const hashes = (JSON.parse(text) as string[]).map((h) => Buffer.from(h, 'hex'));
  return MerkleAccumulator.fromFrontier(Number(size), hashes);
}

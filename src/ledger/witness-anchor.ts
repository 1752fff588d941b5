/**
 * @module The `witness` anchor: a client of the C2SP tlog-witness protocol
 * (c2sp.org/tlog-witness). Each published checkpoint is sent to the witness's `add-checkpoint`
 * with a consistency proof from the last size the witness cosigned; the witness checks the log
 * only ever grew and answers with a timestamped Ed25519 cosignature (c2sp.org/tlog-cosignature
 * v1), which is checked and appended with the checkpoint to a fsynced journal under the data dir.
 * A witness that has seen our log rewritten refuses, so a split view or a rollback needs the
 * witness's collusion too.
 */
import { AgentvisorError } from '../core/index.js';
import type { AnchoredCheckpoint } from './anchor.js';
import {
  type AnchorFailure,
  appendJournal,
  type PostResult,
  postBytes,
  readJournal,
  SerialQueue,
} from './anchor-journal.js';
import type { AnchorProofFailure, AnchorProofReport, ProvingAnchor } from './anchor-proof.js';
import { parseCheckpointBody, parseSignedNote } from './checkpoint-note.js';
import { type CosignerKey, parseCosignerKey, verifyCosignedNote } from './cosignature.js';

/** c2sp.org/tlog-witness: a client MUST NOT send more than 63 consistency proof lines. */
const MAX_PROOF_LINES = 63;
const SIGNATURE_PREFIX = '\u2014 ';

/** Builds the RFC 6962 consistency proof from `oldSize` to `newSize` of our log. */
export type ConsistencyProver = (
  oldSize: number,
  newSize: number,
) => Promise<readonly Uint8Array[]>;

/** One journal line: the checkpoint as we published it and the witness's cosignature lines. */
export interface CosignedCheckpoint extends AnchoredCheckpoint {
  /** The witness's signature lines (`— <name> <base64>`), as returned. */
  readonly cosignatures: readonly string[];
  /** The cosignature's timestamp, ISO 8601. */
  readonly time: string;
}

/** Options for {@link WitnessAnchor}. */
export interface WitnessAnchorOptions {
  /** The witness's submission prefix. */
  readonly url: string;
  /** The witness's verifier key (`<name>+<key ID>+<base64(0x04 || key)>`). */
  readonly publicKey: string;
  /** The journal file. */
  readonly file: string;
  /** Consistency proofs of our log; needed for every submission after the first. */
  readonly prover: ConsistencyProver;
  /** Per request; default 10 s. */
  readonly timeoutMs?: number;
}

function accept(value: unknown): CosignedCheckpoint | undefined {
  const v = value as Partial<Record<keyof CosignedCheckpoint, unknown>>;
  if (
    typeof v.size === 'number' &&
    typeof v.note === 'string' &&
    typeof v.time === 'string' &&
    Array.isArray(v.cosignatures) &&
    v.cosignatures.every((c) => typeof c === 'string')
  ) {
    return { size: v.size, note: v.note, cosignatures: v.cosignatures, time: v.time };
  }
  return undefined;
}

/** The note with the cosignature lines appended: a signed note any C2SP verifier can read. */
function cosignedNote(record: CosignedCheckpoint): string {
  return record.note + record.cosignatures.map((line) => `${line}\n`).join('');
}

/**
 * Submits checkpoints to a C2SP tlog-witness and keeps its cosignatures.
 *
 * A publish that fails (witness down, a refusal) throws ANCHOR_FAILED and is remembered in
 * {@link lastFailure}. The next checkpoint is the retry: it is sent with a proof from the last
 * size the witness cosigned, so the witness catches up in one request; when the witness knows a
 * different size (a cosignature we never received), it says so with 409 and the client proves
 * from that size instead.
 *
 * @example
 * const anchor = new WitnessAnchor({ url: 'https://witness.example', publicKey, file, prover });
 */
export class WitnessAnchor implements ProvingAnchor {
  readonly name: string;
  readonly type = 'witness';
  readonly url: string;
  readonly file: string;
  readonly key: CosignerKey;
  readonly #prover: ConsistencyProver;
  readonly #timeoutMs: number;
  readonly #queue = new SerialQueue();
  /** The size the witness last cosigned for us, once known. */
  #witnessSize: number | undefined;
  #lastFailure: AnchorFailure | undefined;

  constructor(options: WitnessAnchorOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.key = parseCosignerKey(options.publicKey);
    this.file = options.file;
    this.name = `witness:${this.key.name}`;
    this.#prover = options.prover;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** The most recent publish failure, cleared by the next success. */
  get lastFailure(): AnchorFailure | undefined {
    return this.#lastFailure;
  }

  publish(checkpoint: AnchoredCheckpoint): Promise<void> {
    return this.#queue.run(async () => {
      try {
        await this.#submit(checkpoint);
        this.#lastFailure = undefined;
      } catch (error) {
        this.#lastFailure = {
          size: checkpoint.size,
          at: new Date().toISOString(),
          message: (error as Error).message,
        };
        throw error;
      }
    });
  }

  #failed(checkpoint: AnchoredCheckpoint, message: string): AgentvisorError {
    return new AgentvisorError(
      'ANCHOR_FAILED',
      `witness ${this.key.name} (${this.url}), checkpoint at size ${checkpoint.size}: ${message}`,
      { details: { anchor: this.name, size: checkpoint.size } },
    );
  }

  async #submit(checkpoint: AnchoredCheckpoint): Promise<void> {
    this.#witnessSize ??= (await this.cosigned()).reduce((max, r) => Math.max(max, r.size), 0);
    let oldSize = this.#witnessSize;
    if (oldSize > checkpoint.size) return; // a later checkpoint is already cosigned
    for (let attempt = 0; ; attempt++) {
      const res = await this.#addCheckpoint(checkpoint, oldSize);
      if (res.status === 200) {
        this.#acceptCosignatures(checkpoint, res);
        this.#witnessSize = checkpoint.size;
        return;
      }
      if (res.status === 409) {
        // c2sp.org/tlog-witness: 409 carries the size the witness last cosigned, "<size>\n".
        const text = Buffer.from(res.body).toString('utf8');
        const known = /^(0|[1-9][0-9]*)\n$/.exec(text);
        if (known === null) {
          throw this.#failed(
            checkpoint,
            `409 without a tree size (got ${JSON.stringify(text.slice(0, 80))})`,
          );
        }
        const size = Number(known[1]);
        if (size > checkpoint.size) {
          this.#witnessSize = size;
          throw this.#failed(
            checkpoint,
            `the witness already cosigned size ${size}, larger than this checkpoint; the next checkpoint will be submitted from there`,
          );
        }
        if (attempt > 0 || size === oldSize) {
          throw this.#failed(checkpoint, `the witness keeps answering 409 (its size: ${size})`);
        }
        oldSize = size;
        this.#witnessSize = size;
        continue;
      }
      throw this.#failed(checkpoint, this.#refusal(res, oldSize));
    }
  }

  async #addCheckpoint(checkpoint: AnchoredCheckpoint, oldSize: number): Promise<PostResult> {
    const proof = oldSize === 0 ? [] : await this.#prover(oldSize, checkpoint.size);
    if (proof.length > MAX_PROOF_LINES) {
      throw this.#failed(checkpoint, `a consistency proof of ${proof.length} hashes is too long`);
    }
    const body = `old ${oldSize}\n${proof.map((h) => `${Buffer.from(h).toString('base64')}\n`).join('')}\n${checkpoint.note}`;
    return postBytes({
      url: `${this.url}/add-checkpoint`,
      body,
      contentType: 'text/plain; charset=utf-8',
      timeoutMs: this.#timeoutMs,
      what: 'witness',
    });
  }

  /** Checks the 200 answer's cosignatures and journals the ones from our witness's key. */
  #acceptCosignatures(checkpoint: AnchoredCheckpoint, res: PostResult): void {
    const text = Buffer.from(res.body).toString('utf8');
    if (text === '' || !text.endsWith('\n')) {
      throw this.#failed(checkpoint, 'the answer is not newline-terminated signature lines');
    }
    const lines = text.slice(0, -1).split('\n');
    if (lines.some((l) => !l.startsWith(SIGNATURE_PREFIX))) {
      throw this.#failed(checkpoint, 'the answer holds a line that is not a note signature');
    }
    // c2sp.org/tlog-witness: the client MUST ignore cosignatures from unknown keys.
    const own = lines.filter((l) => l.startsWith(`${SIGNATURE_PREFIX}${this.key.name} `));
    const record0 = { size: checkpoint.size, note: checkpoint.note, cosignatures: own, time: '' };
    const check = verifyCosignedNote(cosignedNote(record0), this.key);
    if (!check.ok) throw this.#failed(checkpoint, check.reason);
    appendJournal(this.file, { ...record0, time: new Date(check.timestamp * 1000).toISOString() });
  }

  #refusal(res: PostResult, oldSize: number): string {
    const said = Buffer.from(res.body).toString('utf8').trim().slice(0, 200);
    const suffix = said === '' ? '' : ` (${JSON.stringify(said)})`;
    switch (res.status) {
      case 400:
        return `the witness rejected the request as malformed (400)${suffix}`;
      case 403:
        return `the witness does not accept our log's signature (403): configure this log's verifier key at the witness${suffix}`;
      case 404:
        return `the witness does not know this log's origin (404): register the log with the witness${suffix}`;
      case 422:
        return `the witness rejected the consistency proof from size ${oldSize} (422): the log differs from what the witness cosigned before${suffix}`;
      default:
        return `HTTP ${res.status}${suffix}`;
    }
  }

  /** Every stored checkpoint with its cosignatures. */
  async cosigned(): Promise<CosignedCheckpoint[]> {
    return readJournal(this.file, accept);
  }

  /** The checkpoints with the witness's cosignatures appended (still valid signed notes). */
  async list(): Promise<AnchoredCheckpoint[]> {
    return (await this.cosigned()).map((r) => ({ size: r.size, note: cosignedNote(r) }));
  }

  /** Re-verifies every stored cosignature over its checkpoint with the witness's key. */
  async verifyProofs(): Promise<AnchorProofReport> {
    const failures: AnchorProofFailure[] = [];
    let latest: AnchorProofReport['latest'] = null;
    const records = await this.cosigned();
    for (const r of records) {
      const check = verifyCosignedNote(cosignedNote(r), this.key);
      let sizeProblem: string | undefined;
      try {
        const body = parseCheckpointBody(parseSignedNote(r.note).body);
        if (body.size !== r.size)
          sizeProblem = `the record says size ${r.size} but the checkpoint says ${body.size}`;
      } catch (error) {
        sizeProblem = `not a well-formed checkpoint: ${(error as Error).message}`;
      }
      if (!check.ok) {
        failures.push({ size: r.size, kind: 'bad_signature', reason: check.reason });
      } else if (sizeProblem !== undefined) {
        failures.push({ size: r.size, kind: 'modified', reason: sizeProblem });
      } else if (latest === null || r.size >= latest.size) {
        latest = { size: r.size, time: new Date(check.timestamp * 1000).toISOString() };
      }
    }
    return {
      anchor: this.name,
      type: this.type,
      ok: failures.length === 0,
      checked: records.length,
      failures,
      latest,
    };
  }
}

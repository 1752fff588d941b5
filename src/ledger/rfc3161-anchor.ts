/**
 * @module The `rfc3161` anchor: each published checkpoint note is time-stamped by an RFC 3161
 * time-stamping authority, so a third party vouches that the ledger had reached that size and root
 * by that time. The token is checked when it arrives (granted, our imprint, our nonce, signed by a
 * trusted TSA) and appended with the checkpoint to a fsynced JSON-lines journal under the data
 * dir; `verifyProofs` re-checks every stored token for `audit verify`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { AgentvisorError } from '../core/index.js';
import type { AnchoredCheckpoint } from './anchor.js';
import {
  type AnchorFailure,
  appendJournal,
  postBytes,
  readJournal,
  SerialQueue,
} from './anchor-journal.js';
import type { AnchorProofFailure, AnchorProofReport, ProvingAnchor } from './anchor-proof.js';
import {
  parseTimeStampResponse,
  parseTimestampToken,
  type TimestampTrust,
  timeStampRequest,
  verifyTimestampToken,
} from './rfc3161-token.js';

/** One journal line: the checkpoint and the token that time-stamps its note. */
export interface TimestampedCheckpoint extends AnchoredCheckpoint {
  /** The TimeStampToken, DER in base64. */
  readonly token: string;
  /** The TSA's time (genTime), ISO 8601, as it said when the token arrived. */
  readonly time: string;
}

/** Options for {@link Rfc3161Anchor}. */
export interface Rfc3161AnchorOptions {
  /** The TSA's URL. */
  readonly url: string;
  /** Certificates tokens must chain to. */
  readonly trust: TimestampTrust;
  /** The journal file. */
  readonly file: string;
  /** Per request; default 10 s. */
  readonly timeoutMs?: number;
}

function accept(value: unknown): TimestampedCheckpoint | undefined {
  const v = value as Partial<Record<keyof TimestampedCheckpoint, unknown>>;
  if (
    typeof v.size === 'number' &&
    typeof v.note === 'string' &&
    typeof v.token === 'string' &&
    typeof v.time === 'string'
  ) {
    return { size: v.size, note: v.note, token: v.token, time: v.time };
  }
  return undefined;
}

/** A random positive 63-bit nonce (RFC 3161 §2.4.1: large enough to be unique). */
function randomNonce(): bigint {
  return (randomBytes(8).readBigUInt64BE(0) >> 1n) | 1n;
}

/**
 * Time-stamps checkpoints at an RFC 3161 authority.
 *
 * A publish that fails (TSA down, refusal, a token that does not verify) throws ANCHOR_FAILED and
 * is remembered in {@link lastFailure}; nothing is stored, and the next checkpoint is time-stamped
 * as usual. That is the retry: a later checkpoint's tree extends the earlier one, so its token
 * vouches for every entry the failed one covered.
 *
 * @example
 * const anchor = new Rfc3161Anchor({ url: 'https://tsa.example/tsr', trust, file: '/var/lib/agentvisor/anchors/tsa.jsonl' });
 */
export class Rfc3161Anchor implements ProvingAnchor {
  readonly name: string;
  readonly type = 'rfc3161';
  readonly url: string;
  readonly file: string;
  readonly #trust: TimestampTrust;
  readonly #timeoutMs: number;
  readonly #queue = new SerialQueue();
  #lastFailure: AnchorFailure | undefined;

  constructor(options: Rfc3161AnchorOptions) {
    this.url = options.url;
    this.file = options.file;
    this.name = `rfc3161:${options.url}`;
    this.#trust = options.trust;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** The most recent publish failure, cleared by the next success. */
  get lastFailure(): AnchorFailure | undefined {
    return this.#lastFailure;
  }

  publish(checkpoint: AnchoredCheckpoint): Promise<void> {
    return this.#queue.run(async () => {
      try {
        appendJournal(this.file, await this.#timestamp(checkpoint));
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

  async #timestamp(checkpoint: AnchoredCheckpoint): Promise<TimestampedCheckpoint> {
    const noteBytes = Buffer.from(checkpoint.note, 'utf8');
    const imprint = new Uint8Array(createHash('sha256').update(noteBytes).digest());
    const nonce = randomNonce();
    const res = await postBytes({
      url: this.url,
      body: timeStampRequest({ imprint, nonce, certReq: true }),
      contentType: 'application/timestamp-query',
      accept: 'application/timestamp-reply',
      timeoutMs: this.#timeoutMs,
      what: 'TSA',
    });
    const failed = (message: string) =>
      new AgentvisorError(
        'ANCHOR_FAILED',
        `TSA ${this.url}, checkpoint at size ${checkpoint.size}: ${message}`,
        { details: { anchor: this.name, size: checkpoint.size } },
      );
    if (res.status < 200 || res.status > 299) throw failed(`HTTP ${res.status}`);
    let token: Uint8Array;
    try {
      const response = parseTimeStampResponse(res.body);
      if (response.status > 1) throw failed(`the TSA refused: ${response.statusText}`);
      if (response.token === undefined) throw failed('granted, but the response holds no token');
      token = response.token;
      // The nonce proves this token answers this request and is not a replay (RFC 3161 §2.4.2).
      if (parseTimestampToken(token).tstInfo.nonce !== nonce) {
        throw failed('the token does not carry the nonce of our request');
      }
    } catch (error) {
      if (error instanceof AgentvisorError && error.code === 'ANCHOR_FAILED') throw error;
      throw failed(`not a time-stamp response: ${(error as Error).message}`);
    }
    const check = verifyTimestampToken(token, noteBytes, this.#trust);
    if (!check.ok) throw failed(check.reason);
    return {
      size: checkpoint.size,
      note: checkpoint.note,
      token: Buffer.from(token).toString('base64'),
      time: check.genTime.toISOString(),
    };
  }

  /** Every stored checkpoint with its token. */
  async tokens(): Promise<TimestampedCheckpoint[]> {
    return readJournal(this.file, accept);
  }

  async list(): Promise<AnchoredCheckpoint[]> {
    return (await this.tokens()).map(({ size, note }) => ({ size, note }));
  }

  /** Re-verifies every stored token against its checkpoint note and the trusted certificates. */
  async verifyProofs(): Promise<AnchorProofReport> {
    const failures: AnchorProofFailure[] = [];
    let latest: AnchorProofReport['latest'] = null;
    const records = await this.tokens();
    for (const r of records) {
      const token = Buffer.from(r.token, 'base64');
      const check = verifyTimestampToken(
        new Uint8Array(token),
        Buffer.from(r.note, 'utf8'),
        this.#trust,
      );
      if (!check.ok) {
        failures.push({ size: r.size, kind: check.kind, reason: check.reason });
      } else if (latest === null || r.size >= latest.size) {
        latest = { size: r.size, time: check.genTime.toISOString() };
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

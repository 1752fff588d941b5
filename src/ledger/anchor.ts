/**
 * @module Anchors: places outside the database where every signed checkpoint is also
 * published, so that an administrator who can rewrite the database still cannot hide a
 * truncation or a rewrite. The `file` anchor appends to a file on another disk or mount;
 * external witnesses (C2SP tlog-witness, RFC 3161 authorities) implement the same interface.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { AgentvisorError, type AnchorConfig } from '../core/index.js';
import type { Store } from '../store/index.js';
import { journalFile } from './anchor-journal.js';
import { proveConsistency } from './audit.js';
import { Rfc3161Anchor } from './rfc3161-anchor.js';
import { type TimestampTrust, timestampTrustFromPem } from './rfc3161-token.js';
import { type ConsistencyProver, WitnessAnchor } from './witness-anchor.js';

/** A published checkpoint, as anchors store and return it. */
export interface AnchoredCheckpoint {
  readonly size: number;
  /** The signed C2SP checkpoint note. */
  readonly note: string;
}

/**
 * Where checkpoints go besides the database. `publish` must be durable when it resolves;
 * `list` returns everything the anchor holds, for the verifier.
 */
export interface Anchor {
  readonly name: string;
  publish(checkpoint: AnchoredCheckpoint): Promise<void>;
  list(): Promise<AnchoredCheckpoint[]>;
}

/**
 * Appends each checkpoint as one JSON line to a file and fsyncs it.
 *
 * @example
 * const anchor = new FileAnchor('/mnt/backup/agentvisor-checkpoints.jsonl');
 */
export class FileAnchor implements Anchor {
  readonly name: string;
  readonly file: string;

  constructor(file: string) {
    this.file = path.resolve(file);
    this.name = `file:${this.file}`;
  }

  async publish(checkpoint: AnchoredCheckpoint): Promise<void> {
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      const fd = openSync(this.file, 'a', 0o644);
      try {
        writeSync(fd, `${JSON.stringify({ size: checkpoint.size, note: checkpoint.note })}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      throw new AgentvisorError(
        'ANCHOR_FAILED',
        `cannot append checkpoint to ${this.file}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  async list(): Promise<AnchoredCheckpoint[]> {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new AgentvisorError(
        'ANCHOR_FAILED',
        `cannot read ${this.file}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const out: AnchoredCheckpoint[] = [];
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.trim() === '') continue;
      try {
        const value = JSON.parse(line) as { size?: unknown; note?: unknown };
        if (typeof value.size === 'number' && typeof value.note === 'string') {
          out.push({ size: value.size, note: value.note });
          continue;
        }
      } catch {
        // fall through: a torn last line from a crash mid-write is ignored, anything else reported
      }
      if (i === lines.length - 1 || (i === lines.length - 2 && lines[lines.length - 1] === ''))
        continue;
      throw new AgentvisorError(
        'ANCHOR_FAILED',
        `${this.file}:${i + 1} is not a checkpoint record`,
      );
    }
    return out;
  }
}

/** What {@link anchorsFromConfig} needs besides the config. */
export interface AnchorContext {
  /** The ledger's store: witness anchors prove consistency from it. */
  readonly store?: Store;
}

/**
 * Builds the anchors named in `ledger.anchors`; relative paths resolve against the data dir, and
 * the `rfc3161` and `witness` journals live in `<data dir>/anchors/`. A witness anchor needs
 * `context.store` to prove consistency after its first submission. Throws CONFIG_INVALID naming
 * the setting when a CA certificate file cannot be read.
 *
 * @example
 * const anchors = anchorsFromConfig(config.ledger.anchors, dataDir, { store });
 */
export function anchorsFromConfig(
  configs: readonly AnchorConfig[],
  dataDir: string,
  context: AnchorContext = {},
): Anchor[] {
  return configs.map((c, i): Anchor => {
    switch (c.type) {
      case 'file':
        return new FileAnchor(path.resolve(dataDir, c.path));
      case 'rfc3161':
        return new Rfc3161Anchor({
          url: c.url,
          trust: readTrust(path.resolve(dataDir, c.ca_cert), `ledger.anchors.${i}.ca_cert`),
          file: journalFile(dataDir, 'rfc3161', c.url),
          timeoutMs: c.timeout_ms,
        });
      case 'witness':
        return new WitnessAnchor({
          url: c.url,
          publicKey: c.public_key,
          file: journalFile(dataDir, 'witness', `${c.name} ${c.url}`),
          prover: storeProver(context.store),
          timeoutMs: c.timeout_ms,
        });
    }
    const unknown: never = c;
    throw new AgentvisorError('CONFIG_INVALID', `ledger.anchors.${i}: unknown anchor ${unknown}`);
  });
}

function readTrust(file: string, setting: string): TimestampTrust {
  try {
    return timestampTrustFromPem(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new AgentvisorError(
      'CONFIG_INVALID',
      `${setting}: cannot use ${file} (${(error as Error).message}); expected a PEM file with the certificate of the TSA or of the CA that issued it`,
      { details: { path: setting, file } },
    );
  }
}

function storeProver(store: Store | undefined): ConsistencyProver {
  return async (oldSize, newSize) => {
    if (store === undefined) {
      throw new AgentvisorError(
        'ANCHOR_FAILED',
        'this witness anchor was built without the ledger store, so it cannot prove consistency',
      );
    }
    const { proof } = await proveConsistency(store, oldSize, newSize);
    return proof.map((h) => new Uint8Array(Buffer.from(h, 'hex')));
  };
}

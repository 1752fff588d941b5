/**
 * @module Anchors: places outside the database where every signed checkpoint is also
 * published, so that an administrator who can rewrite the database still cannot hide a
 * truncation or a rewrite. The `file` anchor appends to a file on another disk or mount;
 * external witnesses (C2SP tlog-witness, RFC 3161 authorities) implement the same interface.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { AgentvisorError, type AnchorConfig } from '../core/index.js';

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

/** Builds the anchors named in `ledger.anchors`; relative paths resolve against the data dir. */
export function anchorsFromConfig(configs: readonly AnchorConfig[], dataDir: string): Anchor[] {
  return configs.map((c) => new FileAnchor(path.resolve(dataDir, c.path)));
}

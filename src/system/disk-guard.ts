/**
 * @module The disk guard: measures free space on the data directory's filesystem every few
 * seconds (one `statfs`, cheap) and, below the configured reserve, refuses operations that change
 * anything with STORAGE_FULL before the disk is full; below a quarter of the reserve the ledger
 * takes no entry at all. What was acknowledged before stays: the refusal comes before the write.
 */
import { statfs } from 'node:fs/promises';
import { AgentvisorError, type DiskConfig, type LimitStage } from '../core/index.js';

/** Free and total bytes of a filesystem. */
export interface DiskSpace {
  readonly freeBytes: number;
  readonly totalBytes: number;
}

/** Reads the space of the filesystem holding `path` (injectable for tests). */
export type DiskSpaceReader = (path: string) => Promise<DiskSpace>;

/** `statfs` of the path: blocks available to unprivileged users, times the block size. */
export const readDiskSpace: DiskSpaceReader = async (path) => {
  const s = await statfs(path);
  return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
};

const MIB = 1024 * 1024;

/** The guard. */
export class DiskGuard {
  readonly #path: string;
  readonly #reserveBytes: number;
  readonly #read: DiskSpaceReader;
  readonly #listeners = new Set<(low: boolean, space: DiskSpace) => void>();
  #space: DiskSpace | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(path: string, config: DiskConfig, read: DiskSpaceReader = readDiskSpace) {
    this.#path = path;
    this.#reserveBytes = config.reserve_mb * MIB;
    this.#read = read;
  }

  /** The last measurement. */
  get space(): DiskSpace | undefined {
    return this.#space;
  }

  /** True while free space is under the reserve. */
  get low(): boolean {
    return this.#space !== undefined && this.#space.freeBytes < this.#reserveBytes;
  }

  /** True while free space is under a quarter of the reserve: nothing may be written. */
  get critical(): boolean {
    return this.#space !== undefined && this.#space.freeBytes < this.#reserveBytes / 4;
  }

  /** Measures now. */
  async measure(): Promise<DiskSpace> {
    const wasLow = this.low;
    this.#space = await this.#read(this.#path);
    if (this.low !== wasLow) {
      for (const listener of this.#listeners) listener(this.low, this.#space);
    }
    return this.#space;
  }

  /** Measures every `everyMs` until {@link DiskGuard.stop}. */
  start(everyMs: number, onError: (error: unknown) => void): void {
    if (this.#reserveBytes === 0) return;
    this.#timer = setInterval(() => void this.measure().catch(onError), everyMs).unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
  }

  /** Called when free space crosses the reserve (`low` true going down, false coming back). */
  onChange(listener: (low: boolean, space: DiskSpace) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #describe(): string {
    const free = ((this.#space?.freeBytes ?? 0) / MIB).toFixed(0);
    return `${free} MiB free on the disk of ${this.#path}, below the ${this.#reserveBytes / MIB} MiB reserve (disk.reserve_mb); free some space or move the data directory`;
  }

  /**
   * The kernel's limit stage: changes are refused while low; below a quarter of the reserve every
   * call is, since not even a read's ledger entry could be kept.
   */
  limitStage(): LimitStage {
    return {
      name: 'disk-reserve',
      check: (_principal, op) =>
        (op.effect === 'write' && this.low) || this.critical
          ? { kind: 'reject', code: 'STORAGE_FULL', reason: this.#describe() }
          : { kind: 'allow' },
    };
  }

  /** The ledger's last line: throws below a quarter of the reserve. */
  ledgerGuard(): () => void {
    return () => {
      if (this.critical) {
        throw new AgentvisorError('STORAGE_FULL', `nothing more is written: ${this.#describe()}`);
      }
    };
  }
}

/**
 * @module Agent snapshots (seed 003, "Persistence Layer"): numbered versions of an agent's state,
 * each stored as canonical JSON with its SHA-256. A snapshot whose bytes no longer match its
 * checksum, or that does not parse, is refused and the newest good one before it is used, so a
 * damaged row costs one snapshot interval rather than the agent. Stored in the shared store, so
 * any node of a PostgreSQL deployment can restore any agent.
 */
import { createHash } from 'node:crypto';
import { AgentvisorError, type Clock, isoTime, systemClock } from '../../core/index.js';
import { canonicalJson } from '../../ledger/index.js';
import type { AgentSnapshotTable, Store } from '../../store/index.js';

/** A verified snapshot. */
export interface Snapshot {
  readonly agentName: string;
  readonly version: number;
  readonly createdAt: string;
  /** Hex SHA-256 of the canonical JSON of `state`. */
  readonly checksum: string;
  readonly state: unknown;
}

/** A snapshot's metadata, as listed (not verified). */
export interface SnapshotInfo {
  readonly agentName: string;
  readonly version: number;
  readonly createdAt: string;
  readonly checksum: string;
  /** Length of the stored JSON, in characters. */
  readonly size: number;
}

/** A version {@link SnapshotStore.loadLatest} skipped, and why. */
export interface RefusedSnapshot {
  readonly version: number;
  readonly reason: string;
}

/** What {@link SnapshotStore.loadLatest} found. */
export interface LatestSnapshot {
  /** The newest good snapshot; null when there is none. */
  readonly snapshot: Snapshot | null;
  /** Newer versions that were refused, newest first. */
  readonly refused: readonly RefusedSnapshot[];
}

/** Versions kept per agent unless told otherwise. */
export const DEFAULT_SNAPSHOT_RETENTION = 10;

/**
 * Saves, verifies and prunes agent snapshots.
 *
 * @example
 * const snapshots = new SnapshotStore({ store });
 * await snapshots.save('researcher', { goals, metrics });
 * const { snapshot, refused } = await snapshots.loadLatest('researcher');
 */
export class SnapshotStore {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #keep: number;

  constructor(options: { store: Store; clock?: Clock; keep?: number }) {
    const keep = options.keep ?? DEFAULT_SNAPSHOT_RETENTION;
    if (!Number.isInteger(keep) || keep < 1) {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `keep: expected a whole number of snapshots, at least 1, got ${keep}`,
      );
    }
    this.#store = options.store;
    this.#clock = options.clock ?? systemClock;
    this.#keep = keep;
  }

  /**
   * Stores `state` as the next version and prunes versions beyond the retention. `state` must be
   * JSON-representable (INPUT_INVALID names the first value that is not).
   */
  async save(agentName: string, state: unknown): Promise<SnapshotInfo> {
    const data = canonicalJson(state);
    const checksum = sha256(data);
    return this.#store.writeTransaction(
      async (trx) => {
        const last = await trx
          .selectFrom('agent_snapshots')
          .select((eb) => eb.fn.max('version').as('version'))
          .where('agent_name', '=', agentName)
          .executeTakeFirst();
        const version = Number(last?.version ?? 0) + 1;
        const row: AgentSnapshotTable = {
          agent_name: agentName,
          version,
          created_at: isoTime(this.#clock),
          checksum,
          data,
        };
        await trx.insertInto('agent_snapshots').values(row).execute();
        await trx
          .deleteFrom('agent_snapshots')
          .where('agent_name', '=', agentName)
          .where('version', '<=', version - this.#keep)
          .execute();
        return infoOf(row);
      },
      { lock: `snapshots:${agentName}` },
    );
  }

  /**
   * The newest snapshot that passes its checksum and parses, with every newer version that did
   * not and why. Nothing stored (or nothing good) gives `snapshot: null`.
   */
  async loadLatest(agentName: string): Promise<LatestSnapshot> {
    const refused: RefusedSnapshot[] = [];
    const versions = await this.#store.db
      .selectFrom('agent_snapshots')
      .select('version')
      .where('agent_name', '=', agentName)
      .orderBy('version', 'desc')
      .execute();
    // One row at a time: snapshots can be large, and usually the newest is good.
    for (const { version } of versions) {
      const row = await this.#row(agentName, version);
      if (row === undefined) continue; // pruned by a concurrent save
      const checked = check(row);
      if ('reason' in checked) refused.push({ version, reason: checked.reason });
      else return { snapshot: checked, refused };
    }
    return { snapshot: null, refused };
  }

  /** One version, verified; SNAPSHOT_CORRUPT when it fails its checksum or does not parse. */
  async load(agentName: string, version: number): Promise<Snapshot> {
    const row = await this.#row(agentName, version);
    if (row === undefined) {
      throw new AgentvisorError(
        'NOT_FOUND',
        `agent "${agentName}" has no snapshot version ${version}`,
        { details: { agent: agentName, version } },
      );
    }
    const checked = check(row);
    if ('reason' in checked) {
      throw new AgentvisorError(
        'SNAPSHOT_CORRUPT',
        `snapshot ${version} of agent "${agentName}" is refused: ${checked.reason}`,
        { details: { agent: agentName, version } },
      );
    }
    return checked;
  }

  /** Deletes one version; false when there was none. */
  async delete(agentName: string, version: number): Promise<boolean> {
    const result = await this.#store.db
      .deleteFrom('agent_snapshots')
      .where('agent_name', '=', agentName)
      .where('version', '=', version)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Stored versions of an agent, newest first, without reading their data. */
  async list(agentName: string): Promise<SnapshotInfo[]> {
    const rows = await this.#store.db
      .selectFrom('agent_snapshots')
      .select(['agent_name', 'version', 'created_at', 'checksum'])
      .select((eb) => eb.fn<number>('length', ['data']).as('size'))
      .where('agent_name', '=', agentName)
      .orderBy('version', 'desc')
      .execute();
    return rows.map((r) => ({
      agentName: r.agent_name,
      version: r.version,
      createdAt: r.created_at,
      checksum: r.checksum,
      size: Number(r.size),
    }));
  }

  async #row(agentName: string, version: number): Promise<AgentSnapshotTable | undefined> {
    return this.#store.db
      .selectFrom('agent_snapshots')
      .selectAll()
      .where('agent_name', '=', agentName)
      .where('version', '=', version)
      .executeTakeFirst();
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function check(row: AgentSnapshotTable): Snapshot | { reason: string } {
  const computed = sha256(row.data);
  if (computed !== row.checksum) {
    return {
      reason: `checksum mismatch: stored sha256 ${row.checksum}, data hashes to ${computed} (the row was altered or damaged)`,
    };
  }
  let state: unknown;
  try {
    state = JSON.parse(row.data);
  } catch (error) {
    return { reason: `data is not valid JSON: ${(error as Error).message}` };
  }
  return {
    agentName: row.agent_name,
    version: row.version,
    createdAt: row.created_at,
    checksum: row.checksum,
    state,
  };
}

function infoOf(row: AgentSnapshotTable): SnapshotInfo {
  return {
    agentName: row.agent_name,
    version: row.version,
    createdAt: row.created_at,
    checksum: row.checksum,
    size: row.data.length,
  };
}

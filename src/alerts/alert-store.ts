/**
 * @module The `alerts` table. Every change that matters to notifications is a conditional
 * update on the row's `version` (or an insert that does nothing on conflict), so when several
 * nodes evaluate the same alert at the same moment exactly one of them wins the transition and
 * notifies; the others see zero rows changed and leave it. Value refreshes are unconditional and
 * do not bump the version, so they never make another node's claim fail.
 */
import type { AlertTable, Store } from '../store/index.js';

/** The columns a transition may change (never the identity columns). */
export type AlertPatch = Partial<
  Omit<AlertTable, 'fingerprint' | 'rule' | 'labels' | 'version' | 'notifications'>
> & {
  /** Adds one to `notifications` (a notification is claimed by this change). */
  readonly notify?: boolean;
};

/** See the module comment. */
export class AlertStore {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  /** Pending and firing alerts, and those resolved at or after `resolvedSince`. */
  async current(resolvedSince: number): Promise<AlertTable[]> {
    return this.#store.db
      .selectFrom('alerts')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb('state', 'in', ['pending', 'firing']),
          eb.and([eb('state', '=', 'resolved'), eb('resolved_at', '>=', resolvedSince)]),
        ]),
      )
      .execute();
  }

  /** One alert by fingerprint. */
  async get(fingerprint: string): Promise<AlertTable | undefined> {
    return this.#store.db
      .selectFrom('alerts')
      .selectAll()
      .where('fingerprint', '=', fingerprint)
      .executeTakeFirst();
  }

  /** Inserts a new alert; false when a row with its fingerprint exists (another node won). */
  async insert(row: AlertTable): Promise<boolean> {
    const result = await this.#store.db
      .insertInto('alerts')
      .values(row)
      .onConflict((oc) => oc.column('fingerprint').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  /** Applies `patch` if the row is still at `version`; false when another change came first. */
  async update(fingerprint: string, version: number, patch: AlertPatch): Promise<boolean> {
    const { notify, ...columns } = patch;
    const result = await this.#store.db
      .updateTable('alerts')
      .set((eb) => ({
        ...columns,
        version: eb('version', '+', 1),
        ...(notify === true ? { notifications: eb('notifications', '+', 1) } : {}),
      }))
      .where('fingerprint', '=', fingerprint)
      .where('version', '=', version)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Refreshes the value and annotations without claiming anything. */
  async refresh(
    fingerprint: string,
    fields: Pick<AlertTable, 'value' | 'summary' | 'annotations' | 'updated_at'>,
  ): Promise<void> {
    await this.#store.db
      .updateTable('alerts')
      .set(fields)
      .where('fingerprint', '=', fingerprint)
      .where('state', 'in', ['pending', 'firing'])
      .execute();
  }

  /** Deletes the row if it is still at `version` (a pending alert whose condition ended). */
  async remove(fingerprint: string, version: number): Promise<boolean> {
    const result = await this.#store.db
      .deleteFrom('alerts')
      .where('fingerprint', '=', fingerprint)
      .where('version', '=', version)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  /** Forgets alerts resolved before `before`. */
  async purgeResolved(before: number): Promise<void> {
    await this.#store.db
      .deleteFrom('alerts')
      .where('state', '=', 'resolved')
      .where('resolved_at', '<', before)
      .execute();
  }
}

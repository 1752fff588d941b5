/**
 * @module Local users: email, scrypt password hash, role, and the failed-login counter behind
 * the lockout. Every change is made by a kernel operation (see `user-operations.ts`), so the
 * ledger names who created, changed or removed whom.
 */
import { z } from 'zod';
import { AgentvisorError, type Clock, isoTime, newId, systemClock } from '../core/index.js';
import type { Store, UserTable } from '../store/index.js';
import { isPasswordHash } from './password-hash.js';
import type { Role } from './roles.js';

/** A user as shown: never the password hash. */
export interface UserRecord {
  readonly id: string;
  readonly email: string;
  readonly role: Role;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly disabled: boolean;
  readonly lockedUntil: string | null;
  readonly lastLoginAt: string | null;
}

/** Lockout after repeated failed logins. */
export interface LockoutPolicy {
  readonly maxFailures: number;
  readonly lockoutMs: number;
}

const emailSchema = z.email().max(254);

/** Lower-cases and checks an email, or INPUT_INVALID saying what is expected. */
export function normalizeEmail(value: unknown, where = 'email'): string {
  const email = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if (!emailSchema.safeParse(email).success) {
    throw new AgentvisorError(
      'INPUT_INVALID',
      `${where}: expected an email address such as ada@example.com, got ${JSON.stringify(value)}`,
    );
  }
  return email as string;
}

function toRecord(row: UserTable): UserRecord {
  return {
    id: row.id,
    email: row.email,
    role: row.role as Role,
    createdAt: row.created_at,
    createdBy: row.created_by,
    disabled: row.disabled_at !== null,
    lockedUntil: row.locked_until,
    lastLoginAt: row.last_login_at,
  };
}

/**
 * Users in the store.
 *
 * @example
 * const users = new UserStore(store);
 * await users.create({ email: 'ada@example.com', passwordHash, role: 'admin', createdBy: 'setup' });
 */
export class UserStore {
  readonly #store: Store;
  readonly #clock: Clock;

  constructor(store: Store, clock: Clock = systemClock) {
    this.#store = store;
    this.#clock = clock;
  }

  /** How many users exist (zero means the first-run setup is open). */
  async count(): Promise<number> {
    const row = await this.#store.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Creates a user; CONFLICT when the email is taken. */
  async create(input: {
    email: string;
    passwordHash: string;
    role: Role;
    createdBy: string;
  }): Promise<UserRecord> {
    const email = normalizeEmail(input.email);
    if (!isPasswordHash(input.passwordHash)) {
      throw new AgentvisorError('INPUT_INVALID', 'password_hash: not a scrypt hash');
    }
    const row: UserTable = {
      id: newId(this.#clock),
      email,
      password_hash: input.passwordHash,
      role: input.role,
      created_at: isoTime(this.#clock),
      created_by: input.createdBy,
      disabled_at: null,
      failed_logins: 0,
      locked_until: null,
      last_login_at: null,
    };
    await this.#store.writeTransaction(async (trx) => {
      const taken = await trx
        .selectFrom('users')
        .select('id')
        .where('email', '=', email)
        .executeTakeFirst();
      if (taken !== undefined) {
        throw new AgentvisorError('CONFLICT', `a user with email ${email} already exists`);
      }
      await trx.insertInto('users').values(row).execute();
    });
    return toRecord(row);
  }

  /** Every user, oldest first. */
  async list(): Promise<UserRecord[]> {
    const rows = await this.#store.db.selectFrom('users').selectAll().orderBy('id').execute();
    return rows.map(toRecord);
  }

  /** A user by id or email, or undefined. */
  async find(idOrEmail: string): Promise<UserRecord | undefined> {
    const row = await this.#row(idOrEmail);
    return row === undefined ? undefined : toRecord(row);
  }

  /** A user by id or email, or NOT_FOUND. */
  async get(idOrEmail: string): Promise<UserRecord> {
    const found = await this.find(idOrEmail);
    if (found === undefined) throw new AgentvisorError('NOT_FOUND', `no user "${idOrEmail}"`);
    return found;
  }

  /** The stored hash of a user, for the login check only. */
  async credentials(
    email: string,
  ): Promise<{ user: UserRecord; passwordHash: string } | undefined> {
    const row = await this.#row(email);
    return row === undefined ? undefined : { user: toRecord(row), passwordHash: row.password_hash };
  }

  /**
   * Changes a user's role, disabled flag or password. Refuses to demote, disable or (see
   * {@link UserStore.remove}) delete the last enabled admin: nobody could manage users afterwards.
   */
  async update(
    idOrEmail: string,
    change: { role?: Role; disabled?: boolean; passwordHash?: string },
  ): Promise<UserRecord> {
    if (change.passwordHash !== undefined && !isPasswordHash(change.passwordHash)) {
      throw new AgentvisorError('INPUT_INVALID', 'password_hash: not a scrypt hash');
    }
    return this.#store.writeTransaction(async (trx) => {
      const row = await this.#row(idOrEmail, trx);
      if (row === undefined) throw new AgentvisorError('NOT_FOUND', `no user "${idOrEmail}"`);
      const losesAdmin =
        row.role === 'admin' &&
        row.disabled_at === null &&
        ((change.role !== undefined && change.role !== 'admin') || change.disabled === true);
      if (losesAdmin) await this.#requireAnotherAdmin(trx, row.id);
      const next: Partial<UserTable> = {};
      if (change.role !== undefined) next.role = change.role;
      if (change.disabled !== undefined) {
        next.disabled_at = change.disabled ? (row.disabled_at ?? isoTime(this.#clock)) : null;
      }
      if (change.passwordHash !== undefined) {
        next.password_hash = change.passwordHash;
        next.failed_logins = 0;
        next.locked_until = null;
      }
      if (Object.keys(next).length > 0) {
        await trx.updateTable('users').set(next).where('id', '=', row.id).execute();
      }
      return toRecord({ ...row, ...next });
    });
  }

  /** Deletes a user (and their sessions); not the last enabled admin. */
  async remove(idOrEmail: string): Promise<UserRecord> {
    return this.#store.writeTransaction(async (trx) => {
      const row = await this.#row(idOrEmail, trx);
      if (row === undefined) throw new AgentvisorError('NOT_FOUND', `no user "${idOrEmail}"`);
      if (row.role === 'admin' && row.disabled_at === null) {
        await this.#requireAnotherAdmin(trx, row.id);
      }
      await trx.deleteFrom('sessions').where('user_id', '=', row.id).execute();
      await trx.deleteFrom('users').where('id', '=', row.id).execute();
      return toRecord(row);
    });
  }

  /**
   * Counts a failed login; the `maxFailures`-th in a row locks the account for `lockoutMs`.
   * Returns when the lock ends, if it is now locked.
   */
  async recordFailure(id: string, policy: LockoutPolicy): Promise<string | null> {
    return this.#store.writeTransaction(async (trx) => {
      const row = await trx
        .selectFrom('users')
        .select(['failed_logins'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (row === undefined) return null;
      const failures = row.failed_logins + 1;
      const locks = failures >= policy.maxFailures;
      const until = locks ? new Date(this.#clock.now() + policy.lockoutMs).toISOString() : null;
      await trx
        .updateTable('users')
        .set(locks ? { failed_logins: 0, locked_until: until } : { failed_logins: failures })
        .where('id', '=', id)
        .execute();
      return until;
    });
  }

  /** Clears the failure counter and notes the login time. */
  async recordLogin(id: string): Promise<void> {
    await this.#store.db
      .updateTable('users')
      .set({ failed_logins: 0, locked_until: null, last_login_at: isoTime(this.#clock) })
      .where('id', '=', id)
      .execute();
  }

  async #requireAnotherAdmin(trx: Store['db'], exceptId: string): Promise<void> {
    const others = await trx
      .selectFrom('users')
      .select('id')
      .where('role', '=', 'admin')
      .where('disabled_at', 'is', null)
      .where('id', '!=', exceptId)
      .limit(1)
      .execute();
    if (others.length === 0) {
      throw new AgentvisorError(
        'CONFLICT',
        'this is the last enabled admin; make another user admin first, or nobody could manage users',
      );
    }
  }

  async #row(idOrEmail: string, db: Store['db'] = this.#store.db): Promise<UserTable | undefined> {
    const key = idOrEmail.includes('@') ? idOrEmail.trim().toLowerCase() : idOrEmail;
    return db
      .selectFrom('users')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', key), eb('email', '=', key)]))
      .executeTakeFirst();
  }
}

/**
 * @module Browser sessions. The cookie carries a random token; the store keeps only its SHA-256,
 * so a copy of the database opens no session. Each session has its own CSRF token (the
 * synchronizer-token pattern): a state-changing request must echo it in `x-csrf-token`, which a
 * cross-site form cannot read or send.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type Clock, isoTime, newId, systemClock } from '../core/index.js';
import type { Store } from '../store/index.js';
import type { UserRecord, UserStore } from './user-store.js';

/** Prefix of every session token. */
export const SESSION_TOKEN_PREFIX = 'avs_';

/** A session as the server sees it after resolving a cookie. */
export interface ActiveSession {
  readonly id: string;
  readonly user: UserRecord;
  readonly csrfToken: string;
  readonly expiresAt: string;
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

// A session's last-seen time is written at most this often: a busy dashboard must not turn
// every request into a write.
const TOUCH_EVERY_MS = 60_000;

/**
 * Sessions in the store.
 *
 * @example
 * const sessions = new SessionStore(store, users, { ttlMs: 12 * 3600_000 });
 * const { token } = await sessions.open(user.id, '127.0.0.1');
 */
export class SessionStore {
  readonly #store: Store;
  readonly #users: UserStore;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #ended = new Set<(sessionId: string) => void>();

  constructor(store: Store, users: UserStore, options: { ttlMs: number; clock?: Clock }) {
    this.#store = store;
    this.#users = users;
    this.#ttlMs = options.ttlMs;
    this.#clock = options.clock ?? systemClock;
  }

  /** Opens a session; the token is returned once, for the cookie. */
  async open(
    userId: string,
    ip: string | null,
  ): Promise<{ token: string; session: ActiveSession }> {
    const user = await this.#users.get(userId);
    const token = `${SESSION_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const now = isoTime(this.#clock);
    const expiresAt = new Date(this.#clock.now() + this.#ttlMs).toISOString();
    const row = {
      token_hash: hashToken(token),
      id: newId(this.#clock),
      user_id: user.id,
      csrf_token: randomBytes(24).toString('base64url'),
      created_at: now,
      expires_at: expiresAt,
      last_seen_at: now,
      ip,
    };
    await this.#store.db.insertInto('sessions').values(row).execute();
    return { token, session: { id: row.id, user, csrfToken: row.csrf_token, expiresAt } };
  }

  /** The live session a cookie token names, or undefined (unknown, expired, user disabled). */
  async resolve(token: string): Promise<ActiveSession | undefined> {
    if (!token.startsWith(SESSION_TOKEN_PREFIX) || token.length > 128) return undefined;
    const row = await this.#store.db
      .selectFrom('sessions')
      .selectAll()
      .where('token_hash', '=', hashToken(token))
      .executeTakeFirst();
    if (row === undefined) return undefined;
    const now = this.#clock.now();
    if (Date.parse(row.expires_at) <= now) {
      await this.#store.db.deleteFrom('sessions').where('id', '=', row.id).execute();
      return undefined;
    }
    const user = await this.#users.find(row.user_id);
    if (user === undefined || user.disabled) return undefined;
    if (now - Date.parse(row.last_seen_at) > TOUCH_EVERY_MS) {
      await this.#store.db
        .updateTable('sessions')
        .set({ last_seen_at: new Date(now).toISOString() })
        .where('id', '=', row.id)
        .execute();
    }
    return { id: row.id, user, csrfToken: row.csrf_token, expiresAt: row.expires_at };
  }

  /**
   * Calls `listener` with the id of every session this process ends (logout, a user disabled or
   * changed), so live connections opened with it (the WebSocket) close too.
   */
  onEnded(listener: (sessionId: string) => void): () => void {
    this.#ended.add(listener);
    return () => this.#ended.delete(listener);
  }

  /** Ends one session (logout). */
  async close(sessionId: string): Promise<void> {
    await this.#store.db.deleteFrom('sessions').where('id', '=', sessionId).execute();
    this.#announce([sessionId]);
  }

  /** Ends every session of a user (disabled, role changed, password changed). */
  async closeAll(userId: string): Promise<number> {
    const rows = await this.#store.db
      .deleteFrom('sessions')
      .where('user_id', '=', userId)
      .returning('id')
      .execute();
    this.#announce(rows.map((r) => r.id));
    return rows.length;
  }

  #announce(ids: readonly string[]): void {
    for (const id of ids) {
      for (const listener of this.#ended) {
        try {
          listener(id);
        } catch {
          // A listener's failure must not undo a logout.
        }
      }
    }
  }

  /** Deletes expired sessions; returns how many. */
  async sweep(): Promise<number> {
    const result = await this.#store.db
      .deleteFrom('sessions')
      .where('expires_at', '<=', isoTime(this.#clock))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

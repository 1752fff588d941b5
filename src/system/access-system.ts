/**
 * @module People's access: users, browser sessions, the first-run setup token and the kernel
 * operations that change them (`user.*`). Passwords never enter a kernel call: routes and the
 * CLI hash them first, so the ledger's digest of the arguments is a digest of a salted scrypt
 * hash, never of a password.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import {
  type ActiveSession,
  checkPasswordStrength,
  hashPassword,
  type LockoutPolicy,
  normalizeEmail,
  ROLES,
  type Role,
  roleCapabilities,
  SessionStore,
  type UserRecord,
  UserStore,
  verifyPassword,
} from '../auth/index.js';
import {
  AgentvisorError,
  actorOf,
  type CallerRef,
  type Kernel,
  SYSTEM_PRINCIPAL,
} from '../core/index.js';
import type { Store } from '../store/index.js';
import type { PrincipalDirectory } from './principal-directory.js';

/** What {@link openAccessSystem} needs. */
export interface AccessSystemOptions {
  readonly kernel: Kernel;
  readonly store: Store;
  readonly principals: PrincipalDirectory;
  readonly sessionTtlMs: number;
  readonly lockout: LockoutPolicy;
  /** scrypt cost (tests lower it; the stored hash records its own cost). */
  readonly scryptN?: number;
}

/** Users, sessions and first-run setup. */
export interface AccessSystem {
  readonly users: UserStore;
  readonly sessions: SessionStore;
  /** Hashes a password (after the strength check) for `user.create` / `user.update`. */
  hashPassword(password: string): Promise<string>;
  /**
   * The one-time setup token while no user exists (created on first call), else undefined.
   * `agentvisor start` prints it; `POST /api/v1/setup` spends it.
   */
  setupToken(): Promise<string | undefined>;
  /** Creates the first admin with the setup token; CONFLICT once any user exists. */
  setup(token: string, email: string, password: string): Promise<UserRecord>;
  /**
   * Checks a login and opens a session (recorded as `user.login`, success or not). Unknown email
   * and wrong password get the same answer, after the same work.
   */
  login(
    email: string,
    password: string,
    ip: string | null,
  ): Promise<{ token: string; session: ActiveSession }>;
  /** The kernel caller for a user, registered with their role's capabilities. */
  callerFor(user: UserRecord): CallerRef;
  /** The kernel caller for a key or principal acting with a role. */
  callerForRole(kind: 'apikey' | 'human', id: string, name: string, role: Role): CallerRef;
}

const email = z.string().min(3).max(254);
const passwordHash = z.string().min(20).max(512);

/** Builds the access system and registers `user.*` on the kernel. */
export function openAccessSystem(options: AccessSystemOptions): AccessSystem {
  const { kernel, store, principals } = options;
  const cost = { N: options.scryptN ?? 2 ** 15, r: 8, p: 1 };
  const users = new UserStore(store, kernel.clock);
  const sessions = new SessionStore(store, users, {
    ttlMs: options.sessionTtlMs,
    clock: kernel.clock,
  });
  let setupSecret: string | undefined;
  // Spent on an unknown email so that it costs what a wrong password costs.
  let decoy: Promise<string> | undefined;

  const callerForRole = (kind: 'apikey' | 'human', id: string, name: string, role: Role) => {
    principals.register({ kind, id, name, capabilities: roleCapabilities(role) });
    return { kind, id };
  };
  const callerFor = (user: UserRecord) => callerForRole('human', user.email, user.email, user.role);

  kernel.register({
    name: 'user.create',
    description: 'Creates a local user with a role (viewer, operator or admin).',
    effect: 'write',
    capability: 'admin',
    args: z.object({ email, password_hash: passwordHash, role: z.enum(ROLES) }).strict(),
    handler: ({ principal }, args) =>
      users.create({
        email: args.email,
        passwordHash: args.password_hash,
        role: args.role,
        createdBy: actorOf(principal),
      }),
    ledgerFacts: (args, result) => ({
      email: result?.email ?? args.email,
      role: args.role,
      user_id: result?.id ?? null,
    }),
  });
  kernel.register({
    name: 'user.list',
    description: 'Lists users (never their password hashes).',
    effect: 'read',
    capability: 'admin',
    args: z.object({}).strict(),
    handler: () => users.list(),
  });
  kernel.register({
    name: 'user.update',
    description:
      "Changes a user's role, disables or enables them, or sets a new password; their sessions end.",
    effect: 'write',
    capability: 'admin',
    args: z
      .object({
        user: z.string().min(1).max(254),
        role: z.enum(ROLES).optional(),
        disabled: z.boolean().optional(),
        password_hash: passwordHash.optional(),
      })
      .strict(),
    handler: async (_ctx, args) => {
      const updated = await users.update(args.user, {
        ...(args.role === undefined ? {} : { role: args.role }),
        ...(args.disabled === undefined ? {} : { disabled: args.disabled }),
        ...(args.password_hash === undefined ? {} : { passwordHash: args.password_hash }),
      });
      await sessions.closeAll(updated.id);
      return updated;
    },
    ledgerFacts: (args, result) => ({
      user_id: result?.id ?? null,
      email: result?.email ?? null,
      role: args.role ?? null,
      disabled: args.disabled ?? null,
      password_changed: args.password_hash !== undefined,
    }),
  });
  kernel.register({
    name: 'user.delete',
    description: 'Deletes a user and ends their sessions.',
    effect: 'write',
    capability: 'admin',
    args: z.object({ user: z.string().min(1).max(254) }).strict(),
    handler: (_ctx, args) => users.remove(args.user),
    ledgerFacts: (_args, result) => ({ user_id: result?.id ?? null, email: result?.email ?? null }),
  });
  kernel.register({
    name: 'user.setup',
    description: 'Creates the first admin during first-run setup (system only).',
    effect: 'write',
    capability: 'system.setup',
    args: z.object({ email, password_hash: passwordHash }).strict(),
    handler: async (_ctx, args) => {
      if ((await users.count()) > 0) {
        throw new AgentvisorError(
          'CONFLICT',
          'setup is done: a user already exists; sign in, or ask an admin to create your user',
        );
      }
      return users.create({
        email: args.email,
        passwordHash: args.password_hash,
        role: 'admin',
        createdBy: 'setup-token',
      });
    },
    ledgerFacts: (args, result) => ({ email: result?.email ?? args.email, user_id: result?.id }),
  });
  kernel.register({
    name: 'user.login',
    description: 'Records a login attempt and, when it succeeded, opens a session (system only).',
    effect: 'write',
    capability: 'system.login',
    args: z
      .object({
        email,
        ip: z.string().max(64).nullable(),
        user_id: z.string().nullable(),
        outcome: z.enum(['ok', 'bad_password', 'unknown_user', 'locked', 'disabled']),
        locked_until: z.string().nullable(),
      })
      .strict(),
    handler: async (_ctx, args) => {
      switch (args.outcome) {
        case 'ok': {
          await users.recordLogin(args.user_id!);
          return sessions.open(args.user_id!, args.ip);
        }
        case 'locked':
          throw lockedError(args.locked_until!, kernel.clock.now());
        case 'bad_password': {
          const until = await users.recordFailure(args.user_id!, options.lockout);
          if (until !== null) throw lockedError(until, kernel.clock.now());
          throw badLogin();
        }
        default:
          throw badLogin();
      }
    },
    ledgerFacts: (args, result) => ({
      email: args.email,
      ip: args.ip,
      outcome: args.outcome,
      user_id: args.user_id,
      session_id: result?.session.id ?? null,
    }),
  });
  kernel.register({
    name: 'user.logout',
    description: "Ends the caller's own browser session.",
    effect: 'write',
    args: z.object({ session: z.string().min(1).max(64) }).strict(),
    handler: async ({ principal }, args) => {
      const row = await store.db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .select(['sessions.id', 'users.email'])
        .where('sessions.id', '=', args.session)
        .executeTakeFirst();
      if (row !== undefined && (principal.kind !== 'human' || row.email !== principal.id)) {
        throw new AgentvisorError('FORBIDDEN', 'a session can only be ended by its own user');
      }
      await sessions.close(args.session);
      return { closed: row !== undefined };
    },
    ledgerFacts: (args) => ({ session_id: args.session }),
  });

  return {
    users,
    sessions,
    hashPassword: (password) => hashPassword(checkPasswordStrength(password), cost),
    async setupToken() {
      if ((await users.count()) > 0) return undefined;
      setupSecret ??= `avsetup_${randomBytes(18).toString('base64url')}`;
      return setupSecret;
    },
    async setup(token, rawEmail, password) {
      const expected = setupSecret;
      const presented = Buffer.from(String(token));
      if (
        expected === undefined ||
        presented.length !== expected.length ||
        !timingSafeEqual(presented, Buffer.from(expected))
      ) {
        throw new AgentvisorError(
          'UNAUTHENTICATED',
          expected === undefined
            ? 'setup is not open: a user exists already (or the node has not printed a setup token); sign in instead'
            : 'wrong setup token: use the one `agentvisor start` printed (a new one is printed on every start until setup is done)',
        );
      }
      const hash = await hashPassword(checkPasswordStrength(password), cost);
      const { result } = await kernel.call<UserRecord>(SYSTEM_PRINCIPAL, 'user.setup', {
        email: normalizeEmail(rawEmail),
        password_hash: hash,
      });
      setupSecret = undefined;
      return result;
    },
    async login(rawEmail, password, ip) {
      const address = normalizeEmail(rawEmail);
      if (typeof password !== 'string' || password.length === 0 || password.length > 1024) {
        throw new AgentvisorError('INPUT_INVALID', 'password: expected 1 to 1024 characters');
      }
      const found = await users.credentials(address);
      let outcome: 'ok' | 'bad_password' | 'unknown_user' | 'locked' | 'disabled';
      if (found === undefined) {
        decoy ??= hashPassword('decoy password never used', cost);
        await verifyPassword(password, await decoy);
        outcome = 'unknown_user';
      } else {
        const locked =
          found.user.lockedUntil !== null &&
          Date.parse(found.user.lockedUntil) > kernel.clock.now();
        const matches = await verifyPassword(password, found.passwordHash);
        outcome = locked
          ? 'locked'
          : found.user.disabled
            ? 'disabled'
            : matches
              ? 'ok'
              : 'bad_password';
      }
      const { result } = await kernel.call<{ token: string; session: ActiveSession }>(
        SYSTEM_PRINCIPAL,
        'user.login',
        {
          email: address,
          ip,
          user_id: found?.user.id ?? null,
          outcome,
          locked_until: found?.user.lockedUntil ?? null,
        },
      );
      return result;
    },
    callerFor,
    callerForRole,
  };
}

function badLogin(): AgentvisorError {
  return new AgentvisorError('UNAUTHENTICATED', 'wrong email or password');
}

function lockedError(until: string, now: number): AgentvisorError {
  return new AgentvisorError(
    'RATE_LIMITED',
    `too many failed logins: this account is locked until ${until}; try again then, or ask an admin to reset the password`,
    { details: { retryAfterMs: Math.max(0, Date.parse(until) - now) } },
  );
}

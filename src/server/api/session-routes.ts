/**
 * @module Signing in and out, and first-run setup. A login answers with the session's CSRF token
 * and sets an HttpOnly, SameSite=Strict cookie (Secure when the request came over TLS).
 */
import { z } from 'zod';
import { ROLES, type UserRecord } from '../../auth/index.js';
import { AgentvisorError, isAgentvisorError } from '../../core/index.js';
import { SESSION_COOKIE } from './api-auth.js';
import { type ApiContext, type ApiRoute, apiRoute } from './api-route.js';

const credentials = z
  .object({
    email: z.string().min(3).max(254),
    password: z.string().min(1).max(1024),
  })
  .strict();

const sessionView = z.object({
  user: z.object({ id: z.string(), email: z.string(), role: z.enum(ROLES) }),
  csrfToken: z.string(),
  expiresAt: z.string(),
});

function publicUser(user: UserRecord) {
  return { id: user.id, email: user.email, role: user.role };
}

/** Runs a sign-in attempt under the per-address limit on failures. */
async function guarded<T>(ctx: ApiContext, attempt: () => Promise<T>): Promise<T> {
  await ctx.limits.beforeLogin(ctx.request.ip);
  try {
    return await attempt();
  } catch (error) {
    if (isAgentvisorError(error, 'UNAUTHENTICATED') || isAgentvisorError(error, 'RATE_LIMITED')) {
      await ctx.limits.loginFailed(ctx.request.ip);
    }
    throw error;
  }
}

/** Checks the credentials, opens a session and sets its cookie. */
async function signIn(ctx: ApiContext, email: string, password: string) {
  const { token, session } = await ctx.system.access.login(email, password, ctx.request.ip);
  await ctx.limits.loginSucceeded(ctx.request.ip);
  void ctx.reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: ctx.request.protocol === 'https',
    expires: new Date(session.expiresAt),
  });
  return {
    user: publicUser(session.user),
    csrfToken: session.csrfToken,
    expiresAt: session.expiresAt,
  };
}

/**
 * The session routes.
 *
 * Failed attempts (a wrong password, a wrong setup token) count against the client's address;
 * past the limit, it gets RATE_LIMITED (the per-account lockout is separate).
 */
export function sessionRoutes(): ApiRoute[] {
  return [
    apiRoute({
      method: 'GET',
      path: '/setup',
      summary: 'Whether first-run setup is open (no user exists yet)',
      tag: 'Session',
      role: 'public',
      input: z.object({}).strict(),
      output: z.object({ needed: z.boolean() }),
      handle: async ({ system }) => ({ needed: (await system.access.users.count()) === 0 }),
    }),
    apiRoute({
      method: 'POST',
      path: '/setup',
      summary: 'Create the first admin with the setup token `agentvisor start` printed',
      tag: 'Session',
      role: 'public',
      input: credentials.extend({ token: z.string().min(1).max(128) }).strict(),
      status: 201,
      handle: async (ctx, input) => {
        return guarded(ctx, async () => {
          await ctx.system.access.setup(input.token, input.email, input.password);
          return signIn(ctx, input.email, input.password);
        });
      },
    }),
    apiRoute({
      method: 'POST',
      path: '/session',
      summary: 'Sign in: sets the session cookie and returns the CSRF token',
      tag: 'Session',
      role: 'public',
      input: credentials,
      output: sessionView,
      handle: async (ctx, input) => {
        return guarded(ctx, () => signIn(ctx, input.email, input.password));
      },
    }),
    apiRoute({
      method: 'GET',
      path: '/session',
      summary: 'The signed-in user and the CSRF token',
      tag: 'Session',
      role: 'viewer',
      input: z.object({}).strict(),
      output: sessionView.partial({ csrfToken: true, expiresAt: true }),
      handle: async ({ caller, system }) => {
        if (caller?.credential !== 'session') {
          return { user: { id: caller?.caller.id, email: caller?.display, role: caller?.role } };
        }
        const user = await system.access.users.get(caller.caller.id);
        const session = await system.store.db
          .selectFrom('sessions')
          .select('expires_at')
          .where('id', '=', caller.sessionId!)
          .executeTakeFirst();
        return {
          user: publicUser(user),
          csrfToken: caller.csrfToken,
          expiresAt: session?.expires_at,
        };
      },
    }),
    apiRoute({
      method: 'DELETE',
      path: '/session',
      summary: 'Sign out: ends the session and clears the cookie',
      tag: 'Session',
      role: 'viewer',
      input: z.object({}).strict(),
      status: 204,
      handle: async (ctx) => {
        if (ctx.caller?.sessionId === undefined) {
          throw new AgentvisorError('INPUT_INVALID', 'only a browser session can be signed out');
        }
        await ctx.call('user.logout', { session: ctx.caller.sessionId });
        void ctx.reply.clearCookie(SESSION_COOKIE, { path: '/' });
      },
    }),
  ];
}

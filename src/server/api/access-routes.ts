/**
 * @module Users and API keys (admin). Passwords are hashed here, before any kernel call, so no
 * password (nor a digest of one) reaches the ledger.
 */
import { z } from 'zod';
import { ROLES } from '../../auth/index.js';
import { type ApiRoute, apiRoute } from './api-route.js';

const userRef = z.object({ id: z.string().min(1).max(254) });

/** The access routes. */
export function accessRoutes(): ApiRoute[] {
  return [
    apiRoute({
      method: 'GET',
      path: '/users',
      summary: 'Every user (never a password hash)',
      tag: 'Access',
      role: 'admin',
      op: 'user.list',
      handle: async (ctx) => ({ users: await ctx.call('user.list', {}) }),
    }),
    apiRoute({
      method: 'POST',
      path: '/users',
      summary: 'Create a user with a role',
      tag: 'Access',
      role: 'admin',
      status: 201,
      input: z
        .object({
          email: z.string().min(3).max(254),
          password: z.string().min(1).max(1024),
          role: z.enum(ROLES),
        })
        .strict(),
      handle: async (ctx, input) =>
        ctx.call('user.create', {
          email: input.email,
          role: input.role,
          password_hash: await ctx.system.access.hashPassword(input.password),
        }),
    }),
    apiRoute({
      method: 'PATCH',
      path: '/users/:id',
      summary: "Change a user's role, disable or enable them, or set a new password",
      tag: 'Access',
      role: 'admin',
      input: userRef
        .extend({
          role: z.enum(ROLES).optional(),
          disabled: z.boolean().optional(),
          password: z.string().min(1).max(1024).optional(),
        })
        .strict(),
      handle: async (ctx, input) =>
        ctx.call('user.update', {
          user: input.id,
          ...(input.role === undefined ? {} : { role: input.role }),
          ...(input.disabled === undefined ? {} : { disabled: input.disabled }),
          ...(input.password === undefined
            ? {}
            : { password_hash: await ctx.system.access.hashPassword(input.password) }),
        }),
    }),
    apiRoute({
      method: 'DELETE',
      path: '/users/:id',
      summary: 'Delete a user and end their sessions',
      tag: 'Access',
      role: 'admin',
      input: userRef.strict(),
      handle: (ctx, input) => ctx.call('user.delete', { user: input.id }),
    }),
    apiRoute({
      method: 'GET',
      path: '/apikeys',
      summary: 'Every API key (never a secret)',
      tag: 'Access',
      role: 'admin',
      op: 'apikey.list',
      handle: async (ctx) => ({ keys: await ctx.call('apikey.list', {}) }),
    }),
    apiRoute({
      method: 'POST',
      path: '/apikeys',
      summary:
        'Create an API key, for an agent (agent) or acting with a role (role); the secret is returned once',
      tag: 'Access',
      role: 'admin',
      op: 'apikey.create',
      status: 201,
    }),
    apiRoute({
      method: 'DELETE',
      path: '/apikeys/:key',
      summary: 'Revoke an API key by name or id',
      tag: 'Access',
      role: 'admin',
      op: 'apikey.revoke',
    }),
  ];
}
